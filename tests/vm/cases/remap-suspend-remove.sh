# Suspend, resume and remove under write load while blocks go bad.
#
# fio writes randomly (2 jobs x iodepth 16) over area A while a background
# loop keeps adding bad ranges to A (null_blk badblocks), so remaps happen all
# the time.  Meanwhile, several times: a new bad range appears in the witness
# area W, W is rewritten with a new pattern (through dm, so its bad blocks
# are remapped), the device is suspended (in-flight bios and remaps drain:
# counters stand still, no entry is in flight, the remap count matches the
# list) and resumed (every entry of the suspended list is still there,
# unchanged; W reads back its last pattern, through dm and on the spare
# blocks directly).  `dmsetup remove` while fio holds the device fails with
# "busy" and does not hang; after fio is stopped `dmsetup remove --retry`
# works, and the table comes back from the spare's metadata.
# Then: a failing write burst followed at once by suspend + remove; and a
# failing burst still running when suspend starts (remove is refused while
# the device is held open, resume lets the burst finish with no error and
# exactly its bad blocks remapped); an idle suspend/resume changes nothing.
# dmr-timeout: 600
. "$DMR_LIB"
. /dmr/lib-logwrites.sh
t_case=$(date +%s)

BS=4096
spb=$((BS / 512))
T=$DMR_TMP
main=$(nullb_create main 64 blocksize=$BS)
spare=$(nullb_create spare 16 blocksize=$BS)
table="0 $(dev_sectors "$main") remap $main $spare"
dmsetup create r --table "$table 1 format"
dev=/dev/mapper/r
A_MB=32			# fio's area: [0, 32 MiB)
WOFF=$((40 << 20))	# witness area W: [40, 44 MiB)
WLEN=$((4 << 20))

# inject_w N: a bad range of 1-4 blocks somewhere in W (deterministic).
inject_w() {
	wb=$(( WOFF / BS + (N_W_SEED * 97 + $1 * 211) % (WLEN / BS - 4) ))
	nullb_badblocks main + $((wb * spb)) $(((wb + 1 + $1 % 4) * spb - 1))
}
N_W_SEED=5

# verify_w SEED: W holds pattern SEED, through dm and, for its remapped
# blocks, on the spare blocks themselves.
verify_w() {
	pattern verify $dev $WOFF $WLEN "$1"
	ss=$(stat_value r spare_start)
	nw=0
	remap_list r | awk -v lo=$((WOFF / BS)) -v hi=$(((WOFF + WLEN) / BS)) \
		'$2 == "remapped" && $1 >= lo && $1 < hi { print $1, $3 }' >"$T/wmap"
	while read -r blk sp; do
		pattern verify "$spare" $(((ss + sp * spb) * 512)) $BS "$1" -p $((blk * BS - WOFF))
		nw=$((nw + 1))
	done <"$T/wmap"
	[ $nw -gt 0 ] || fail "no remapped block in W"
	echo "ok: W reads back pattern $1 ($nw remapped blocks checked on the spare)"
}

# --- load -------------------------------------------------------------------
nullb_badblocks main + 800 831		# a few bad ranges from the start
nullb_badblocks main + 20000 20007
fio --name=load --filename=$dev --ioengine=libaio --direct=1 --rw=randwrite \
	--bs=16k --iodepth=16 --numjobs=2 --size=$((A_MB / 2))m \
	--offset_increment=$((A_MB / 2))m --norandommap --time_based --runtime=600 \
	--output-format=json --output="$T/load.json" &
fio_pid=$!
(
	x=99 cnt=0
	while [ ! -e "$T/stop" ] && [ $cnt -lt 80 ]; do
		x=$(( (x * 1103515245 + 12345) % 2147483648 ))
		blk=$(( (x / 131) % (A_MB * 1048576 / BS - 8) ))
		nullb_badblocks main + $((blk * spb)) $(((blk + 1 + (x / 17) % 8) * spb - 1))
		cnt=$((cnt + 1))
		sleep 0.3
	done
	echo $cnt >"$T/injector.done"
) &
inj_pid=$!
sleep 3
kill -0 $fio_pid || fail "fio did not start"

# --- suspend / resume cycles --------------------------------------------------
c=1
while [ $c -le 4 ]; do
	inject_w $c
	pattern write $dev $WOFF $WLEN $c
	w0=$(status_field r 3)
	t=$(date +%s)
	timeout 60 dmsetup suspend r || fail "suspend $c failed or hung"
	remap_list r >"$T/l1"
	c1=$(status_field r 6)
	w1=$(status_field r 3)
	sleep 1
	assert_eq "$(status_field r 3)" "$w1" "writes counter while suspended ($c)"
	assert_eq "$(status_field r 6)" "$c1" "remapped while suspended ($c)"
	assert_eq "$(grep -c ' remapped ' "$T/l1")" "$c1" "list entries while suspended ($c)"
	assert_eq "$(grep -c ' inflight ' "$T/l1" || true)" 0 "in-flight entries while suspended ($c)"
	timeout 60 dmsetup resume r || fail "resume $c failed or hung"
	remap_list r >"$T/l2"
	missing=$(grep -vxFf "$T/l2" "$T/l1" | head -n 3 || true)
	[ -z "$missing" ] || fail "entries lost or changed by suspend/resume $c: $missing"
	[ "$(status_field r 6)" -ge "$c1" ] || fail "remapped went down after resume $c"
	echo "ok: cycle $c: $((w1 - w0)) writes during the W rewrite and suspend, $c1 remapped, suspend+list+resume $(($(date +%s) - t)) s"
	verify_w $c
	c=$((c + 1))
done
kill -0 $fio_pid || fail "fio stopped early"

# --- remove while fio holds the device ----------------------------------------
expect_fail "busy" timeout 60 dmsetup remove r
dmsetup info r >/dev/null || fail "r vanished after a refused remove"
kill -0 $fio_pid || fail "fio died when remove was refused"
touch "$T/stop"
wait $inj_pid || true
[ -e "$T/injector.done" ] || fail "the injector loop died"
kill $fio_pid
rc=0
wait $fio_pid || rc=$?
echo "fio stopped (exit $rc); $(cat "$T/injector.done") ranges injected into A"
sed -n '/^{/,$p' "$T/load.json" >"$T/lj.json"
jq -c '.jobs[] | {jobname, error, write: .write.io_bytes}' "$T/lj.json"
assert_eq "$(jq '[.jobs[] | select(.error != 0)] | length' "$T/lj.json")" 0 "fio jobs with errors"
[ "$(jq '[.jobs[].write.io_bytes] | add' "$T/lj.json")" -gt 0 ] || fail "fio wrote nothing"
[ "$(status_field r 11)" -gt 0 ] || fail "no write error suppressed under load"
remap_list r >"$T/before"
echo "status before remove: $(dm_status r)"
timeout 60 dmsetup remove --retry r || fail "remove --retry after fio ended failed"
echo "ok: removed after fio ended"

# The table comes back from the spare; W still reads back.
dmsetup create r --table "$table"
remap_list r >"$T/after"
cmp "$T/before" "$T/after" || fail "remap table differs after remove + create"
verify_w 4
echo "ok: $(grep -c remapped "$T/after") entries back after remove + create"

# --- failing burst, then suspend + remove at once ------------------------------
inject_w 5
nullb_badblocks main + $(((WOFF + WLEN) / 512)) $(((WOFF + WLEN) / 512 + 63))
r0=$(status_field r 6)
pattern write $dev $WOFF $((WLEN + 65536)) 5
timeout 60 dmsetup suspend r || fail "suspend right after a failing burst failed or hung"
remap_list r >"$T/before"
[ "$(grep -c remapped "$T/before")" -gt "$r0" ] || fail "the burst remapped nothing"
timeout 60 dmsetup remove r || fail "remove of the suspended device failed or hung"
dmsetup create r --table "$table"
remap_list r >"$T/after"
cmp "$T/before" "$T/after" || fail "remap table differs after burst + suspend + remove"
pattern verify $dev $WOFF $((WLEN + 65536)) 5
echo "ok: burst, suspend, remove: $(grep -c remapped "$T/after") entries, data intact"

# --- suspend while a failing burst is in flight --------------------------------
nullb_badblocks main + $((48 << 11)) $(((48 << 11) + 1023))	# 512 KiB bad at 48 MiB
r0=$(status_field r 6)
w0=$(status_field r 3)
# Hold it open, so remove must be refused whatever fio's timing.  (Not with
# the shell's own fd: every child, busybox timeout's watcher included,
# would inherit it.)
sleep 600 <$dev &
holder=$!
fio --name=burst --filename=$dev --ioengine=libaio --direct=1 --rw=randwrite \
	--bs=4k --iodepth=32 --offset=48m --size=4m --verify=crc32c \
	--output-format=json --output="$T/burst.json" &
burst=$!
i=0
while [ "$(status_field r 3)" -le "$w0" ]; do
	i=$((i + 1))
	[ $i -lt 600 ] || fail "the burst did not start"
	sleep 0.05
done
timeout 60 dmsetup suspend r || fail "suspend under a failing burst failed or hung"
echo "suspended under the burst: $(dm_status r)"
remap_list r >"$T/l1"
assert_eq "$(grep -c ' inflight ' "$T/l1" || true)" 0 "in-flight entries while suspended under the burst"
expect_fail "busy" timeout 60 dmsetup remove r
timeout 60 dmsetup resume r || fail "resume under the burst failed or hung"
rc=0
wait $burst || rc=$?
sed -n '/^{/,$p' "$T/burst.json" >"$T/bj.json"
assert_eq $rc 0 "burst fio exit status"
assert_eq "$(jq '[.jobs[] | select(.error != 0)] | length' "$T/bj.json")" 0 "burst jobs with errors"
assert_eq "$(jq '[.jobs[].read.io_bytes] | add' "$T/bj.json")" $((4 << 20)) "burst bytes verified"
assert_eq "$(status_field r 6)" $((r0 + 128)) "remapped after the burst (128 bad blocks written)"

# Without load, a suspend/resume changes nothing at all.
remap_list r >"$T/l1"
c1=$(status_field r 6)
timeout 60 dmsetup suspend r || fail "idle suspend failed or hung"
timeout 60 dmsetup resume r || fail "idle resume failed or hung"
assert_eq "$(status_field r 6)" "$c1" "remapped after an idle suspend/resume"
remap_list r | cmp - "$T/l1" || fail "remap list changed by an idle suspend/resume"
kill $holder
wait $holder || true
timeout 60 dmsetup remove r || fail "final remove failed or hung"

errs=$(fs_errors main)
[ -z "$errs" ] || { echo "$errs"; fail "unexpected errors in the kernel log"; }
echo "case time: $(($(date +%s) - t_case)) s"
