# A spare block that fails a write is retired and the next one is used; a
# spare block that fails a read returns EIO; rewriting moves it again.
. "$DMR_LIB"

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
dmsetup create r --table "0 $(dev_sectors "$main") remap $main $spare 1 format"
dev=/dev/mapper/r

ss=$(stat_value r spare_start)
nullb_badblocks spare + "$ss" "$ss"	# spare block 0
nullb_badblocks main + 500 500
pattern write $dev $((500 * 512)) 512 1
pattern verify $dev $((500 * 512)) 512 1
assert_eq "$(status_field r 6)" 1 "remapped"
assert_eq "$(status_field r 10)" 1 "retired"
assert_eq "$(status_field r 12)" 1 "spare errors"
assert_eq "$(status_field r 14)" degraded "health"
assert_eq "$(dmsetup message r 0 list)" "500 remapped 1" "entry uses spare block 1"
pattern verify "$spare" $(((ss + 1) * 512)) 512 1

# The spare block goes bad for reads too: EIO, counted, data not invented.
nullb_badblocks spare + $((ss + 1)) $((ss + 1))
expect_fail "Input/output error" pattern read $dev $((500 * 512)) 512
assert_eq "$(status_field r 12)" 2 "spare errors after read"
assert_eq "$(status_field r 7)" 0 "spare failures do not mark main pending"

# A new write of the block moves it to spare block 2.
pattern write $dev $((500 * 512)) 512 2
pattern verify $dev $((500 * 512)) 512 2
assert_eq "$(dmsetup message r 0 list)" "500 remapped 2" "entry moved"
assert_eq "$(status_field r 10)" 2 "retired"
dmsetup remove r
