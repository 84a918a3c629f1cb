# dmr-timeout: 3000
# Kernel memory per remap: slab + vmalloc (/proc/meminfo Slab, VmallocUsed)
# and the kmalloc-4k cache (the table's B+tree nodes; the rest is mostly
# md.rev, an array of 8 bytes per spare block in use, in vmalloc) before and
# after activating a table of N entries, then after removing it.  Sequential (main block k on spare block k, as
# dmr-meta fill makes them) and scattered (main block k*STRIDE: at STRIDE
# 64, one entry per leaf of an xarray keyed by main block, which the table
# was until Step 9).  Prints BENCH lines.
. "$DMR_LIB"

case $BENCH_MODE in
full) sets="1048576:1 1048576:64 100000:4096" ;;
*)    sets="1048576:1 1048576:64" ;;
esac

for s in $sets; do
	n=${s%%:*} stride=${s#*:}
	# Main large enough for the stride (null_blk without memory: no cost).
	mb=$(( (n * stride / 2048) + 1024 ))
	main=$(nullb_create main "$mb" memory_backed=0)
	spare=$(nullb_create spare 640)
	sz=$(dev_sectors "$main")
	dmsetup create r --table "0 $sz remap $main $spare 1 format"
	dmsetup remove r
	dmr-meta fill "$spare" "$n" "$stride"
	sync
	echo 3 >/proc/sys/vm/drop_caches
	k0=$(kmem) b0=$(slab_bytes kmalloc-4k)
	t0=$(now_ns)
	dmsetup create r --table "0 $sz remap $main $spare"
	t1=$(now_ns)
	assert_eq "$(status_field r 6)" "$n" "entries loaded"
	echo 3 >/proc/sys/vm/drop_caches
	k1=$(kmem) b1=$(slab_bytes kmalloc-4k)
	dmsetup remove r
	echo 3 >/proc/sys/vm/drop_caches
	k2=$(kmem)
	echo "BENCH mem n=$n stride=$stride kmem_bytes=$((k1 - k0)) table_bytes=$((b1 - b0)) freed_bytes=$((k1 - k2)) activate_ns=$((t1 - t0))"
	for d in main spare; do
		echo 0 >/sys/kernel/config/nullb/$d/power
		rmdir /sys/kernel/config/nullb/$d
	done
done

# Activation against its physical floor: the time to read the same
# metadata (both copies of every block in use) once from the same device,
# in the kernel's request size (256 blocks, 1 MiB).
n=1048576
main=$(nullb_create main 2048 memory_backed=0)
spare=$(nullb_create spare 640)
sz=$(dev_sectors "$main")
dmsetup create r --table "0 $sz remap $main $spare 1 format"
dmsetup remove r
dmr-meta fill "$spare" $n
sync
echo 3 >/proc/sys/vm/drop_caches
set -- $(dmr-meta show "$spare" | tr ' ' '\n' | sed -n 's/^\(meta_b\|remap_meta_used\)=//p')
meta_b=$1 used=$2
a_start=$(dmr-meta sector "$spare" a 0)
for r in 1 2 3; do
	fa=$(dmr-bench read "$spare" "$a_start" $((used * 8)) 1024)
	fb=$(dmr-bench read "$spare" "$meta_b" $((used * 8)) 1024)
	t0=$(now_ns)
	dmsetup create r --table "0 $sz remap $main $spare"
	t1=$(now_ns)
	dmsetup remove r
	echo "BENCH activate-floor n=$n round=$r blocks=$used floor_ns=$((fa + fb)) activate_ns=$((t1 - t0))"
done
