# One O_DIRECT write spanning good and bad blocks succeeds, reads back whole,
# and only the bad blocks are remapped (to consecutive spare blocks); the
# good blocks are on main.  Run for 512- and 4096-byte logical blocks.
. "$DMR_LIB"

for bs in 512 4096; do
	main=$(nullb_create main$bs 64 blocksize=$bs)
	spare=$(nullb_create spare$bs 16 blocksize=$bs)
	sz=$(dev_sectors "$main")
	dmsetup create r$bs --table "0 $sz remap $main $spare 1 format"
	dev=/dev/mapper/r$bs
	assert_eq "$(blockdev --getss $dev)" $bs "logical block size of dm device"

	# Bad sectors 1024..1039 (16 sectors): 16 blocks of 512 or 2 of 4096.
	nullb_badblocks main$bs + 1024 1039
	nbad=$((16 * 512 / bs))
	pattern write $dev 256k 1m 11	# sectors 512..2559 cover the bad range
	pattern verify $dev 256k 1m 11
	assert_eq "$(status_field r$bs 6)" $nbad "remapped blocks"
	assert_eq "$(status_field r$bs 11)" 1 "errors suppressed"
	assert_eq "$(status_field r$bs 14)" ok "health"

	# Good blocks are on main, bad ones on spare blocks 0..nbad-1.
	pattern verify "$main" 256k 256k 11
	pattern verify "$main" 520k 760k 11 -p 264k
	expect_fail "Input/output error" pattern read "$main" 512k 8k
	dd if="$dev" of=/tmp/case/want bs=512 skip=1024 count=16 iflag=direct 2>/dev/null
	dd if="$spare" of=/tmp/case/got bs=512 skip="$(stat_value r$bs spare_start)" count=16 iflag=direct 2>/dev/null
	cmp /tmp/case/want /tmp/case/got || fail "spare blocks do not hold the data"

	# The remap list names exactly those blocks.
	dmsetup message r$bs 0 list >/tmp/case/list
	assert_eq "$(grep -c remapped /tmp/case/list)" $nbad "entries in list"
	assert_eq "$(head -n1 /tmp/case/list)" "$((1024 * 512 / bs)) remapped 0" "first entry"

	# Rewrite through dm: remapped blocks take the new data, on the spare.
	pattern write $dev 256k 1m 12
	pattern verify $dev 256k 1m 12
	assert_eq "$(status_field r$bs 6)" $nbad "remapped blocks after rewrite"
	dmsetup remove r$bs
done
