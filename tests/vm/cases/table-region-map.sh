# The region map: one bit per region of main (1 MiB, or larger on a big
# main so that the map stays within 256 KiB) says where table entries may
# be, and map looks the table up only for a bio that touches a region with
# its bit set.  A bio that starts in a region without entries and ends in
# one with them, or that starts at a region's last blocks and runs into an
# empty one, must still reach the spare for its remapped blocks.
#
# Three mains: 512-byte blocks (1 MiB regions), 4096-byte blocks (1 MiB
# regions), and an 8 TiB dm device (a 64 MiB memory-backed null_blk inside
# an 8 TiB one without memory; 8 MiB regions).  Region R starts at byte EB.  The
# first 4 blocks of R and its last 4 are bad on main; one write bio of 8
# blocks over each edge (half in R, half in the neighbour) is recovered,
# then main's bad blocks are made good again (still without the data).
# Expect: 8 blocks remapped; each edge reads back in one bio of 8 blocks
# and block by block; a bio in the empty region before R is served by main;
# the same after the device is re-created (the map rebuilt from the
# metadata).
. "$DMR_LIB"

MiB=1048576

# edges NAME MAIN NULLB BS EB RB BASE: main device MAIN, whose bytes from
# BASE are null_blk NULLB's; blocks of BS bytes; region R at EB, RB long.
edges() {
	tag=$1 main=$2 nb=$3 bs=$4 eb=$5 rb=$6 base=$7
	spare=$(nullb_create spare$tag 16 blocksize="$bs")
	sz=$(dev_sectors "$main")
	s0=$(((eb - base) / 512)) s1=$(((eb + rb - base) / 512)) n4=$((4 * bs / 512))
	nullb_badblocks "$nb" + "$s0" $((s0 + n4 - 1))
	nullb_badblocks "$nb" + $((s1 - n4)) $((s1 - 1))
	dmsetup create r$tag --table "0 $sz remap $main $spare 1 format"
	dev=/dev/mapper/r$tag
	lo=$((eb - 4 * bs)) hi=$((eb + rb - 4 * bs)) len=$((8 * bs))

	pattern write $dev $lo $len 31 -b $len
	pattern write $dev $hi $len 32 -b $len
	assert_eq "$(status_field r$tag 6)" 8 "$tag: remapped blocks"
	# Main readable again (without the data): a bio that map sends to main
	# by mistake now reads stale blocks instead of failing into recovery,
	# which would find the spare blocks and hide the mistake.
	nullb_badblocks "$nb" - "$s0" $((s0 + n4 - 1))
	nullb_badblocks "$nb" - $((s1 - n4)) $((s1 - 1))
	expect_fail "mismatch" pattern verify "/dev/$nb" $((eb - base)) $((4 * bs)) 31 -p $((4 * bs))
	pattern write $dev $((eb - rb / 2)) 64k 33 -b 64k
	for pass in live re-created; do
		check "$tag ($pass): bio from the empty region into R" \
			pattern verify $dev $lo $len 31 -b $len
		check "$tag ($pass): bio from R's end into the empty region" \
			pattern verify $dev $hi $len 32 -b $len
		check "$tag ($pass): the first edge block by block" \
			pattern verify $dev $lo $len 31 -b "$bs"
		check "$tag ($pass): the second edge block by block" \
			pattern verify $dev $hi $len 32 -b "$bs"
		check "$tag ($pass): a bio in the empty region before R" \
			pattern verify $dev $((eb - rb / 2)) 64k 33 -b 64k
		check "$tag ($pass): ... which is on main" \
			pattern verify "/dev/$nb" $((eb - rb / 2 - base)) 64k 33
		dmsetup remove r$tag
		dmsetup create r$tag --table "0 $sz remap $main $spare"
	done
	dmsetup remove r$tag
}

m=$(nullb_create m512 64)
edges 512 "$m" m512 512 $((8 * MiB)) $MiB 0
m=$(nullb_create m4k 64 blocksize=4096)
edges 4k "$m" m4k 4096 $((8 * MiB)) $MiB 0

# 8 TiB of 512-byte blocks: 2^34 blocks, 2^20 regions of 2^14 blocks (8 MiB).
big=$((8 * 1024 * 1024 * MiB / 512))
eb=$((8000 * MiB)) base=$((8000 * MiB - 32 * MiB))
m=$(nullb_create mbig 64)
void=$(nullb_create void $((8 * 1024 * 1024)) memory_backed=0)
dmsetup create big --table "0 $((base / 512)) linear $void 0
$((base / 512)) $((64 * MiB / 512)) linear $m 0
$(((base + 64 * MiB) / 512)) $((big - (base + 64 * MiB) / 512)) linear $void $(((base + 64 * MiB) / 512))"
edges big /dev/mapper/big mbig 512 $eb $((8 * MiB)) $base
dmsetup remove big
[ "$nfail" = 0 ] || fail "$nfail checks failed"
