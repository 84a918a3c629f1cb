# dmr-timeout: 3600
# Instruction profile of the I/O path (tests/bench/profile): the same
# fixed number of fio I/Os per phase on the SAME dm device, each phase
# between two `dmr-bench mark`s, which make the insn-count QEMU plugin write
# out the instructions each code block ran.  Phases: linear and
# linear-write (dm-linear over main, reads and writes), zero and zero-write
# (the remap table with no entries), activate (loading a table of 1M
# entries: "ios" is entries there), miss (1M entries, I/O past them), hit
# (the same table, I/O to remapped blocks) and hit-linear (dm-linear onto
# the same spare sectors).  Then the guest's text symbols (gzip, base64), which
# the host resolves the blocks with.  Not a test: it fails only if the
# setup fails.
. "$DMR_LIB"

n=1048576 ios=${BENCH_PROFILE_IOS:-8192}
miss_off=$((1024 * 1024 * 1024))	# main blocks 2M..: past the table
main=$(nullb_create main 2048 memory_backed=0)
sz=$(dev_sectors "$main")
lin="0 $sz linear $main 0"
dmsetup create b --table "$lin"
spare=$(nullb_create spare 640)
rem="0 $sz remap $main $spare"
reload b "$rem 1 format"

# phase NAME RW OFFSET SIZE: $ios random 4k I/Os at queue depth 32.
phase() {
	dmr-bench mark
	fio --name=p --filename=/dev/mapper/b --rw="$2" --bs=4k --iodepth=32 \
		--ioengine=libaio --direct=1 --offset="$3" --size="$4" \
		--io_size=$((ios * 4096)) --norandommap --randrepeat=1 \
		--output-format=json --output=/tmp/fio.json >/dev/null
	dmr-bench mark
	echo "PROF phase $1 ios=$(jq -r '.jobs[0] | .read.total_ios + .write.total_ios' /tmp/fio.json)"
}
echo "PROF begin"
reload b "$lin"
phase linear randread $miss_off 256M
phase linear-write randwrite $miss_off 256M
reload b "$rem"
assert_eq "$(status_field b 6)" 0 "entries loaded"
phase zero randread $miss_off 256M
phase zero-write randwrite $miss_off 256M
reload b "$lin"
dmr-meta fill "$spare" "$n"
# Activation: loading the table reads and checks the metadata (per entry).
dmr-bench mark
dmsetup load b --table "$rem"
dmr-bench mark
echo "PROF phase activate ios=$n"
dmsetup resume b
assert_eq "$(status_field b 6)" "$n" "entries loaded"
ss=$(stat_value b spare_start)
hsize=$((131072 / 8 * 4096))	# the first 128k blocks of the table: 64 MiB
hit="0 $((hsize / 512)) linear $spare $ss
$((hsize / 512)) $((sz - hsize / 512)) linear $main $((hsize / 512))"
fio_run /dev/mapper/b write 1M 4 0 "$hsize" >/dev/null
phase miss randread $miss_off 256M
phase hit randread 0 $hsize
printf '%s\n' "$hit" | dmsetup load b
dmsetup resume b
phase hit-linear randread 0 $hsize
reload b "$lin"
dmsetup remove b

echo 0 >/proc/sys/kernel/kptr_restrict
echo "PROF kallsyms"
awk '$2 ~ /^[tT]$/' /proc/kallsyms | gzip -1 | base64
echo "PROF end"
