# A read-only table (dmsetup create --readonly: forensics, rescue) never
# writes the spare (review 2026-12 item 12).  (a) `format` on a blank spare
# is refused and the spare stays blank.  (b) A spare with two remaps and a
# damaged superblock copy B activates read-only: the remapped blocks read
# back, a main block that fails its read returns EIO, and afterwards the
# spare is bit-for-bit unchanged (no superblock repair, no pending entry
# committed).  (c) Writes to the read-only device fail and change neither
# main nor spare.
. "$DMR_LIB"

refused() {	# refused CMD...: CMD fails (its message is shown)
	if r_out=$("$@" 2>&1); then return 1; fi
	echo "  ($r_out)"
}
sum() { read_bytes "$1" "$2" "$3" | sha256sum; }

# --- (a) format on a read-only table ------------------------------------------
ma=$(nullb_create ma 64)
sa=$(nullb_create sa 16)
sz=$(dev_sectors "$ma")
blank=$(sum "$sa" 0 1048576)
check "read-only create with 'format' on a blank spare is refused" \
	refused dmsetup create --readonly r --table "0 $sz remap $ma $sa 1 format"
dmsetup remove r 2>/dev/null || true
check_eq "$(sum "$sa" 0 1048576)" "$blank" "checksum of the spare's first MiB (still blank)"

# --- (b) read-only activation of a spare that needs repair ------------------------
main=$(nullb_create mb 64)
spare=$(nullb_create sb 16)
table="0 $sz remap $main $spare"
dmsetup create r --table "$table 1 format"
nullb_badblocks mb + 1000 1000
nullb_badblocks mb + 3000 3000
pattern write /dev/mapper/r $((1000 * 512)) 512 1
pattern write /dev/mapper/r $((3000 * 512)) 512 2
pattern write /dev/mapper/r $((7000 * 512)) 4k 3	# good blocks, on main
assert_eq "$(status_field r 6)" 2 "remapped"
dmsetup remove r
dmr-meta flip "$spare" 8 100		# superblock copy B: bad checksum
nullb_badblocks mb + 5000 5000		# a read error on main, never remapped
# Sanity: busybox dd can write with oflag=direct (so its failure below is
# the read-only device's doing).
dd if=/dev/zero of="$sa" bs=512 count=1 seek=100 oflag=direct 2>/dev/null

sb_sum=$(sum "$spare" 0 8192)		# superblocks A and B
meta_sum=$(sum "$spare" 8192 $((16777216 - 8192)))	# metadata and data
dmsetup create --readonly r --table "$table"
assert_eq "$(blockdev --getro /dev/mapper/r)" 1 "read-only flag of r"
check "remapped block 1000 reads back" pattern verify /dev/mapper/r $((1000 * 512)) 512 1
check "remapped block 3000 reads back" pattern verify /dev/mapper/r $((3000 * 512)) 512 2
check "good blocks read back" pattern verify /dev/mapper/r $((7000 * 512)) 4k 3
check "unreadable main block 5000: EIO" eio /dev/mapper/r $((5000 * 512)) 512

# --- (c) writes to the read-only device ---------------------------------------------
for blk in 7000 1000 5000; do	# on main, on the spare, a bad main block
	check "dd oflag=direct to block $blk of the read-only device fails" \
		refused dd if=/dev/zero of=/dev/mapper/r bs=512 count=1 seek=$blk oflag=direct
	check "O_DIRECT pattern write to block $blk fails" \
		refused pattern write /dev/mapper/r $((blk * 512)) 512 9
done
dmsetup remove r

check_eq "$(sum "$spare" 0 8192)" "$sb_sum" "checksum of the superblocks after the read-only activation"
check_eq "$(sum "$spare" 8192 $((16777216 - 8192)))" "$meta_sum" "checksum of the rest of the spare"
check "main's good blocks unchanged" pattern verify "$main" $((7000 * 512)) 4k 3
[ "$nfail" = 0 ] || fail "$nfail checks failed"
