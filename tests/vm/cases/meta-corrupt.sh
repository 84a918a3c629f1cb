# One bad copy of the superblock or of a metadata block: the other copy is
# used and the bad one rewritten.  Both copies bad: the constructor fails
# (never an empty table), even with `format`.
. "$DMR_LIB"

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
sz=$(dev_sectors "$main")
disk=$(wfail_create failing "$main" 1000-1007)
table="0 $sz remap $disk $spare"
dmsetup create r --table "$table 1 format"
pattern write /dev/mapper/r 0 1m 1
dmsetup remove r
ma=$(dmr-meta sector "$spare" a 0)
mb=$(dmr-meta sector "$spare" b 0)

loads() {	# loads WHAT: activates with all 8 remaps and the data intact
	dmsetup create r --table "$table"
	assert_eq "$(status_field r 6)" 8 "remapped ($1)"
	pattern verify /dev/mapper/r 0 1m 1
	dmsetup remove r
}
same() {	# same SECTOR1 SECTOR2: the two 4 KiB blocks are identical
	dd if="$spare" bs=512 skip="$1" count=8 2>/dev/null >/tmp/case/x
	dd if="$spare" bs=512 skip="$2" count=8 2>/dev/null >/tmp/case/y
	cmp -s /tmp/case/x /tmp/case/y || fail "copies at $1 and $2 differ after repair"
}
logged() {
	dmesg | grep -qF "$1" || fail "kernel did not log '$1': $(dmesg | tail -n 3)"
}
ctr_fails() {
	dmesg -c >/dev/null
	expect_fail "Invalid argument" dmsetup create r --table "$2"
	logged "remap: $1"
}
save() { dd if="$spare" bs=512 skip="$1" count=8 2>/dev/null >"/tmp/case/save$1"; }
restore() { dd if="/tmp/case/save$1" of="$spare" bs=512 seek="$1" conv=notrunc 2>/dev/null; }

dmesg -c >/dev/null
dmr-meta flip "$spare" 0 100
loads "superblock A corrupt"
logged "superblock copy A: superblock checksum mismatch; rewriting it from copy B"
same 0 8

dmesg -c >/dev/null
dd if=/dev/zero of="$spare" bs=512 seek=8 count=8 2>/dev/null
loads "superblock B zeroed"
logged "superblock copy B: no dm-remap superblock; rewriting it from copy A"
same 0 8

dmesg -c >/dev/null
dmr-meta flip "$spare" "$ma" 2000
loads "metadata block 0 copy A corrupt"
logged "metadata block 0 copy A: metadata block checksum mismatch; rewriting it from copy B"
same "$ma" "$mb"

dmesg -c >/dev/null
dmr-meta flip "$spare" "$mb" 40
loads "metadata block 0 copy B corrupt"
logged "metadata block 0 copy B: metadata block checksum mismatch; rewriting it from copy A"
same "$ma" "$mb"

# Both superblocks: refused, and `format` does not wipe the table.
save 0; save 8
dmr-meta flip "$spare" 0 200
dmr-meta flip "$spare" 8 200
ctr_fails "Both superblock copies on the spare are corrupt" "$table"
ctr_fails "Both superblock copies on the spare are corrupt" "$table 1 format"
restore 0; restore 8
loads "superblocks restored"

# Both copies of a metadata block: refused.
save "$ma"; save "$mb"
dmr-meta flip "$spare" "$ma" 3000
dmr-meta flip "$spare" "$mb" 3000
ctr_fails "A metadata block is corrupt in both copies" "$table"
logged "metadata block 0: copy A: metadata block checksum mismatch; copy B: metadata block checksum mismatch"
restore "$ma"; restore "$mb"
loads "metadata restored"
