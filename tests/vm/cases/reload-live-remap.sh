# dmr-timeout: 60
# A remap made by the live table after `dmsetup reload` and before the
# resume must not be lost when the new table goes live.
#
# dm constructs the inactive table at reload time while the old table keeps
# serving I/O until the suspend that precedes the swap.  dm-remap reads the
# spare's metadata in the constructor, so a write error absorbed by the old
# table in that window (new spare block, new entry committed to the spare)
# is unknown to the new table: after the resume it reads the block from main
# again, and its next commit rewrites the metadata without that entry.  An
# acknowledged write is lost.  (Same table both times: this is what tools do
# to change any option, or what LVM does when it rebuilds a stack.)
. "$DMR_LIB"

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
sz=$(dev_sectors "$main")
dmsetup create r --table "0 $sz remap $main $spare 1 format"
pattern write /dev/mapper/r 1m 4k 1 -b 4k
nullb_badblocks main + 2048 2055

dmsetup reload r --table "0 $sz remap $main $spare"
# The old table is still live: this write fails on main and is remapped.
pattern write /dev/mapper/r 1m 4k 2 -b 4k
assert_eq "$(status_field r 6)" 8 "remapped blocks in the old table"
dmsetup resume r
echo "status after resume: $(dm_status r)"
rc=0
pattern verify /dev/mapper/r 1m 4k 2 -b 4k 2>err || rc=$?
[ $rc = 0 ] || fail "acknowledged write lost after reload+resume (verify exit $rc: $(cat err))"
assert_eq "$(status_field r 6)" 8 "remapped blocks in the new table"

# And the on-disk table still has the entry after one more remap and a
# remove/create.
nullb_badblocks main + 8192 8199
pattern write /dev/mapper/r 4m 4k 3 -b 4k
dmsetup remove r
dmsetup create r --table "0 $sz remap $main $spare"
assert_eq "$(status_field r 6)" 16 "remapped blocks after remove/create"
pattern verify /dev/mapper/r 1m 4k 2 -b 4k
pattern verify /dev/mapper/r 4m 4k 3 -b 4k
dmsetup remove r
