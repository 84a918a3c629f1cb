# dmr-timeout: 120
# A WRITE_ZEROES that fails on main is absorbed like a write, and one to a
# pending block relocates it (review 2026-12, item 11).
#
# Today only reads and writes are recovered: a REQ_OP_WRITE_ZEROES that hits
# a bad block on main returns EIO even with suppress on, and one to a
# pending block zeroes main in place and leaves the block pending.  The rule:
# write-zeroes is a write; a failing one is rewritten (zeroes) to a spare
# block and committed, and one to a pending block goes to a fresh spare
# block like any write to a pending block.
#
# Main that supports write-zeroes and fails it on chosen sectors: a
# dm-linear over a loop device on a tmpfs file (loop implements write-zeroes
# with fallocate), whose bad ranges map to a second, READ-ONLY loop device
# over the same file: it reads the same data and fails every write,
# write-zeroes included, with EIO (null_blk has no write-zeroes, the error
# target and dm-flakey do not pass it on 6.1, and scsi_debug fails only
# reads).  Main blocks are 512 bytes, so a 4 KiB range is 8 blocks.
#
# Two ways to issue it:
#  - blkdiscard -z (BLKZEROOUT): on 6.1 the block layer retries a failed
#    write-zeroes with plain writes of zero pages, which dm-remap absorbs
#    today; on 6.12 it does not fall back, so today that fails with EIO.
#  - fallocate(PUNCH_HOLE) on the device (xfs_io fpunch): write-zeroes with
#    BLKDEV_ZERO_NOFALLBACK, so the target alone decides.
# (On tmpfs, loop turns a write-zeroes with REQ_NOUNMAP, which BLKZEROOUT
# sends, into FALLOC_FL_ZERO_RANGE, which tmpfs lacks: EOPNOTSUPP, and the
# block layer falls back to zero pages.  That only matters where main is
# healthy; the read-only loop fails the request before looking at it.)
# Parts: failing (both ways, over bad blocks) and pending.
. "$DMR_LIB"
. /dmr/lib-faults.sh

# setup P: /dev/mapper/rP over wzP (linear over loop $lw, the rw loop) and
# spare nullb spP; the first 4 MiB hold pattern 1.
setup() {
	truncate -s 64M "img$1"
	lw=$(losetup-ul -f --show "img$1")
	lro=$(losetup-ul -f --show -r "img$1")
	lsz=$(dev_sectors "$lw")
	assert_eq "$(cat "/sys/block/${lro#/dev/}/ro")" 1 "read-only flag of $lro"
	[ "$(queue_attr "$lw" write_zeroes_max_bytes)" -gt 0 ] ||
		skip "a loop device over a tmpfs file has no write-zeroes on this kernel"
	wz=wz$1 r=r$1 dev=/dev/mapper/r$1
	fault_table "$lsz" "$lw" "$lro" | dmsetup create $wz
	spare=$(nullb_create "sp$1" 16)
	dmsetup create $r --table "0 $lsz remap /dev/mapper/$wz $spare 1 format"
	wzb=$(queue_attr $dev write_zeroes_max_bytes)
	[ "$wzb" -gt 0 ] || fail "the remap device does not advertise write-zeroes (main does)"
	echo "ok: $dev write_zeroes_max_bytes $wzb"
	pattern write $dev 0 4m 1 -b 64k
}

# zeroed OFFSET: 4 KiB at OFFSET read as zeroes through dm, the 4 KiB on
# either side keep pattern 1.
zeroed() {
	assert_eq "$(nonzero_bytes $dev $1 4096)" 0 "non-zero bytes at $1 through dm"
	pattern verify $dev $(($1 - 4096)) 4k 1 -p $(($1 - 4096))
	pattern verify $dev $(($1 + 4096)) 4k 1 -p $(($1 + 4096))
}

part_failing() {
	setup f
	b1=1048576 b2=2097152		# bytes; sectors 2048-2055 and 4096-4103
	fault_set $wz "$lsz" "$lw" "$lro" "$((b1 / 512))-$((b1 / 512 + 7))" "$((b2 / 512))-$((b2 / 512 + 7))"
	ro_writes() { awk '{ print $5 }' "/sys/block/${lro#/dev/}/stat"; }
	w0=$(ro_writes)

	/dmr/bin/blkdiscard -z -o $b1 -l 4096 $dev 2>err ||
		fail "blkdiscard -z over failing blocks failed (suppress on): $(cat err)"
	# The read-only loop fails every write it gets: it must have got one.
	[ "$(ro_writes)" -gt "$w0" ] || fail "no write reached the read-only loop: the fault is not injected"
	assert_eq "$(status_field $r 6)" 8 "remapped after blkdiscard -z"
	zeroed $b1
	echo "ok: blkdiscard -z over failing blocks absorbed"

	out=$(xfs_io -c "fpunch $b2 4096" $dev 2>&1) && [ -z "$out" ] ||
		fail "write-zeroes without fallback (fpunch) over failing blocks failed (suppress on): $out (status: $(dm_status $r))"
	assert_eq "$(status_field $r 6)" 16 "remapped after fpunch"
	zeroed $b2
	echo "ok: write-zeroes over failing blocks absorbed"
	dmsetup remove $r
	dmsetup remove $wz
	losetup -d "$lro"
	losetup -d "$lw"
}

part_pending() {
	setup p
	pb=3145728			# bytes; sectors 6144-6151
	# Main fails reads there for a moment: a read makes the blocks pending.
	fault_set $wz "$lsz" "$lw" error "$((pb / 512))-$((pb / 512 + 7))"
	expect_fail "Input/output error" pattern read $dev $pb 4k
	fault_set $wz "$lsz" "$lw" "$lro"
	assert_eq "$(status_field $r 7) $(status_field $r 6)" "8 0" "pending, remapped"

	/dmr/bin/blkdiscard -z -o $pb -l 4096 $dev
	assert_eq "$(status_field $r 7) $(status_field $r 6)" "0 8" "pending, remapped after blkdiscard -z over the pending blocks"
	zeroed $pb
	echo "ok: write-zeroes relocated the pending blocks"

	# And the same without fallback, on fresh pending blocks.
	pb2=$((pb + 65536))
	fault_set $wz "$lsz" "$lw" error "$((pb2 / 512))-$((pb2 / 512 + 7))"
	expect_fail "Input/output error" pattern read $dev $pb2 4k
	fault_set $wz "$lsz" "$lw" "$lro"
	out=$(xfs_io -c "fpunch $pb2 4096" $dev 2>&1) && [ -z "$out" ] || fail "fpunch over pending blocks failed: $out"
	assert_eq "$(status_field $r 7) $(status_field $r 6)" "0 16" "pending, remapped after fpunch over the pending blocks"
	zeroed $pb2
	dmsetup remove $r
	dmsetup remove $wz
	losetup -d "$lro"
	losetup -d "$lw"
}

run_parts "$@" failing pending
