# Spares of unexpected sizes under a PARTITION main (part512 and part4k of
# lib-layouts.sh: main a partition at sector 2048 of a loop -P --direct-io
# over null_blk, faults at disk sector 2048 + S), for 512- and 4096-byte
# blocks.
#
# tiny: the spare is a partition just big enough for 4 spare blocks (52
# sectors for 512-byte blocks, 80 for 4 KiB: docs/FORMAT.md, need(4)).
# Writes fail on 7 main blocks, reads still work (LAYOUT_FAULT=w).  The
# first 4 single-block writes to them are remapped, the next 3 return EIO
# (health "exhausted", 3 pending) and leave the old data readable; a
# multi-block write over exhausted bad blocks returns EIO; nothing that
# was acknowledged is lost: the remapped blocks and the blocks outside the
# failed writes read back, also after remove and re-create; the spare
# partition's neighbours on its disk are unchanged (a spare write past the
# end of a 52-sector partition would show there).
#
# toosmall: a spare partition of 48 sectors (less than metadata and one
# spare block) is refused at format with "Spare device too small for
# metadata and one spare block" in the kernel log, by dmremapctl with exit
# 4 and "is too small", and nothing on it is written.  The smallest spare
# that works (49 sectors, 56 for 4 KiB) formats with exactly 1 spare block,
# remaps one block and refuses the second.
#
# huge: the spare is a 2 TiB sparse file on a loop device (sector size =
# main's block): it formats and activates, 10 bad blocks (the partition's
# first and last among them, and two under one 64 KiB write) are remapped
# to spare blocks 0.. at spare_start + k * stride, and all data reads back
# after remove and re-create without format.
. "$DMR_LIB"
. /dmr/lib-layouts.sh

# need SLOTS BS: sectors of a spare that holds exactly SLOTS spare blocks
# (for a few slots: 48 sectors of superblocks and metadata, then the slots).
need() {
	echo $((48 + $1 * $2 / 512))
}

# check_region N: blocks 0..N-1 of part_tiny's region hold what was
# acknowledged: pattern 2 in blocks 1, 3, 5, 7, pattern 1 elsewhere.
check_region() {
	for i in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
		[ "$i" -lt "$1" ] || break
		case $i in 1 | 3 | 5 | 7) seed=2 ;; *) seed=1 ;; esac
		pattern verify "$dev" $(((r0 + i) * bs)) "$bs" $seed -p $((i * bs)) ||
			fail "region block $i: not pattern $seed"
	done
}

part_tiny() {
	t_part=$(date +%s)
	# shellcheck disable=SC2034 # read by layout_make
	LAYOUT_FAULT=w
	for bs in 512 4096; do
		echo "=== $bs-byte blocks"
		l=part4k
		[ $bs != 512 ] || l=part512
		layout_make $l 16 "$(need 4 $bs)s"
		layout_create r format
		assert_eq "$(status_field r 9)" 4 "spare blocks of a $(need 4 $bs)-sector spare"
		dev=/dev/mapper/r
		# A 64 KiB region at 1 MiB: 16 or 128 blocks, written first.
		r0=$((1048576 / bs))		# first block of the region
		pattern write $dev 1m 64k 1
		# Writes fail on region blocks 1, 3, ..., 13.
		for i in 1 3 5 7 9 11 13; do
			layout_bad + $(((r0 + i) * bs / 512)) $(((r0 + i + 1) * bs / 512 - 1))
		done
		for i in 1 3 5 7; do
			pattern write $dev $(((r0 + i) * bs)) $bs 2 -p $((i * bs))
		done
		assert_eq "$(status_field r 6) $(status_field r 8) $(status_field r 14)" "4 4 exhausted" \
			"remapped, spare used, health after 4 remaps"
		for i in 9 11 13; do
			expect_fail "Input/output error" pattern write $dev $(((r0 + i) * bs)) $bs 2 -p $((i * bs))
		done
		assert_eq "$(status_field r 6) $(status_field r 7)" "4 3" "remapped, pending after exhaustion"
		# What was acknowledged is there; the failed writes left the old data.
		check_region 16
		echo "ok: remapped blocks hold the new data, exhausted ones the old"
		# A multi-block write over region blocks 6..15 (remapped 7, pending
		# 9, 11, 13) fails; blocks 0..5 are untouched.
		expect_fail "Input/output error" pattern write $dev $(((r0 + 6) * bs)) $((10 * bs)) 3
		check_region 6
		dmsetup remove r
		layout_create r
		assert_eq "$(status_field r 6) $(status_field r 7) $(status_field r 14)" "4 3 exhausted" \
			"remapped, pending, health after re-create"
		check_region 6
		for i in 1 3 5; do
			pattern verify "$L_SPARE" $(($(stat_value r spare_start) * 512 + (i / 2) * bs)) $bs 2 -p $((i * bs)) ||
				fail "spare block $((i / 2)) does not hold region block $i"
		done
		echo "ok: after re-create: the acknowledged data, on spare blocks 0.."
		dmsetup remove r
		layout_guard_check
		layout_destroy
	done
	echo "part time: $(($(date +%s) - t_part)) s"
}

part_toosmall() {
	t_part=$(date +%s)
	for bs in 512 4096; do
		echo "=== $bs-byte blocks"
		l=part4k
		[ $bs != 512 ] || l=part512
		layout_make $l 16 48s
		pattern write "$L_SPARE" 0 48s 7
		dmesg -c >/dev/null
		if layout_create r format 2>"$DMR_TMP/err"; then
			fail "a 48-sector spare was formatted"
		fi
		echo "refused: $(cat "$DMR_TMP/err")"
		dmesg | grep -q 'remap: Spare device too small for metadata and one spare block' ||
			fail "no 'Spare device too small' in the kernel log: $(dmesg | tail -n 3)"
		echo "ok: kernel: $(dmesg | grep 'too small')"
		expect_exit 4 "is too small" dmremapctl create r "$L_MAIN" "$L_SPARE" --format
		[ ! -e /dev/mapper/r ] || fail "a device r was left behind"
		pattern verify "$L_SPARE" 0 48s 7 || fail "the refused spare was written"
		layout_guard_check
		layout_destroy

		# The smallest spare that works: one spare block.
		layout_make $l 16 "$(need 1 $bs)s"
		layout_create r format
		assert_eq "$(status_field r 9)" 1 "spare blocks of a $(need 1 $bs)-sector spare"
		layout_bad + 800 $((800 + 2 * bs / 512 - 1))	# main blocks at sector 800
		pattern write /dev/mapper/r 800s $bs 8
		expect_fail "Input/output error" pattern write /dev/mapper/r $((800 * 512 + bs)) $bs 8
		assert_eq "$(status_field r 6) $(status_field r 14)" "1 exhausted" "remapped, health"
		pattern verify /dev/mapper/r 800s $bs 8
		pattern verify "$L_SPARE" $(($(stat_value r spare_start) * 512)) $bs 8
		dmsetup remove r
		layout_guard_check
		layout_destroy
	done
	echo "part time: $(($(date +%s) - t_part)) s"
}

part_huge() {
	t_part=$(date +%s)
	for bs in 512 4096; do
		echo "=== $bs-byte blocks"
		l=part4k
		[ $bs != 512 ] || l=part512
		layout_make $l 32 1
		L_SPARE=$(loopfile_create "$DMR_TMP/huge.img" 2097152 $bs)	# 2 TiB
		assert_eq "$(dev_sectors "$L_SPARE")" $((2097152 * 2048)) "spare size in sectors"
		layout_create r format
		total=$(status_field r 9)
		mblocks=$((L_LEN * 512 / bs))
		[ "$total" -gt $((2097152 * 2048 / (bs / 512) / 2)) ] ||
			fail "only $total spare blocks on a 2 TiB spare"
		echo "ok: $total spare blocks of $bs bytes"
		ss=$(stat_value r spare_start) stride=$(stat_value r spare_stride)
		# 10 bad blocks: the partition's first and last, two under one
		# 64 KiB write at 8 MiB, and six more.
		blocks="0 $((mblocks - 1)) $((8388608 / bs + 3)) $((8388608 / bs + 9))"
		for k in 1 2 3 4 5 6; do blocks="$blocks $((k * 977 + 13))"; done
		for b in $blocks; do layout_bad + $((b * bs / 512)) $(((b + 1) * bs / 512 - 1)); done
		pattern write /dev/mapper/r 0 $bs 1
		pattern write /dev/mapper/r $(((mblocks - 1) * bs)) $bs 2
		pattern write /dev/mapper/r 8m 64k 3 -b 64k
		for k in 1 2 3 4 5 6; do
			pattern write /dev/mapper/r $(((k * 977 + 13) * bs)) $bs $((k + 3))
		done
		assert_eq "$(status_field r 6) $(status_field r 7) $(status_field r 14)" "10 0 ok" \
			"remapped, pending, health"
		pattern verify "$L_SPARE" $((ss * 512)) $bs 1
		pattern verify "$L_SPARE" $((ss * 512 + stride)) $bs 2
		echo "ok: main's first and last block on spare blocks 0 and 1 (spare_start $ss, stride $stride)"
		dmsetup remove r
		layout_create r
		pattern verify /dev/mapper/r 0 $bs 1
		pattern verify /dev/mapper/r $(((mblocks - 1) * bs)) $bs 2
		pattern verify /dev/mapper/r 8m 64k 3
		for k in 1 2 3 4 5 6; do
			pattern verify /dev/mapper/r $(((k * 977 + 13) * bs)) $bs $((k + 3))
		done
		assert_eq "$(status_field r 6) $(status_field r 4)" "10 0" "remapped, read errors after re-create"
		echo "ok: all data back after re-create"
		dmsetup remove r
		losetup -d "$L_SPARE"
		rm "$DMR_TMP/huge.img"
		layout_guard_check
		layout_destroy
	done
	echo "part time: $(($(date +%s) - t_part)) s"
}

run_parts "$@" tiny toosmall huge
