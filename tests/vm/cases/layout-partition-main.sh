# Main is a PARTITION (starting at sector 2048 = 1 MiB of its disk): a
# multi-block write that fails on main is probed block by block, and every
# probe write, every relocation and every probe read must reach the
# partition's sectors, not the disk's sectors 1 MiB lower (the block layer
# has already added the partition offset to the failed bio; a clone of it
# keeps BIO_REMAPPED and is not remapped again, review 2026-12 item 1).
# Checked on data: the write succeeds, exactly the bad blocks are remapped,
# both patterns read back, pattern 1 (written first, at partition offset 0,
# where the misdirected probes of a write at offset 1 MiB land) is intact,
# the partition table area before the partition (where those of a write at
# offset 256 KiB land) is unchanged, the good blocks are on the disk at
# partition start + offset, and a multi-block read over bad blocks that
# were never remapped returns EIO (a misdirected probe "succeeds" with
# someone else's data).  A single-block write on the partition (no probe)
# is checked first: it works with or without the bug, so a failure there is
# a setup problem.  Run for 512- and 4096-byte blocks.
. "$DMR_LIB"


psize=131072	# partition of 64 MiB at sector 2048
for bs in 512 4096; do
	echo "=== logical block size $bs"
	m=$(nullb_create m$bs 128 blocksize=$bs)
	spare=$(nullb_create s$bs 16 blocksize=$bs)
	p=$(part_create "$m" 2048 $psize)
	loopdev=${p%p1}
	assert_eq "$(cat "/sys/block/${loopdev#/dev/}/loop/dio")" 1 "direct I/O of $loopdev"
	assert_eq "$(dev_sectors "$p")" $psize "partition size"
	nb=$((bs / 512))	# sectors per block
	dmsetup create r --table "0 $psize remap $p $spare 1 format"
	assert_eq "$(blockdev --getss /dev/mapper/r)" $bs "logical block size of r"
	ss=$(stat_value r spare_start)

	# Before the partition: the partition table (and nothing else may change).
	head_sum=$(read_bytes "$m" 0 1048576 | sha256sum)

	# Sanity, no probe involved: one single-block write onto a bad block at
	# partition offset 4 MiB (absolute sector 2048 + 8192) is remapped.
	nullb_badblocks m$bs + 10240 $((10240 + nb - 1))
	pattern write /dev/mapper/r 4m $bs 3
	pattern verify /dev/mapper/r 4m $bs 3
	assert_eq "$(status_field r 6)" 1 "remapped after a single-block write"
	pattern verify "$spare" $((ss * 512)) $bs 3

	# Pattern 1 at partition offset 0 (absolute sectors 2048..2175).
	pattern write /dev/mapper/r 0 64k 1
	pattern verify "$m" 1m 64k 1

	# Bad sectors at partition-relative 2048..2055 (absolute 4096..4103):
	# 8 blocks of 512 bytes or 1 of 4096.  A 64 KiB write over them is one
	# multi-block bio: it fails on main and is probed.
	nbad=$((8 / nb))
	nullb_badblocks m$bs + 4096 4103
	check "64 KiB write over bad blocks at partition offset 1 MiB succeeds" \
		pattern write /dev/mapper/r 1m 64k 2
	check_eq "$(status_field r 6)" $((1 + nbad)) "remapped (1 + the $nbad bad blocks)"
	# The same at partition offset 256 KiB (bad absolute 2560..2567): a
	# probe sent 1 MiB too low would land before the partition.
	nullb_badblocks m$bs + 2560 2567
	check "64 KiB write over bad blocks at partition offset 256 KiB succeeds" \
		pattern write /dev/mapper/r 256k 64k 4
	check_eq "$(status_field r 6)" $((1 + 2 * nbad)) "remapped (1 + 2 x $nbad bad blocks)"
	check "pattern 2 reads back through r" pattern verify /dev/mapper/r 1m 64k 2
	check "pattern 4 reads back through r" pattern verify /dev/mapper/r 256k 64k 4
	check "pattern 1 at partition offset 0 intact (through r)" \
		pattern verify /dev/mapper/r 0 64k 1
	check "pattern 1 intact on the disk at sector 2048" pattern verify "$m" 1m 64k 1
	check_eq "$(read_bytes "$m" 0 1048576 | sha256sum)" "$head_sum" \
		"checksum of the disk's sectors 0..2047 (before the partition)"
	# Good blocks of pattern 2 (all but the first 4 KiB) are on the disk at
	# (2048 + 2048) * 512; the bad first 4 KiB is on spare blocks 1...
	check "good blocks of pattern 2 on the disk at sector 4096 + 8" \
		pattern verify "$m" $((4096 * 512 + 4096)) 60k 2 -p 4k
	check "pattern 2's bad blocks on spare blocks 1.." \
		pattern verify "$spare" $(((ss + nb) * 512)) 4k 2
	check "good blocks of pattern 4 on the disk at sector 2560 + 8" \
		pattern verify "$m" $((2560 * 512 + 4096)) 60k 4 -p 4k
	check "pattern 4's bad blocks on the next spare blocks" \
		pattern verify "$spare" $(((ss + nb + 4096 / 512) * 512)) 4k 4

	# A multi-block read over bad blocks that were never written (partition
	# offset 8 MiB, absolute 18432..18439) fails: the data is not there.
	nullb_badblocks m$bs + 18432 18439
	check "64 KiB O_DIRECT read over unremapped bad blocks at 8 MiB returns EIO" \
		eio /dev/mapper/r 8m 64k
	check_eq "$(status_field r 7)" $nbad "pending after that read"

	dmsetup remove r
	# The remap table survives: the data reads back after re-creation.
	dmsetup create r --table "0 $psize remap $p $spare"
	check "after re-create: pattern 2" pattern verify /dev/mapper/r 1m 64k 2
	check "after re-create: pattern 1" pattern verify /dev/mapper/r 0 64k 1
	check "after re-create: pattern 4" pattern verify /dev/mapper/r 256k 64k 4
	check "after re-create: the single block" pattern verify /dev/mapper/r 4m $bs 3
	dmsetup remove r
	losetup -d "$loopdev"
done
[ "$nfail" = 0 ] || fail "$nfail checks failed"
