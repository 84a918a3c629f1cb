# A tiny spare (4 blocks: 48 sectors of metadata, then the blocks; see
# docs/FORMAT.md): the first 4 failures are absorbed, later ones are
# returned, health says exhausted, the kernel says so once, and a dm event
# fires for every commit that changed the table (each of the 4 remaps and
# each of the 3 blocks made pending, one write at a time) and for the
# exhaustion.
. "$DMR_LIB"

main=$(nullb_create main 64)
dd if=/dev/zero of=/tmp/case/spare bs=512 count=$((48 + 4)) 2>/dev/null
spare=$(loop_create /tmp/case/spare)
dmsetup create r --table "0 $(dev_sectors "$main") remap $main $spare 1 format"
dev=/dev/mapper/r
assert_eq "$(status_field r 9)" 4 "spare total"
ev0=$(dmsetup info -c --noheadings -o events r)

nullb_badblocks main + 100 109
dmesg -c >/dev/null
for s in 100 101 102 103; do
	pattern write $dev $((s * 512)) 512 $s
done
assert_eq "$(status_field r 6)" 4 "remapped"
assert_eq "$(status_field r 8)" 4 "spare used"
assert_eq "$(status_field r 14)" exhausted "health"
for s in 104 105 106; do
	expect_fail "Input/output error" pattern write $dev $((s * 512)) 512 $s
done
assert_eq "$(status_field r 6)" 4 "remapped after exhaustion"
assert_eq "$(status_field r 7)" 3 "pending after exhaustion"
assert_eq "$(dmesg | grep -c 'spare device exhausted')" 1 "exhaustion log lines"
assert_eq "$(dmsetup info -c --noheadings -o events r)" $((ev0 + 4 + 3 + 1)) "dm events"
for s in 100 101 102 103; do
	pattern verify $dev $((s * 512)) 512 $s
done
# A multi-block write over good and exhausted-bad blocks still fails whole.
expect_fail "Input/output error" pattern write $dev $((96 * 512)) 8k 7
dmsetup remove r
