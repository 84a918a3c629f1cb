# Helpers for the benchmark cases (tests/bench/cases), prepended to each by
# tests/bench/run together with BENCH_MODE (quick|full) and BENCH_ICOUNT.
# Every result is one line "BENCH <what> key=value ..." in the case's log;
# tests/bench/report turns them into docs/PERFORMANCE.md.

# fio_run DEV RW BS QD OFFSET SIZE [extra fio args]: one fio job, O_DIRECT,
# libaio, for BENCH_RUNTIME seconds (guest time under icount); prints
# "iops=... lat_us=..." of the job (reads and writes added).
fio_run() {
	dev=$1 rw=$2 bs=$3 qd=$4 off=$5 size=$6
	shift 6
	fio --name=b --filename="$dev" --rw="$rw" --bs="$bs" --iodepth="$qd" \
		--ioengine=libaio --direct=1 --offset="$off" --size="$size" \
		--runtime="$BENCH_RUNTIME" --time_based --norandommap \
		--randrepeat=1 --group_reporting --output-format=json \
		--output=/tmp/fio.json "$@" >/dev/null
	jq -r '.jobs[0] | "iops=\(.read.iops + .write.iops) lat_us=\((.read.clat_ns.mean * .read.total_ios + .write.clat_ns.mean * .write.total_ios) / (.read.total_ios + .write.total_ios) / 1000)"' /tmp/fio.json
}

# reload NAME TABLE: swap the live table of dm device NAME (same device).
reload() {
	dmsetup load "$1" --table "$2"
	dmsetup resume "$1"
}

# meminfo KEY: a /proc/meminfo field, kB.
meminfo() {
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

# slab_bytes CACHE: active objects times object size of a slab cache.
slab_bytes() {
	awk -v c="$1" '$1 == c { print $2 * $4 }' /proc/slabinfo
}

# kmem: slab + vmalloc in use, bytes.
kmem() {
	echo $(( ($(meminfo Slab) + $(meminfo VmallocUsed)) * 1024 ))
}

now_ns() {
	dmr-bench now
}

# spare_writes DEV: "write_ios write_sectors flush_ios" of a block device.
spare_writes() {
	set -- $(cat "/sys/block/${1#/dev/}/stat")
	echo "$5 $7 ${15:-0}"
}
