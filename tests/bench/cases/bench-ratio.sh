# dmr-timeout: 5400
# Instruction-path ratio dm-remap / dm-linear on the SAME dm device: device
# "b" is loaded with dm-linear (L), reloaded with dm-linear again (A, the
# A/A control), then with the remap table (R), round after round, and each
# phase runs the same fio jobs.  Under -icount fio's IOPS in guest time is
# inversely proportional to the instructions per I/O.  Misses: I/O to main
# blocks with no entry (past the table).  Hits: I/O to remapped blocks (main
# block k on spare block k), against a dm-linear table (H) that maps the
# same blocks to the same spare sectors.  Not a test: it prints BENCH lines
# for tests/bench/report and fails only if the setup fails.
. "$DMR_LIB"

case $BENCH_MODE in
full) sizes="0 1 1000 100000 1048576" backends="nullb brd" rounds=3
      jobs="rr32 rr1 rw32 rw1 seq" hjobs="hr32 hw32 hr1" ;;
*)    sizes="0 1048576" backends="nullb" rounds=2
      jobs="rr32 rw32 rr1 seq" hjobs="hr32" ;;
esac
# Overrides from the host (tests/bench/run passes BENCH_* through).
sizes=${BENCH_SIZES:-$sizes} rounds=${BENCH_ROUNDS:-$rounds}
jobs=${BENCH_JOBS:-$jobs} hjobs=${BENCH_HJOBS:-$hjobs}

# job NAME DEV MISS_OFFSET HIT_SIZE: one fio job of the set.
job() {
	case $1 in
	rr32) fio_run "$2" randread 4k 32 "$3" 256M ;;
	rr1)  fio_run "$2" randread 4k 1 "$3" 256M ;;
	rw32) fio_run "$2" randwrite 4k 32 "$3" 256M ;;
	rw1)  fio_run "$2" randwrite 4k 1 "$3" 256M ;;
	seq)  fio_run "$2" read 1M 4 "$3" 256M ;;
	hr32) fio_run "$2" randread 4k 32 0 "$4" ;;
	hw32) fio_run "$2" randwrite 4k 32 0 "$4" ;;
	hr1)  fio_run "$2" randread 4k 1 0 "$4" ;;
	esac
}

# Whether fio's 1M buffers sit in a transparent huge page changes from run
# to run, and with it the instructions of pinning them for O_DIRECT
# (bench-thp: 1M reads spread 2.5 % with THP "always", 1 % with "never"
# where only the first run after the switch differs): no huge pages here,
# and one 1M read before any is measured.
echo never >/sys/kernel/mm/transparent_hugepage/enabled
echo "BENCH env cpus=$(nproc) kernel=$(uname -r) thp=never"
miss_off=$((1024 * 1024 * 1024))	# main blocks 2M..: past every table
for be in $backends; do
	if [ "$be" = brd ]; then
		modprobe brd rd_nr=1 rd_size=$((2 * 1024 * 1024))
		main=/dev/ram0
	else
		main=$(nullb_create main 2048 memory_backed=0)
	fi
	sz=$(dev_sectors "$main")
	lin="0 $sz linear $main 0"
	dmsetup create b --table "$lin"
	# brd allocates a page at its first write: write what is measured once.
	[ "$be" = nullb ] || fio_run /dev/mapper/b write 1M 4 $miss_off 256M >/dev/null
	fio_run /dev/mapper/b read 1M 4 $miss_off 256M >/dev/null
	for n in $sizes; do
		# A fresh spare with a table of n entries (dmr-meta fill).
		[ ! -d /sys/kernel/config/nullb/spare ] || {
			echo 0 >/sys/kernel/config/nullb/spare/power
			rmdir /sys/kernel/config/nullb/spare
		}
		spare=$(nullb_create spare 640)
		rem="0 $sz remap $main $spare"
		reload b "$rem 1 format"
		reload b "$lin"
		[ "$n" = 0 ] || dmr-meta fill "$spare" "$n"
		t0=$(now_ns)
		dmsetup load b --table "$rem"
		t1=$(now_ns)
		dmsetup resume b
		echo "BENCH activate backend=$be n=$n ns=$((t1 - t0))"
		assert_eq "$(status_field b 6)" "$n" "entries loaded"
		ss=$(stat_value b spare_start)
		# Hits: the first hblocks blocks of the table (at most 64 MiB).
		hblocks=$n
		[ "$hblocks" -le 131072 ] || hblocks=131072
		hsize=$((hblocks / 8 * 4096))
		hit="0 $((hsize / 512)) linear $spare $ss
$((hsize / 512)) $((sz - hsize / 512)) linear $main $((hsize / 512))"
		# The spare's data region, written once (memory-backed null_blk).
		[ "$hsize" = 0 ] || fio_run /dev/mapper/b write 1M 4 0 "$hsize" >/dev/null
		for r in $(seq 1 $rounds); do
			for ph in L A R H; do
				case $ph in
				L|A) reload b "$lin"; list=$jobs ;;
				R)   reload b "$rem"; list="$jobs"; [ "$hsize" = 0 ] || list="$jobs $hjobs" ;;
				H)   [ "$hsize" != 0 ] || continue
				     printf '%s\n' "$hit" | dmsetup load b; dmsetup resume b; list=$hjobs ;;
				esac
				for j in $list; do
					echo "BENCH io backend=$be n=$n job=$j phase=$ph round=$r $(job $j /dev/mapper/b $miss_off $hsize)"
				done
			done
		done
		# Let go of the spare before the next one replaces it.
		reload b "$lin"
	done
	dmsetup remove b
	for d in spare main; do
		[ ! -d /sys/kernel/config/nullb/$d ] || {
			echo 0 >/sys/kernel/config/nullb/$d/power
			rmdir /sys/kernel/config/nullb/$d
		}
	done
	[ "$be" = nullb ] || rmmod brd
done
echo always >/sys/kernel/mm/transparent_hugepage/enabled
