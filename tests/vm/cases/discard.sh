# dmr-timeout: 120
# Discard and write-zeroes pass through to main.
#  - discard: memory-backed null_blk with discard=1 frees the discarded
#    sectors, which then read back as zeros.  A discard through dm must reach
#    main as a discard (main's discard counter moves), zero exactly the range
#    on main and through dm, and leave the neighbours' data alone.
#  - BLKZEROOUT (blkdiscard -z) and fallocate(ZERO_RANGE) zero a range
#    (null_blk has no write-zeroes support, so the kernel falls back to
#    writing zero pages): exactly the range, on main and through dm.
#  - REQ_OP_WRITE_ZEROES proper: a loop device over a tmpfs file supports it
#    (as hole punching).  fallocate(PUNCH_HOLE) on a block device issues it
#    with no fallback, so it fails unless dm advertises and forwards it; the
#    backing file's allocated blocks shrink only if the loop device got it.
. "$DMR_LIB"

main=$(nullb_create main 64 discard=1)
spare=$(nullb_create spare 16)
sz=$(dev_sectors "$main")
dmsetup create r --table "0 $sz remap $main $spare 1 format"
q=$(dm_sysfs r)/queue
[ "$(cat "$q/discard_max_bytes")" -gt 0 ] || fail "dm device does not advertise discard"
echo "ok: dm discard_max_bytes $(cat "$q/discard_max_bytes")"

discards() { awk '{ print $12 }' /sys/block/main/stat; }

# [A | D | B] with D not 4k aligned at either end: 1m+3s .. 3m+8s.
a_len=$((1048576 + 3 * 512)) d_off=$((1048576 + 3 * 512)) d_len=$((2097152 + 5 * 512))
b_off=$((d_off + d_len)) b_len=$((8388608 - d_off - d_len))
pattern write /dev/mapper/r 0 $a_len 1
pattern write /dev/mapper/r $d_off $d_len 2
pattern write /dev/mapper/r $b_off $b_len 3
neighbours_intact() {
	for dev in /dev/mapper/r "$main"; do
		pattern verify "$dev" 0 $a_len 1
		pattern verify "$dev" $b_off $b_len 3
	done
	echo "ok: neighbours keep their data ($*)"
}

d0=$(discards)
blkdiscard -o $d_off -l $d_len /dev/mapper/r
d1=$(discards)
[ "$d1" -gt "$d0" ] || fail "main's discard count did not move ($d0 -> $d1)"
echo "ok: main saw $((d1 - d0)) discard request(s)"
assert_eq "$(nonzero_bytes "$main" $d_off $d_len)" 0 "non-zero bytes in discarded range on main"
assert_eq "$(nonzero_bytes /dev/mapper/r $d_off $d_len)" 0 "non-zero bytes in discarded range via dm"
neighbours_intact discard
assert_eq "$(status_field r 4) $(status_field r 5)" "0 0" "read/write error counters after discard"

# Zeroing part of B: BLKZEROOUT ([4m+1s, 5m+1s), util-linux blkdiscard -z;
# busybox's blkdiscard has no -z and busybox sh prefers its applets, hence
# the full path) and fallocate(ZERO_RANGE) ([6m, 6m+3s), xfs_io fzero).
# B is compared with a reference copy holding the expected zeros.
pattern write /dev/mapper/r $d_off $d_len 2     # refill the discarded range
: >ref
pattern write ref 0 $b_len 3 -B
z1=$((4194304 + 512)) z1_len=1048576 z2=6291456 z2_len=1536
/dmr/bin/blkdiscard -z -o $z1 -l $z1_len /dev/mapper/r
xfs_io -c "fzero $z2 $z2_len" /dev/mapper/r
dd if=/dev/zero bs=512 count=$((z1_len / 512)) seek=$(((z1 - b_off) / 512)) of=ref conv=notrunc 2>/dev/null
dd if=/dev/zero bs=512 count=$((z2_len / 512)) seek=$(((z2 - b_off) / 512)) of=ref conv=notrunc 2>/dev/null
for dev in /dev/mapper/r "$main"; do
	assert_eq "$(nonzero_bytes "$dev" $z1 $z1_len)" 0 "non-zero bytes in BLKZEROOUT range on $dev"
	assert_eq "$(nonzero_bytes "$dev" $z2 $z2_len)" 0 "non-zero bytes in fzero range on $dev"
	read_bytes "$dev" $b_off $b_len | cmp - ref || fail "B on $dev differs from pattern with zeroed holes"
	pattern verify "$dev" 0 $a_len 1
	pattern verify "$dev" $d_off $d_len 2
done
echo "ok: BLKZEROOUT and ZERO_RANGE zeroed exactly their ranges"

# Whole-device discard.
blkdiscard /dev/mapper/r
assert_eq "$(nonzero_bytes "$main" 0 $((sz * 512)))" 0 "non-zero bytes on main after full discard"
dmsetup remove r

# --- REQ_OP_WRITE_ZEROES through a loop main ---------------------------------
truncate -s 32M loopfile
lo=$(loop_create loopfile)
lsz=$(dev_sectors "$lo")
spare2=$(nullb_create spare2 16)
dmsetup create w --table "0 $lsz remap $lo $spare2 1 format"
q=$(dm_sysfs w)/queue
[ "$(cat "$q/write_zeroes_max_bytes")" -gt 0 ] || fail "dm device does not advertise write-zeroes"
echo "ok: dm write_zeroes_max_bytes $(cat "$q/write_zeroes_max_bytes")"
pattern write /dev/mapper/w 0 8m 4
blocks0=$(stat -c %b loopfile)
# fpunch = fallocate(PUNCH_HOLE|KEEP_SIZE) = REQ_OP_WRITE_ZEROES, no fallback.
xfs_io -c "fpunch 2m 4m" /dev/mapper/w
blocks1=$(stat -c %b loopfile)
[ "$blocks1" -lt "$blocks0" ] || fail "loop file did not lose blocks ($blocks0 -> $blocks1): write-zeroes did not reach main"
echo "ok: write-zeroes reached the loop device (file blocks $blocks0 -> $blocks1)"
assert_eq "$(nonzero_bytes "$lo" 2097152 4194304)" 0 "non-zero bytes in punched range on main"
assert_eq "$(nonzero_bytes /dev/mapper/w 2097152 4194304)" 0 "non-zero bytes in punched range via dm"
read_bytes /dev/mapper/w 0 8388608 >all
: >ref8
pattern write ref8 0 8m 4 -B
dd if=/dev/zero bs=1M count=4 2>/dev/null | dd of=ref8 bs=1M seek=2 conv=notrunc 2>/dev/null
cmp all ref8 || fail "data around the punched range changed"
echo "ok: punched range zero, neighbours intact"
echo "note: status after write-zeroes: $(dm_status w)"
dmsetup remove w
losetup -d "$lo"
