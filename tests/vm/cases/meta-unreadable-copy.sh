# dmr-timeout: 120
# One unreadable sector in ONE copy of the metadata must not refuse
# activation (review 2026-12, item 7).
#
# dm-remap keeps two copies of the superblock and of every metadata block so
# that a spare that is itself ageing does not lose the table.  Today both
# superblocks are read with one request and each copy in 1 MiB chunks, and
# any read error aborts the activation ("Cannot read the spare's
# superblock/metadata"), although the other copy is intact.  An unreadable
# copy must be treated like a corrupt one: use the other copy, and say in
# the kernel log which copy was bad.  Only when both copies of the same
# block are unreadable is activation refused.
#
# The spare is put under a device whose READS fail on chosen sectors while
# writes succeed (rfail_create: dm-delay, reads through a linear table with
# error segments).  Parts:
#   a: sectors 0-7 unreadable (superblock copy A);
#   b: sectors 16-23 unreadable (copy A of metadata block 0, which holds the
#      remap entries);
#   c: both copies of metadata block 0 unreadable: activation refused.
. "$DMR_LIB"
. /dmr/lib-faults.sh

# Blocks 1000-1007 and 1500 are remapped, the rest holds the fill pattern.
check_data() {
	pattern verify $dev 0 $((1000 * 512)) 1
	pattern verify $dev $((1000 * 512)) 4k 2
	pattern verify $dev $((1008 * 512)) $((492 * 512)) 1 -p $((1008 * 512))
	pattern verify $dev $((1500 * 512)) 512 3
	pattern verify $dev $((1501 * 512)) $((547 * 512)) 1 -p $((1501 * 512))
	echo "ok: data and remapped blocks read back"
}

# activate_with P FIRST-LAST...: device rP over a spare (spP) whose given
# sectors cannot be read; it must come up with the whole table.  (Each part
# has its own names, so a part that fails half-way does not break the next.)
activate_with() {
	r=r$1 dev=/dev/mapper/r$1
	spare=$(rfail_create "sp$1" "$nspare" "$2")
	dmesg -c >/dev/null
	dmsetup create $r --table "0 $sz remap $main $spare" 2>err ||
		fail "activation refused with sectors $2 of the spare unreadable (one copy only): $(cat err)"
	dmesg | grep remap || true
	assert_eq "$(status_field $r 6)" 9 "remapped"
	check_data
}

part_a() {
	activate_with a 0-7
	klog_has remap "superblock" "copy A" ||
		fail "no kernel message names superblock copy A as the bad copy"
	echo "ok: the kernel log names superblock copy A"
	dmsetup remove ra
	rfail_remove spa
}

part_b() {
	activate_with b 16-23
	klog_has remap "metadata block 0" "copy A" ||
		fail "no kernel message names copy A of metadata block 0 as the bad copy"
	echo "ok: the kernel log names copy A of metadata block 0"
	dmsetup remove rb
	rfail_remove spb
}

part_c() {
	mb=$(meta_sector "$nspare" b 0)
	spare=$(rfail_create spc "$nspare" 16-23 "$mb-$((mb + 7))")
	expect_fail "ioctl on rc" dmsetup create rc --table "0 $sz remap $main $spare"
	if dmsetup info rc >/dev/null 2>&1; then
		fail "device rc exists after the refused activation"
	fi
	rfail_remove spc
}

if [ $# = 0 ]; then
	main=$(nullb_create main 64)
	nspare=$(nullb_create spare 16)
	sz=$(dev_sectors "$main")
	dmsetup create r --table "0 $sz remap $main $nspare 1 format"
	dev=/dev/mapper/r
	pattern write $dev 0 1m 1
	nullb_badblocks main + 1000 1007
	nullb_badblocks main + 1500 1500
	pattern write $dev $((1000 * 512)) 4k 2
	pattern write $dev $((1500 * 512)) 512 3
	assert_eq "$(status_field r 6)" 9 "remapped"
	check_data
	dmsetup remove r
	export main nspare sz dev
fi

run_parts "$@" a b c
