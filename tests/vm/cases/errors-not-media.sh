# dmr-timeout: 180
# Only media errors are remapped, and recovery is bounded (review 2026-12,
# item 10).
#
# Today every error status except "not supported" and "try again" is
# treated as a bad sector and the block is moved to the spare.  Two ways
# that goes wrong:
#   thin: main is a dm-thin volume whose pool is full and set to
#      error_if_no_space.  A write that needs a new pool block fails with
#      BLK_STS_NOSPC; that is the pool's state, not a bad sector, and must
#      reach the caller as ENOSPC, with nothing moved to the spare.  Today
#      the write is "absorbed" and the spare fills with blocks that are fine.
#   budget: every write to main fails (a dead or vanished disk).  The target
#      must stop absorbing after a budget of consecutive failing blocks (the
#      module parameter failure_budget, default 1024) instead of turning
#      into a slow linear map onto the spare: with the budget set to 16
#      (before the table is created), 64 separate one-block writes give 16
#      absorbed writes that read back, then EIO for every later one,
#      `remapped` 16 and health `failed`; suspend and resume still complete.
#      Today there is no such parameter.
. "$DMR_LIB"
. /dmr/lib-faults.sh

part_thin() {
	modprobe dm-thin-pool 2>/dev/null || skip "dm-thin-pool is not available on this kernel"
	tmeta=$(nullb_create tmeta 16)
	tdata=$(nullb_create tdata 4)	# 64 pool blocks of 64 KiB
	dmsetup create pool --table "0 $(dev_sectors "$tdata") thin-pool $tmeta $tdata 128 0 1 error_if_no_space"
	dmsetup message pool 0 "create_thin 0"
	vsz=131072	# 64 MiB thin volume on a 4 MiB pool
	dmsetup create thin --table "0 $vsz thin /dev/mapper/pool 0"
	spare=$(nullb_create tspare 16)
	dmsetup create rt --table "0 $vsz remap /dev/mapper/thin $spare 1 format"
	dev=/dev/mapper/rt

	pattern write $dev 0 4m 1 -b 64k	# fills the pool exactly
	rc=0
	pattern write $dev 4m 64k 2 -b 64k 2>err || rc=$?
	echo "pool: $(dmsetup status pool | cut -d' ' -f4-)"
	echo "remap: $(dm_status rt)"
	[ $rc != 0 ] ||
		fail "a write past the full thin pool was acknowledged (remapped $(status_field rt 6), spare_used $(status_field rt 8)): NOSPC was absorbed as a media error"
	grep -q "No space left on device" err || fail "write past the pool failed, but not with ENOSPC: $(cat err)"
	echo "ok: the write past the pool fails with ENOSPC"
	assert_eq "$(status_field rt 6) $(status_field rt 8)" "0 0" "remapped, spare_used"
	pattern verify $dev 0 4m 1
	dmsetup remove rt
	dmsetup remove thin
	dmsetup remove pool
}

part_budget() {
	p=/sys/module/dm_remap/parameters/failure_budget
	[ -e $p ] || fail "dm_remap has no module parameter failure_budget ($p): recovery of failing writes is unbounded"
	orig=$(cat $p)
	trap 'echo "$orig" >$p' EXIT
	echo 16 >$p
	assert_eq "$(cat $p)" 16 "failure_budget"

	main=$(nullb_create bmain 64 blocksize=4096)
	sz=$(dev_sectors "$main")
	disk=$(wfail_create bfail "$main" "0-$((sz - 1))")	# every write fails
	spare=$(nullb_create bspare 16)
	dmsetup create rb --table "0 $sz remap $disk $spare 1 format"
	dev=/dev/mapper/rb
	i=0
	while [ $i -lt 64 ]; do
		rc=0
		pattern write $dev $((i * 2 * 4096)) 4k $((100 + i)) -b 4k 2>err || rc=$?
		if [ $i -lt 16 ]; then
			[ $rc = 0 ] || fail "write $i (block $((i * 2))), within the budget, failed: $(cat err)"
		else
			[ $rc != 0 ] || fail "write $i (block $((i * 2))) was absorbed after 16 consecutive failing blocks (budget 16; remapped $(status_field rb 6))"
			grep -q "Input/output error" err || fail "write $i failed, but not with EIO: $(cat err)"
		fi
		i=$((i + 1))
	done
	echo "ok: writes 0-15 absorbed, 16-63 failed with EIO"
	i=0
	while [ $i -lt 16 ]; do
		pattern verify $dev $((i * 2 * 4096)) 4k $((100 + i)) -b 4k
		i=$((i + 1))
	done
	echo "ok: the 16 absorbed writes read back"
	assert_eq "$(status_field rb 6)" 16 "remapped"
	assert_eq "$(status_field rb 14)" failed "health"
	dmsetup suspend rb
	dmsetup resume rb
	echo "ok: suspend and resume complete"
	dmsetup remove rb
}

run_parts "$@" thin budget
