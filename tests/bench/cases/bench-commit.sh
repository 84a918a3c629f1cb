# dmr-timeout: 3000
# Metadata blocks written per new remap with 0, 1k and 1M entries already
# in the table (writes counted at the spare, /sys/block/<spare>/stat, less
# the data write), the latency of a recovered write (a write that fails on
# main, is rewritten to the spare and committed, then acknowledged), and
# group commit: commits (metadata generations) per recovered block with 1
# and 16 concurrent failing writers.  Prints BENCH lines.
. "$DMR_LIB"

main=$(nullb_create main 2048 memory_backed=0)
sz=$(dev_sectors "$main")
bad0=$((2 * 1024 * 1024))	# main block (= sector) of the first bad block, past every table (main: 4M)
nbad=8
# (not "n": the helpers of lib.sh use it, busybox sh has no locals)
for entries in 0 1000 1048576; do
	[ ! -d /sys/kernel/config/nullb/spare ] || {
		echo 0 >/sys/kernel/config/nullb/spare/power
		rmdir /sys/kernel/config/nullb/spare
	}
	spare=$(nullb_create spare 640)
	dmsetup create r --table "0 $sz remap $main $spare 1 format"
	dmsetup remove r
	[ "$entries" = 0 ] || dmr-meta fill "$spare" "$entries"
	dmsetup create r --table "0 $sz remap $main $spare"
	base=$((bad0 + entries))
	nullb_badblocks main + $base $((base + 64 * 32))
	# One writer: nbad recovered writes, one after the other.
	i=0
	while [ $i -lt $nbad ]; do
		b=$((base + i * 64))
		set -- $(spare_writes "$spare")
		g0=$(stat_value r metadata_generation)
		ns=$(dmr-bench write /dev/mapper/r $((b * 512)) 512)
		g1=$(stat_value r metadata_generation)
		w0=$1 s0=$2 f0=$3
		set -- $(spare_writes "$spare")
		echo "BENCH remap n=$entries i=$i write_ios=$(($1 - w0)) write_sectors=$(($2 - s0)) flush_ios=$(($3 - f0)) commits=$((g1 - g0)) latency_ns=$ns"
		i=$((i + 1))
	done
	assert_eq "$(status_field r 6)" $((entries + nbad)) "remapped"
	if [ "$entries" = 1000 ]; then
		# Sixteen writers at once (threads released together), each on a bad
		# block of its own.
		g0=$(stat_value r metadata_generation)
		set -- $(spare_writes "$spare")
		w0=$1
		dmr-bench writes /dev/mapper/r $(((base + nbad * 64) * 512)) $((64 * 512)) 16 >lat.all
		g1=$(stat_value r metadata_generation)
		set -- $(spare_writes "$spare")
		lats=$(tr '\n' , <lat.all)
		echo "BENCH group writers=16 blocks=16 commits=$((g1 - g0)) write_ios=$(($1 - w0)) latencies_ns=${lats%,}"
		assert_eq "$(status_field r 6)" $((entries + nbad + 16)) "remapped"
	fi
	dmsetup remove r
	nullb_badblocks main - $base $((base + 64 * 32))
done
