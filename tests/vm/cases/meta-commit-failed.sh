# dmr-timeout: 120
# After a metadata commit fails, nothing acknowledged may be lost and the
# in-core table must not run ahead of the disk (review 2026-12, item 4).
#
# A write error on main at block X is absorbed by writing X's data to a spare
# block and committing the new entry to both metadata copies.  If that
# commit fails, the write gets EIO and the device goes to health `failed`.
# Today the in-memory entry for X is kept as if it were committed, so the
# next write to X goes to the spare block and is acknowledged, although no
# metadata on disk points there: after re-activation X is read from main
# again and the acknowledged data is gone.  The rule: a block whose entry is
# not durable is poisoned (its I/O fails) until the device is re-activated;
# blocks whose entries ARE durable keep working, reads and writes.
#
# Two parts, one per metadata copy that stops taking writes (the spare is a
# dm-linear over a null_blk, switched to have an `error` segment over that
# copy, as in meta-fail.sh):
#   a: copy A fails, so the commit writes nothing;
#   b: copy B fails (the review's sketch), so copy A already holds the new
#      entry at a newer generation, and after re-activation X is remapped.
# In both, after healing the spare and re-creating the device (no format),
# every acknowledged write reads back; X may read anything (its failed
# writes were never acknowledged).
. "$DMR_LIB"
. /dmr/lib-faults.sh

X=2000			# main block (512 bytes) whose commit fails

variant() {
	v=$1
	main=$(nullb_create "main$v" 64)
	nspare=$(nullb_create "spare$v" 16)
	ssz=$(dev_sectors "$nspare")
	dmsetup create "sp$v" --table "0 $ssz linear $nspare 0"
	spare=/dev/mapper/sp$v
	sz=$(dev_sectors "$main")
	disk=$(wfail_create "fail$v" "$main" 1000-1007)
	r=r$v dev=/dev/mapper/r$v
	dmsetup create $r --table "0 $sz remap $disk $spare 1 format"
	# Blocks 1000-1007 fail on main: remapped, committed, durable.
	pattern write $dev 0 1m 1
	assert_eq "$(status_field $r 6)" 8 "remapped"
	ds=$(stat_value $r spare_start)
	mb=$(meta_sector "$nspare" b 0)
	if [ "$v" = a ]; then
		bad="16-$((mb - 1))"
		echo "copy A (sectors 16-$((mb - 1))) stops taking writes"
	else
		bad="$mb-$((ds - 1))"
		echo "copy B (sectors $mb-$((ds - 1))) stops taking writes"
	fi
	fault_set "sp$v" "$ssz" "$nspare" error "$bad"

	# Block X fails on main; its commit fails: EIO, health failed.
	wfail_set "fail$v" "$main" 1000-1007 $X-$X
	expect_fail "Input/output error" pattern write $dev $((X * 512)) 512 2
	assert_eq "$(status_field $r 14)" failed "health after the failed commit"

	# Durably remapped blocks are still served: a read, and a write that is
	# acknowledged (checked again after re-activation).
	pattern verify $dev $((1001 * 512)) $((7 * 512)) 1 -p $((1001 * 512))
	pattern write $dev $((1000 * 512)) 512 4
	pattern verify $dev $((1000 * 512)) 512 4
	echo "ok: durably remapped blocks are read and written after the failure"

	# X's entry is not on disk: a write to X must not be acknowledged.  (If
	# it is, go on to show what becomes of it, and fail at the end.)
	acked=0
	pattern write $dev $((X * 512)) 512 3 2>err || acked=$?
	if [ $acked = 0 ]; then
		acked=1
		echo "BAD: a write to block $X was acknowledged after its commit failed (status: $(dm_status $r))"
	else
		acked=0
		grep -q "Input/output error" err || fail "write to block $X failed, but not with EIO: $(cat err)"
		echo "ok: block $X (entry not durable) refuses writes"
	fi

	# Heal the spare and re-activate: what was acknowledged is there.
	dmsetup load "sp$v" --table "0 $ssz linear $nspare 0"
	dmsetup suspend "sp$v"
	dmsetup resume "sp$v"
	dmsetup remove $r
	dmsetup create $r --table "0 $sz remap $disk $spare"
	assert_eq "$(status_field $r 14)" failed "health after re-activation"
	n=$(status_field $r 6)
	if [ "$v" = a ]; then
		assert_eq "$n" 8 "remapped after re-activation (the commit wrote nothing)"
	else
		# Copy A holds X's entry at the newer generation: the loader takes it.
		case $n in 8|9) echo "ok: remapped after re-activation = $n" ;;
		*) fail "remapped after re-activation: got '$n', expected 8 or 9" ;; esac
	fi
	pattern verify $dev 0 $((1000 * 512)) 1
	pattern verify $dev $((1000 * 512)) 512 4
	pattern verify $dev $((1001 * 512)) $(((X - 1001) * 512)) 1 -p $((1001 * 512))
	pattern verify $dev $(((X + 1) * 512)) $((1048576 - (X + 1) * 512)) 1 -p $(((X + 1) * 512))
	# X: anything goes; say what it holds (1: main's old data, 2: the data
	# of the write whose commit failed, 3: the refused write).
	what="something else"
	if pattern verify $dev $((X * 512)) 512 1 -p $((X * 512)) 2>/dev/null; then what="pattern 1"
	elif pattern verify $dev $((X * 512)) 512 2 2>/dev/null; then what="pattern 2"
	elif pattern verify $dev $((X * 512)) 512 3 2>/dev/null; then what="pattern 3"
	fi
	echo "note: block $X reads $what"
	if [ $acked = 1 ]; then
		[ "$what" = "pattern 3" ] ||
			fail "the write to block $X acknowledged after the failed commit is lost after re-activation: it reads $what, not pattern 3"
		fail "a write to block $X was acknowledged although its commit had failed (it survived re-activation only because copy A happened to hold the entry)"
	fi
	echo "ok: every acknowledged write reads back after re-activation"
	dmsetup remove $r
}

part_a() { variant a; }
part_b() { variant b; }

run_parts "$@" a b
