# dmremapctl suppress: with it off a failing write returns EIO and its
# blocks become pending; `suppress on` makes the next failing write succeed
# through the spare, and the pending blocks are remapped by their next write.
# dmr-lanes: stock trixie
# Not on the debug lane: dmremapctl over the table lines and messages the
# kernel cases send under the debug kernel: pure userspace there.
. "$DMR_LIB"

main=$(nullb_create main 32)
spare=$(nullb_create spare 8)
dmremapctl create r "$main" "$spare" --format --no-suppress
dev=/dev/mapper/r
assert_eq "$(dm_table r | cut -d' ' -f4)" no_suppress_writes "table option"
assert_eq "$(dmremapctl status r --json | jq .devices[0].suppress)" false "JSON suppress"
dmremapctl status r | grep -qx "  suppress        off (write errors are returned)" ||
	fail "status table: $(dmremapctl status r)"

nullb_badblocks main + 1000 1003
nullb_badblocks main + 2000 2003
expect_fail "Input/output error" pattern write $dev $((1000 * 512)) 2k 1
assert_eq "$(status_field r 5)" 1 "write errors"
assert_eq "$(status_field r 7)" 4 "pending after the failed write"
assert_eq "$(status_field r 6)" 0 "remapped after the failed write"
assert_eq "$(dmremapctl remaps r --json | jq -c '[.entries[] | .state] | unique')" '["pending"]' \
	"entry states"

dmremapctl suppress r on
assert_eq "$(status_field r 13)" on "kernel suppress after 'suppress on'"
assert_eq "$(dmremapctl status --json r | jq .devices[0].suppress)" true "JSON suppress"
pattern write $dev $((2000 * 512)) 2k 2
pattern verify $dev $((2000 * 512)) 2k 2
assert_eq "$(status_field r 6)" 4 "remapped after the absorbed write"
assert_eq "$(status_field r 11)" 1 "errors suppressed"
# The pending blocks go to the spare on their next write, main untouched.
pattern write $dev $((1000 * 512)) 2k 3
pattern verify $dev $((1000 * 512)) 2k 3
assert_eq "$(status_field r 6) $(status_field r 7)" "8 0" "remapped, pending"
assert_eq "$(dmremapctl remaps r --json | jq -c '[.entries[] | .block]')" \
	'[1000,1001,1002,1003,2000,2001,2002,2003]' "remapped blocks"

dmremapctl suppress r off
assert_eq "$(status_field r 13)" off "kernel suppress after 'suppress off'"
nullb_badblocks main + 3000 3000
expect_fail "Input/output error" pattern write $dev $((3000 * 512)) 512 4
assert_eq "$(status_field r 7)" 1 "pending after another failed write"

expect_exit 1 "expected 'on' or 'off', not 'maybe'" dmremapctl suppress r maybe
expect_exit 1 "missing argument" dmremapctl suppress r
expect_exit 4 "no device-mapper device named 'nosuch'" dmremapctl suppress nosuch on
assert_eq "$(status_field r 13)" off "suppress unchanged by bad calls"
dmremapctl remove r
