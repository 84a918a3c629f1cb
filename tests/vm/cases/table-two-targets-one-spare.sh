# Two remap targets of ONE table must not share a spare (review 2026-12
# item 5): each would load the other's remaps as its own and both would
# allocate the same spare blocks and metadata slots.  The table is refused
# (the kernel logs "Spare device is in use by another target of this
# table"), no device is left behind and the spare can be used afterwards.
# Should the table be accepted, the case goes on to show the data loss:
# the same block goes bad on both mains, different patterns are written
# through the two halves, and both must read back; then it fails anyway.
. "$DMR_LIB"

m1=$(nullb_create m1 64)
m2=$(nullb_create m2 64)
sp=$(nullb_create sp 16)
len=$(dev_sectors "$m1")	# (lib.sh helpers use n and s)
create2() {
	printf '0 %s remap %s %s 1 format\n%s %s remap %s %s\n' \
		"$len" "$m1" "$sp" "$len" "$len" "$m2" "$sp" | dmsetup create r
}

dmesg -c >/dev/null
if out=$(create2 2>&1); then
	echo "the table was accepted; checking what happens to the data"
	x=1000
	nullb_badblocks m1 + $x $x
	nullb_badblocks m2 + $x $x
	pattern write /dev/mapper/r $((x * 512)) 512 1
	pattern write /dev/mapper/r $(((len + x) * 512)) 512 2
	dmsetup message r 0 list | sed 's/^/first half: /'
	dmsetup message r "$len" list | sed 's/^/second half: /'
	pattern verify /dev/mapper/r $(((len + x) * 512)) 512 2 ||
		fail "second half: block $x does not read back what was written"
	pattern verify /dev/mapper/r $((x * 512)) 512 1 ||
		fail "first half: block $x reads back the second half's data (shared spare block)"
	dmsetup remove r
	fail "a table of two remap targets on one spare was accepted"
fi
case "$out" in
*"reload ioctl on r"*"failed"*) echo "ok: refused: $out" ;;
*) fail "unexpected dmsetup output: $out" ;;
esac
dmesg | grep -F "remap: Spare device is in use by another target of this table" ||
	fail "kernel did not say why: $(dmesg | grep remap | tail -n 3)"
if dmsetup info r >/dev/null 2>&1; then
	fail "device r left behind: $(dmsetup info r)"
fi
assert_eq "$(ls /sys/block/sp/holders)" "" "holders of the spare"

# The spare is free again: one target on it works.
dmsetup create r --table "0 $len remap $m1 $sp 1 format"
pattern write /dev/mapper/r 0 64k 3
pattern verify /dev/mapper/r 0 64k 3
dmsetup remove r
