# `dmsetup message r 0 remap B` must not lose a write to B that races with
# it (review 2026-12 item 3).  Main sits under dm-delay with a 2 s write
# delay and no read delay, so a 4 KiB O_DIRECT write of pattern 2 over B
# is held below dm-remap while the message runs: the message reads main
# (still pattern 1, written before), copies it to a spare block and
# commits; the held write then completes on main.  If the message does not
# wait for writes in flight to the block (or redirect them), reads of B go
# to the spare copy of pattern 1 and the acknowledged write is lost, now
# and after re-creation.  Expect: the write and the message succeed, B is
# remapped, pattern 2 reads back at B (through r, and on the spare block),
# and again after remove and re-create.  The message does not wait for the
# held write (dm-remap redoes it on the spare after the copy), and the
# redone write is no error: write_errors and errors_suppressed stay 0.
. "$DMR_LIB"

uptime_cs() { tr -d . </proc/uptime | cut -d' ' -f1; }
writes_held() {	# writes in flight below dm-remap (mapped by it, not completed)
	awk '{ print $2 }' "$(dm_sysfs r)/inflight"
}

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
sz=$(dev_sectors "$main")
b=2048			# block B (512-byte blocks): byte 1 MiB
pattern write "$main" 1m 4k 1	# pattern 1 at B..B+7, before the delay is stacked
dmsetup create dly --table "0 $sz delay $main 0 0 $main 0 2000"
dmsetup create r --table "0 $sz remap /dev/mapper/dly $spare 1 format"
ss=$(stat_value r spare_start)
pattern verify /dev/mapper/r 1m 4k 1

t0=$(uptime_cs)
pattern write /dev/mapper/r 1m 4k 2 &
wpid=$!
# Bounded wait until the write has passed dm-remap's map and is held below
# it (dm core counts it in r's inflight once map returns; dm-delay then
# holds it for 2 s; dm-delay's own inflight counts it only when released).
i=0
while [ "$(writes_held)" -lt 1 ]; do
	i=$((i + 1))
	[ $i -le 300 ] || fail "the write never showed up in flight"
	sleep 0.01
done
echo "write in flight after $(($(uptime_cs) - t0))0 ms"
mrc=0
reply=$(dmsetup message r 0 remap $b 2>&1) || mrc=$?
t1=$(uptime_cs)
held=$(writes_held)
echo "message returned after $((t1 - t0))0 ms (rc $mrc, writes still held: $held): $reply"
[ "$held" -ge 1 ] || echo "note: the message returned after the held write completed"
wrc=0
wait $wpid || wrc=$?
echo "write completed after $(($(uptime_cs) - t0))0 ms"
assert_eq "$wrc" 0 "exit status of the racing write"
assert_eq "$mrc" 0 "exit status of the remap message"
assert_eq "$(status_field r 6)" 1 "remapped"
assert_eq "$(dmsetup message r 0 list)" "$b remapped 0" "list"
assert_eq "$(status_field r 5)" 0 "write_errors"
assert_eq "$(status_field r 11)" 0 "errors_suppressed"

check "pattern 2 at B through r" pattern verify /dev/mapper/r 1m 4k 2
if pattern verify /dev/mapper/r 1m 512 1 2>/dev/null; then
	echo "block B reads back pattern 1: the racing write was lost"
fi
check "pattern 2 of B on spare block 0" pattern verify "$spare" $((ss * 512)) 512 2
dmsetup remove r
dmsetup create r --table "0 $sz remap /dev/mapper/dly $spare"
check "after re-create: pattern 2 at B through r" pattern verify /dev/mapper/r 1m 4k 2
dmsetup remove r
[ "$nfail" = 0 ] || fail "$nfail checks failed"
