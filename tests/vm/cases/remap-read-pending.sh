# A read of a bad block before any write fails with EIO and marks the block
# pending; the next write to it is remapped and reads return the new data.
. "$DMR_LIB"

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
dmsetup create r --table "0 $(dev_sectors "$main") remap $main $spare 1 format"
dev=/dev/mapper/r
pattern write $dev 2m 64k 1	# sectors 4096..4223

events() { dmsetup info -c --noheadings -o events r | tr -d ' '; }
ev0=$(events)
nullb_badblocks main + 4100 4107
expect_fail "Input/output error" pattern read $dev $((4100 * 512)) 512
# A new pending block raises a dm event (monitors wait for them).
[ "$(events)" -gt "$ev0" ] || fail "no dm event for a new pending block (events $ev0 -> $(events))"
assert_eq "$(status_field r 4)" 1 "read errors"
assert_eq "$(status_field r 7)" 1 "pending blocks"
assert_eq "$(status_field r 6)" 0 "remapped blocks"
assert_eq "$(status_field r 14)" degraded "health"
assert_eq "$(dmsetup message r 0 list)" "4100 pending -" "list"

# Neighbouring good blocks still read, and a read covering the bad range
# reports EIO and marks exactly its bad blocks.
pattern verify $dev 2m 2k 1
expect_fail "Input/output error" pattern read $dev $((4096 * 512)) 8k
assert_eq "$(status_field r 7)" 8 "pending after the wide read"

# Writing the pending block remaps it without touching main.
pattern write $dev $((4100 * 512)) 512 2
assert_eq "$(status_field r 6)" 1 "remapped after write"
assert_eq "$(status_field r 7)" 7 "pending after write"
assert_eq "$(status_field r 5)" 0 "write errors (main never tried)"
pattern verify $dev $((4100 * 512)) 512 2

# Rewrite the whole range: the other 7 pending blocks are remapped too.
pattern write $dev 2m 64k 3
pattern verify $dev 2m 64k 3
assert_eq "$(status_field r 6)" 8 "remapped after full rewrite"
assert_eq "$(status_field r 7)" 0 "pending after full rewrite"
pattern verify "$main" 2m 2k 3
dmsetup remove r
