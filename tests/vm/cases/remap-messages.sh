# Every message and its reply; bad messages are rejected with clear text.
. "$DMR_LIB"

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
dmsetup create r --table "0 $(dev_sectors "$main") remap $main $spare 1 format"
dev=/dev/mapper/r
pattern write $dev 0 1m 5

# help
dmsetup message r 0 help >/tmp/case/help
for m in "suppress on|off" "remap <block>" "clear_pending <block>" stats \
	"list [<start> [<count>]]" clear_stats help; do
	grep -qxF "$m" /tmp/case/help || fail "help does not list '$m'"
done

# remap: a readable block is copied to the spare, data unchanged.
assert_eq "$(dmsetup message r 0 remap 10)" "block 10 remapped to spare block 0" "remap reply"
assert_eq "$(dmsetup message r 0 remap 10)" "block 10 already remapped to spare block 0" "remap again"
pattern verify $dev 0 1m 5
pattern verify "$spare" $(($(stat_value r spare_start) * 512)) 512 5 -p $((10 * 512))
# An unreadable block becomes pending.
nullb_badblocks main + 20 20
assert_eq "$(dmsetup message r 0 remap 20)" "block 20 unreadable: pending" "remap unreadable"
assert_eq "$(status_field r 7)" 1 "pending"
nullb_badblocks main - 20 20

# clear_pending
dmsetup message r 0 clear_pending 20
assert_eq "$(status_field r 7)" 0 "pending after clear"
dmesg -c >/dev/null
expect_fail "Invalid argument" dmsetup message r 0 clear_pending 21
dmesg | grep -q "block 21 is not pending" || fail "no kernel message for clear_pending 21"

# stats: key=value pairs that agree with the status line.
dmsetup message r 0 stats | tr ' ' '\n' >/tmp/case/stats
for k in reads writes read_errors write_errors remapped pending spare_used \
	spare_total retired errors_suppressed spare_errors spare_start \
	metadata_generation block_size suppress health; do
	grep -q "^$k=" /tmp/case/stats || fail "stats lacks $k"
done
assert_eq "$(grep '^remapped=' /tmp/case/stats)" "remapped=1" "stats remapped"
assert_eq "$(grep '^block_size=' /tmp/case/stats)" "block_size=512" "stats block size"

# list with paging: 60 remaps, pages of 25.
for b in $(seq 100 158); do dmsetup message r 0 remap $b >/dev/null; done
assert_eq "$(status_field r 6)" 60 "remapped"
start=0 total=0 pages=0
while :; do
	dmsetup message r 0 list $start 25 >/tmp/case/page
	n=$(grep -c remapped /tmp/case/page || true)
	total=$((total + n)) pages=$((pages + 1))
	next=$(sed -n 's/^next //p' /tmp/case/page)
	[ -n "$next" ] || break
	start=$next
done
assert_eq "$total" 60 "entries over all pages"
assert_eq "$pages" 3 "pages"
assert_eq "$(dmsetup message r 0 list 150 2)" "$(printf '150 remapped 51\n151 remapped 52\nnext 152')" "list 150 2"
pattern verify $dev 0 1m 5

# clear_stats zeroes I/O counters, not the table.
dmsetup message r 0 clear_stats
assert_eq "$(status_field r 2)" 0 "reads after clear_stats"
assert_eq "$(status_field r 6)" 60 "remapped after clear_stats"

# Bad messages: dmsetup fails, the kernel log says why.
for m in "frobnicate" "remap" "remap abc" "remap 999999999" "remap 1x" \
	"suppress" "suppress maybe" "list x" "list 0 y" "stats extra" "clear_pending"; do
	dmesg -c >/dev/null
	# shellcheck disable=SC2086
	expect_fail "Invalid argument" dmsetup message r 0 $m
	dmesg | grep -q "device-mapper: remap: " || fail "no kernel message for '$m'"
done
dmesg -c >/dev/null
dmsetup message r 0 remap 999999999 2>/dev/null || true
dmesg | grep -q "block 999999999 is beyond the device" || fail "out of range text"
dmsetup message r 0 frobnicate 2>/dev/null || true
dmesg | grep -q "unrecognised message 'frobnicate' (try 'help')" || fail "unknown message text"
dmsetup remove r
