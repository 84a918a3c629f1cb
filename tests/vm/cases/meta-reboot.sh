# dmr-disks: 64M,16M
# dmr-boots: 2
# Remaps survive a real guest reboot: boot 1 writes through dm-remap over a
# virtio disk whose writes fail in two ranges; boot 2 (same disk images)
# activates without `format` and reads everything back from main + spare.
. "$DMR_LIB"

main=/dev/vda spare=/dev/vdb
sz=$(dev_sectors $main)
if [ "$DMR_BOOT" = 1 ]; then
	disk=$(wfail_create failing $main 2048-2063 40000-40007)
	dmsetup create r --table "0 $sz remap $disk $spare 1 format"
	pattern write /dev/mapper/r 0 32m 7
	assert_eq "$(status_field r 6)" 24 "remapped"
	dmsetup message r 0 list >/dev/null
	dmsetup remove r
else
	dmsetup create r --table "0 $sz remap $main $spare"
	assert_eq "$(status_field r 6)" 24 "remapped after reboot"
	assert_eq "$(dmsetup message r 0 list 2048 1)" "$(printf '2048 remapped 0\nnext 2049')" "first entry"
	pattern verify /dev/mapper/r 0 32m 7
	# Without the table, main alone has holes where the writes failed.
	expect_fail "mismatch" pattern verify $main 0 32m 7
	dmsetup remove r
fi
