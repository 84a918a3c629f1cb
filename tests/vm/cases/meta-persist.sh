# Remaps, pending blocks and retired spare blocks survive remove + create
# (without `format`); remapped data is read from the spare afterwards (main
# never got it: its writes failed), and new remaps continue after the used
# spare blocks.
. "$DMR_LIB"

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
sz=$(dev_sectors "$main")
disk=$(wfail_create failing "$main" 1000-1015 3000-3003)
dmsetup create r --table "0 $sz remap $disk $spare 1 format"
ss=$(stat_value r spare_start)
nullb_badblocks spare + "$ss" "$ss"	# spare block 0 fails: retired
pattern write /dev/mapper/r 0 2m 1
nullb_badblocks main + 6000 6001	# unreadable: pending
expect_fail "Input/output error" pattern read /dev/mapper/r $((6000 * 512)) 1k
assert_eq "$(status_field r 6)" 20 "remapped"
assert_eq "$(status_field r 7)" 2 "pending"
assert_eq "$(status_field r 10)" 1 "retired"
dmsetup message r 0 list >/tmp/case/before
dmsetup remove r

dmsetup create r --table "0 $sz remap $disk $spare"
dmsetup message r 0 list >/tmp/case/after
cmp /tmp/case/before /tmp/case/after || fail "remap list changed across remove + create"
assert_eq "$(status_field r 6)" 20 "remapped after create"
assert_eq "$(status_field r 7)" 2 "pending after create"
assert_eq "$(status_field r 8)" 21 "spare used after create"
assert_eq "$(status_field r 10)" 1 "retired after create"
pattern verify /dev/mapper/r 0 2m 1
# Main itself has none of the data in the failed ranges.
expect_fail "mismatch" pattern verify "$main" $((1000 * 512)) 8k 1 -p $((1000 * 512))

# A new remap takes the next unused spare block.
wfail_set failing "$main" 1000-1015 3000-3003 4000-4000
pattern write /dev/mapper/r $((4000 * 512)) 512 2
assert_eq "$(dmsetup message r 0 list 4000 1 | head -n 1)" "4000 remapped 21" "new remap"
# Writing a pending block remaps it; that too survives.
nullb_badblocks main - 6000 6001
pattern write /dev/mapper/r $((6000 * 512)) 1k 3
dmsetup remove r
dmsetup create r --table "0 $sz remap $disk $spare"
assert_eq "$(status_field r 6)" 23 "remapped after second create"
assert_eq "$(status_field r 7)" 0 "pending after second create"
pattern verify /dev/mapper/r $((6000 * 512)) 1k 3
pattern verify /dev/mapper/r $((4000 * 512)) 512 2
pattern verify /dev/mapper/r 0 $((4000 * 512)) 1
dmsetup remove r
