# dmr-timeout: 1800
# Lock-contention smoke test, WITHOUT -icount (plain TCG, -smp 2, wall-clock
# timings, so noisy): fio numjobs=2 4k randread and randwrite qd32 on the
# same dm device loaded with dm-linear (L), dm-linear again (A, the A/A
# spread) and dm-remap with 0 and with 1M entries (R; misses).  Prints
# BENCH lines.
. "$DMR_LIB"

rounds=3
[ "$BENCH_MODE" = full ] && rounds=5
main=$(nullb_create main 2048 memory_backed=0)
sz=$(dev_sectors "$main")
lin="0 $sz linear $main 0"
dmsetup create b --table "$lin"
echo "BENCH env cpus=$(nproc) kernel=$(uname -r)"
for n in ${BENCH_SIZES:-0 1048576}; do
	[ ! -d /sys/kernel/config/nullb/spare ] || {
		echo 0 >/sys/kernel/config/nullb/spare/power
		rmdir /sys/kernel/config/nullb/spare
	}
	spare=$(nullb_create spare 640)
	rem="0 $sz remap $main $spare"
	reload b "$rem 1 format"
	reload b "$lin"
	[ "$n" = 0 ] || dmr-meta fill "$spare" $n
	for r in $(seq 1 $rounds); do
		for ph in L A R; do
			case $ph in L|A) reload b "$lin" ;; R) reload b "$rem" ;; esac
			for j in randread randwrite; do
				echo "BENCH smp2 n=$n job=$j phase=$ph round=$r $(fio_run /dev/mapper/b $j 4k 32 1G 256M --numjobs=2)"
			done
		done
	done
	# Let go of the spare before the next one replaces it.
	reload b "$lin"
done
dmsetup remove b
