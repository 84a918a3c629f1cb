# A large spare (a whole disk, as the README suggests) can be formatted and
# activated, and activation costs memory and I/O in proportion to the
# remaps, not to the spare's size (review 2026-12 item 6).  Spare: a sparse
# 2 TiB file on the guest's tmpfs, on a loop device (sector size = main's
# block size); main: a 64 MiB null_blk.  After format and 10 remaps (bad
# blocks + writes), remove, then re-create without format: it must come up,
# read at most 1 MiB from the spare (loop device stat, sectors read) and
# grow kernel memory (Slab + VmallocUsed) by less than 4 MiB, and all 10
# blocks must read back (from the spare: main still fails them).  A 1 TiB
# and a 100 GiB spare must format and activate too.  Run for 512- and
# 4096-byte blocks.
. "$DMR_LIB"

kmem_kb() { awk '/^(Slab|VmallocUsed):/ { s += $2 } END { print s }' /proc/meminfo; }
loop_read_sectors() { awk '{ print $3 }' "/sys/block/${1#/dev/}/stat"; }
why() { dmesg | grep -E 'remap|WARNING' | tail -n 3; }

for bs in 512 4096; do
	echo "=== logical block size $bs"
	nb=$((bs / 512))
	main=$(nullb_create m$bs 64 blocksize=$bs)
	sz=$(dev_sectors "$main")
	img=$DMR_TMP/spare.img
	lo=$(loopfile_create "$img" 2097152 $bs)	# 2 TiB
	assert_eq "$(dev_sectors "$lo")" $((2097152 * 2048)) "spare size in sectors"
	dmesg -c >/dev/null
	dmsetup create r --table "0 $sz remap $main $lo 1 format" ||
		fail "cannot format a 2 TiB spare: $(why)"
	echo "formatted: $(dmsetup message r 0 stats)"

	k=0
	while [ $k -lt 10 ]; do
		blk=$((k * 977 + 13))
		nullb_badblocks m$bs + $((blk * nb)) $(((blk + 1) * nb - 1))
		pattern write /dev/mapper/r $((blk * bs)) $bs $((k + 1))
		k=$((k + 1))
	done
	assert_eq "$(status_field r 6)" 10 "remapped"
	dmsetup remove r

	sync
	echo 3 >/proc/sys/vm/drop_caches
	rd0=$(loop_read_sectors "$lo")
	mem0=$(kmem_kb)
	dmsetup create r --table "0 $sz remap $main $lo" ||
		fail "cannot activate a 2 TiB spare: $(why)"
	rd1=$(loop_read_sectors "$lo")
	mem1=$(kmem_kb)
	echo "activation read $((rd1 - rd0)) sectors of the spare; Slab + VmallocUsed grew by $((mem1 - mem0)) kB"
	[ $((rd1 - rd0)) -le 2048 ] ||
		fail "activation read $((rd1 - rd0)) sectors of the spare (more than 1 MiB)"
	[ $((mem1 - mem0)) -lt 4096 ] ||
		fail "activation took $((mem1 - mem0)) kB of kernel memory (4 MiB or more)"
	assert_eq "$(status_field r 6)" 10 "remapped after re-create"
	k=0
	while [ $k -lt 10 ]; do
		blk=$((k * 977 + 13))
		pattern verify /dev/mapper/r $((blk * bs)) $bs $((k + 1))
		k=$((k + 1))
	done
	echo "ok: all 10 remapped blocks read back"
	dmsetup remove r
	losetup -d "$lo"
	rm "$img"

	for mb in 1048576 102400; do	# 1 TiB, 100 GiB
		lo=$(loopfile_create "$img" $mb $bs)
		dmsetup create r --table "0 $sz remap $main $lo 1 format" ||
			fail "cannot format a $mb MiB spare: $(why)"
		dmsetup remove r
		dmsetup create r --table "0 $sz remap $main $lo" ||
			fail "cannot activate a $mb MiB spare: $(why)"
		dmsetup remove r
		echo "ok: a $mb MiB spare formats and activates"
		losetup -d "$lo"
		rm "$img"
	done
done
