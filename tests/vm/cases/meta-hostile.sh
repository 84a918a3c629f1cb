# Hostile metadata with valid checksums is rejected, never trusted: entries
# beyond the device, unknown states, a main block mapped twice in one
# commit, superblock geometry that does not follow from its sizes.  A block
# mapped twice by blocks of different generations (a commit cut short) is
# resolved in favour of the newer one.
. "$DMR_LIB"

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
sz=$(dev_sectors "$main")
disk=$(wfail_create failing "$main" 1000-1003)
table="0 $sz remap $disk $spare"
dmsetup create r --table "$table 1 format"
pattern write /dev/mapper/r 0 1m 1
dmsetup remove r
ma=$(dmr-meta sector "$spare" a 0)
mb=$(dmr-meta sector "$spare" b 0)
save() { for s in "$@"; do dd if="$spare" bs=512 skip="$s" count=8 2>/dev/null >"/tmp/case/save$s"; done; }
restore() { for s in "$@"; do dd if="/tmp/case/save$s" of="$spare" bs=512 seek="$s" conv=notrunc 2>/dev/null; done; }
rejects() {	# rejects KERNEL-DETAIL
	dmesg -c >/dev/null
	expect_fail "Invalid argument" dmsetup create r --table "$table"
	dmesg | grep -qF "$1" || fail "kernel did not log '$1': $(dmesg | tail -n 3)"
	restore 0 8 "$ma" "$mb"
}
both_entry() {	# both_entry SLOT BLOCK STATE: the same edit in both copies
	dmr-meta entry "$spare" a 0 "$@"
	dmr-meta entry "$spare" b 0 "$@"
}
save 0 8 "$ma" "$mb"

both_entry 10 $((sz + 5)) 1
rejects "metadata entry block out of range"
both_entry 10 5 7
rejects "metadata entry state invalid"
both_entry 10 0 1	# main block 0 on spare blocks 10 ...
both_entry 11 0 1	# ... and 11, in the same block: same generation
rejects "Metadata maps a main block twice"
both_entry 300 0 0	# beyond the 4 used slots but inside the block: fine
dmsetup create r --table "$table" && dmsetup remove r
for copy in a b; do
	dmr-meta sbfield "$spare" $copy 64 99999999	# remap_slots
done
rejects "superblock layout inconsistent"
for copy in a b; do
	dmr-meta sbfield "$spare" $copy 48 0	# main_blocks
done
rejects "superblock main size out of range"

# Metadata block 1 is still from the format (generation 1): an entry there
# naming remapped main block 1000 is older than block 0's and loses.
dmr-meta entry "$spare" a 1 0 1000 1
dmr-meta entry "$spare" b 1 0 1000 1
dmsetup create r --table "$table"
assert_eq "$(status_field r 6)" 4 "remapped"
assert_eq "$(status_field r 10)" 1 "retired (the stale slot)"
pattern verify /dev/mapper/r 0 1m 1
dmsetup remove r
