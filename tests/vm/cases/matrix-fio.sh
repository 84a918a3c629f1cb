# fio with crc32c verification over every layout of lib-layouts.sh: main and
# spare as whole null_blk disks (512 and 4096-byte blocks), as partitions at
# sector 2048 (loop -P --direct-io over null_blk; 512 and 4096), as
# dm-linear devices at an odd offset into their null_blk, as loop devices
# over files (faults from a dm table over the loop), as 512e scsi_debug
# (skipped where there is none), and as the second segment of a table (the
# remap target at sector 4097, after a linear segment).  Until this case
# every data case ran over whole null_blk devices only, and a bug that sent
# probe I/O on a partition 1 MiB too low went unseen.
#
# For each layout: bad sectors (reads and writes fail: null_blk badblocks or
# dm "error" segments, injected at the sectors the layout translates main's
# sectors to) in two 2 MiB areas of main, A and B; some before fio starts,
# some while it runs.  fio (libaio, O_DIRECT, 16 KiB random writes, iodepth
# 32, every block written once: randommap) writes and verifies area A, then
# (stonewall) area B.  The ranges injected "while fio runs" go into area B
# while the job writing A runs (A's exec_prerun releases the injector; B's
# exec_prerun waits, bounded, until the injector is done): a block may only
# go bad where no data waits to be read back, and this keeps the outcome
# exact.  Checked: fio saw no error and verified every byte; the remapped
# blocks are exactly the blocks of the bad ranges (rounded out to main's
# physical block, the unit recovery narrows a failed bio down to: on 512e
# a bad sector costs 8 blocks); no read error, nothing pending; the first
# and last remapped blocks hold their data on the spare at spare_start +
# k * stride; after remove and re-create (no format) a second fio pass
# reads and verifies both areas with the bad sectors still bad; nothing
# outside main and spare changed (partition table area, sectors before a
# linear offset, the linear segment); no unexpected I/O error in the log.
# Not on the debug lane: its layouts and recovery paths run there in
# matrix-spare-sizes, remap-fio-verify and stress-live, and under KASAN this
# case alone took 6 of the lane's 18 min of guest time.
# dmr-lanes: stock trixie
# dmr-timeout: 600
. "$DMR_LIB"
. /dmr/lib-layouts.sh
t_case=$(date +%s)
T=$DMR_TMP
LAYOUTS="whole512 whole4k part512 part4k dm512 loopfile e512 seg512"
AREA=2		# MiB; area A is main [0, 2 MiB), area B [2, 4 MiB)

# Bad ranges, main-relative sectors (area B starts at sector 4096).  Odd
# starts and lengths: with 4 KiB blocks a range makes every block it
# touches bad.
cat >"$T/before" <<'RANGES'
100 100
2051 2060
3000 3015
4200 4207
6001 6001
RANGES
cat >"$T/during" <<'RANGES'
5000 5007
6240 6250
8184 8191
RANGES

# exec_prerun of area B: wait (bounded: 60 s) until the injector is done.
cat >"$T/wait-inj.sh" <<SCRIPT
i=0
while [ ! -e $T/inj.done ]; do
	i=\$((i + 1))
	[ \$i -lt 600 ] || exit 1
	sleep 0.1
done
SCRIPT

# fio_check JSON: "<jobs with errors> <bytes written> <bytes read>".
fio_check() {
	sed -n '/^{/,$p' "$1" | jq -r '[([.jobs[] | select(.error != 0)] | length),
		([.jobs[].write.io_bytes] | add), ([.jobs[].read.io_bytes] | add)] |
		map(tostring) | join(" ")'
}

# sum DEV OFFSET LENGTH: sha256 of a byte range.
sum() {
	read_bytes "$@" | sha256sum | cut -d' ' -f1
}

area=$((AREA * 1048576))
ran=""
for l in $LAYOUTS; do
	echo "=== layout $l"
	layout_available "$l" || continue
	t_l=$(date +%s)
	dmesg -c >/dev/null
	layout_make "$l" 16 4
	layout_create r format
	base=$((L_START * 512))		# byte offset of main's sector 0 in r

	layout_bad_list + <"$T/before"
	rm -f "$T/a.started" "$T/a.done" "$T/inj.done"
	cat >"$T/w.fio" <<JOB
[global]
filename=/dev/mapper/r
ioengine=libaio
direct=1
rw=randwrite
bs=16k
iodepth=32
size=${AREA}m
verify=crc32c
verify_fatal=1
[a]
offset=$base
exec_prerun=touch $T/a.started
exec_postrun=touch $T/a.done
[b]
stonewall
offset=$((base + area))
exec_prerun=sh $T/wait-inj.sh
JOB
	# The injector: once area A's writer has started, area B's ranges.
	(
		i=0
		while [ ! -e "$T/a.started" ]; do
			i=$((i + 1))
			[ $i -lt 600 ] || exit 1
			sleep 0.1
		done
		layout_bad_list + <"$T/during"
		# Informational (timing): was area A still being written?
		if [ -e "$T/a.done" ]; then echo "after area A"; else echo "while area A ran"; fi >"$T/inj.when"
		touch "$T/inj.done"
	) &
	inj=$!
	rc=0
	fio --output-format=json --output="$T/w.json" "$T/w.fio" || rc=$?
	wait $inj || fail "$l: the injector failed"
	assert_eq "$rc $(fio_check "$T/w.json")" "0 0 $((2 * area)) $((2 * area))" \
		"$l: fio exit, jobs with errors, bytes written, bytes verified"
	echo "ok: $l: during-ranges injected $(cat "$T/inj.when")"

	# Exactly the blocks of the bad ranges are remapped.
	awk -v spb=$((L_BS / 512)) -v upb=$((L_PBS / L_BS)) '
		{ for (b = int($1 / spb / upb) * upb; b < (int($2 / spb / upb) + 1) * upb; b++) print b }' \
		"$T/before" "$T/during" | sort -n | uniq >"$T/want"
	nbad=$(wc -l <"$T/want")
	layout_list r >"$T/list"
	awk '$2 == "remapped" { print $1 }' "$T/list" >"$T/got"
	cmp "$T/got" "$T/want" || {
		diff "$T/got" "$T/want" | head -n 20
		fail "$l: remapped blocks differ from the bad blocks"
	}
	# shellcheck disable=SC2046 # the status fields
	set -- $(layout_status r)
	assert_eq "$6 $4 $7 ${12} ${14}" "$nbad 0 0 0 ok" \
		"$l: remapped (= distinct bad blocks), read errors, pending, spare errors, health"
	[ "$5" -gt 0 ] || fail "$l: no write error on main"

	# The first and the last remapped block: on the spare, where the list
	# says, the same bytes as read through r.
	ss=$(layout_stat r spare_start) stride=$(layout_stat r spare_stride)
	for blk in $(head -n 1 "$T/got") $(tail -n 1 "$T/got"); do
		k=$(awk -v b="$blk" '$1 == b { print $3 }' "$T/list")
		[ "$(sum /dev/mapper/r $((base + blk * L_BS)) "$L_BS")" = \
			"$(sum "$L_SPARE" $((ss * 512 + k * stride)) "$L_BS")" ] ||
			fail "$l: block $blk is not on spare block $k"
	done
	echo "ok: $l: $nbad remapped blocks; first and last on the spare (start $ss, stride $stride)"
	dmsetup remove r

	# Re-created without format, with the bad sectors still bad: read back
	# and verify both areas.
	layout_create r
	rc=0
	fio --output-format=json --output="$T/r.json" --name=readback \
		--filename=/dev/mapper/r --ioengine=libaio --direct=1 --rw=read --bs=16k \
		--iodepth=32 --size=$((2 * AREA))m --offset="$base" \
		--verify=crc32c --verify_fatal=1 || rc=$?
	assert_eq "$rc $(fio_check "$T/r.json")" "0 0 0 $((2 * area))" \
		"$l: after re-create: fio exit, jobs with errors, bytes written, bytes verified"
	# shellcheck disable=SC2046
	set -- $(layout_status r)
	assert_eq "$6 $4 $7" "$nbad 0 0" "$l: after re-create: remapped, read errors, pending"
	dmsetup remove r

	layout_guard_check
	errs=$(layout_errors)
	[ -z "$errs" ] || { echo "$errs"; fail "$l: unexpected errors in the kernel log"; }
	layout_destroy
	echo "layout $l: $(($(date +%s) - t_l)) s"
	ran="$ran $l"
done
[ -n "$ran" ] || fail "no layout ran"
echo "layouts run:$ran"
echo "case time: $(($(date +%s) - t_case)) s"
