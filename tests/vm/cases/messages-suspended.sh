# Messages that move data are refused while the device is suspended
# (review 2026-12, items 8 and 15).
#
# `remap <block>` reads main, writes the spare and commits metadata;
# `clear_pending <block>` commits metadata.  Today both are accepted while
# the device is suspended, so they do I/O (and GFP_KERNEL allocations)
# exactly when the stack promises none: an LVM snapshot of main or spare
# taken with the stack suspended sees a half-made change.  While suspended
# they must fail with EBUSY and leave the spare unchanged (byte for byte);
# the read-only messages (`stats`, `list`) keep working; after the resume
# `remap` works again.
. "$DMR_LIB"
. /dmr/lib-faults.sh

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
dmsetup create r --table "0 $(dev_sectors "$main") remap $main $spare 1 format"
dev=/dev/mapper/r
pattern write $dev 0 1m 1
assert_eq "$(dmsetup message r 0 remap 10)" "block 10 remapped to spare block 0" "remap 10"

# Block 20 becomes pending through a failing read, then readable again (so
# that `remap 20` would copy it to the spare).
nullb_badblocks main + 20 20
expect_fail "Input/output error" pattern read $dev $((20 * 512)) 512
assert_eq "$(status_field r 7)" 1 "pending"
nullb_badblocks main - 20 20

dmsetup suspend r
sum0=$(dev_sum "$spare")
expect_fail "Device or resource busy" dmsetup message r 0 remap 20
expect_fail "Device or resource busy" dmsetup message r 0 clear_pending 20
expect_fail "Device or resource busy" dmsetup message r 0 remap 30
assert_eq "$(dev_sum "$spare")" "$sum0" "checksum of the whole spare while suspended"
# Read-only messages still answer.
assert_eq "$(stat_value r pending) $(stat_value r remapped)" "1 1" "stats while suspended (pending, remapped)"
assert_eq "$(dmsetup message r 0 list)" "$(printf '10 remapped 0\n20 pending -')" "list while suspended"
dmsetup resume r

assert_eq "$(dmsetup message r 0 remap 20)" "block 20 remapped to spare block 1" "remap 20 after resume"
assert_eq "$(status_field r 6) $(status_field r 7)" "2 0" "remapped, pending"
pattern verify $dev 0 1m 1
pattern verify "$spare" $(($(stat_value r spare_start) * 512 + 512)) 512 1 -p $((20 * 512))
dmsetup remove r
