# dmr-timeout: 120
# Flush and FUA reach main.
#
# Why these checks: with num_flush_bios = 0 dm neither advertises a write-back
# cache nor sends flushes to the target, so an fsync on the dm device returns
# success without main ever seeing a flush; a target that dropped REQ_FUA or
# REQ_PREFLUSH from the bios it passes on has the same effect for FUA writes.
# Nothing fails visibly in either case, so the case looks at main itself:
#  1. main and spare are memory-backed null_blk devices with a write-back
#     cache (cache_size=); the block layer counts, in /sys/block/X/stat field
#     16, only flushes that reach such a device.  fsync on dm must move both
#     counters (flushes go to main and to the spare, which holds remapped
#     data and the remap table).
#  2. the null_blk cache is volatile: powering main off throws away what was
#     not flushed.  Data written through dm and then fsync()ed through dm must
#     survive a power cycle.  A control region written without a flush must
#     NOT survive, which proves the model works (so survival is the flush's
#     doing, not some flush issued elsewhere).
#  3. FUA can't be seen that way (an O_SYNC write on a block device is
#     followed by a flush anyway), so main is put behind dm-log-writes, which
#     records each write with its FLUSH/FUA flags: the log must show the plain
#     write, then a flush, then the O_SYNC write carrying FUA, then a flush.
. "$DMR_LIB"

main=$(nullb_create main 64 cache_size=32)
spare=$(nullb_create spare 16 cache_size=8)
sz=$(dev_sectors "$main")
dmsetup create r --table "0 $sz remap $main $spare 1 format"
q=$(dm_sysfs r)/queue
assert_eq "$(cat /sys/block/main/queue/write_cache)" "write back" "main write_cache"
assert_eq "$(cat "$q/write_cache")" "write back" "dm write_cache"
assert_eq "$(cat "$q/fua")" 1 "dm fua"

flushes() { awk '{ print $16 }' "/sys/block/$1/stat"; }

# --- 1. flush counters of main and spare ----------------------------------------
f0=$(flushes main) s0=$(flushes spare)
sync /dev/mapper/r
f1=$(flushes main) s1=$(flushes spare)
[ "$f1" -gt "$f0" ] || fail "fsync on dm: main's flush count did not move ($f0 -> $f1)"
[ "$s1" -gt "$s0" ] || fail "fsync on dm: spare's flush count did not move ($s0 -> $s1)"
xfs_io -c fsync /dev/mapper/r
f2=$(flushes main) s2=$(flushes spare)
[ "$f2" -gt "$f1" ] || fail "xfs_io fsync on dm: main's flush count did not move ($f1 -> $f2)"
[ "$s2" -gt "$s1" ] || fail "xfs_io fsync on dm: spare's flush count did not move ($s1 -> $s2)"
echo "ok: flush counts: main $f0 -> $f1 -> $f2, spare $s0 -> $s1 -> $s2"
assert_eq "$(status_field r 4) $(status_field r 5)" "0 0" "error counters after flushes"

# --- 2. data across a power cycle of main ---------------------------------------
# Pattern files on tmpfs, copied to dm with O_DIRECT and no fsync
# (dmr-pattern write would fsync, which is exactly what must not happen here).
for s in 1 2; do : >"ref$s"; pattern write "ref$s" 0 1m $s -B; done
put() {	# put FILE OFFSET
	xfs_io -d -c "pwrite -q -i $1 -b 64k $2 1m" /dev/mapper/r
}
put ref1 1m            # A: plain write, then flushed through dm
sync /dev/mapper/r
put ref2 4m            # B: plain write, never flushed (control)
pattern verify /dev/mapper/r 1m 1m 1
pattern verify /dev/mapper/r 4m 1m 2
dmsetup remove r
echo 0 >/sys/kernel/config/nullb/main/power
echo 1 >/sys/kernel/config/nullb/main/power
rc=0
pattern verify "$main" 1m 1m 1 2>err || rc=$?
[ $rc = 0 ] || fail "data flushed through dm lost in main's power cycle: $(cat err)"
echo "ok: data flushed through dm survived main's power cycle"
rc=0
pattern verify "$main" 4m 1m 2 2>err || rc=$?
[ $rc = 1 ] || fail "control: unflushed data should be lost (verify exit $rc, expected 1 = mismatch), so the test cannot tell flushed from unflushed"
echo "ok: control: unflushed data was lost ($(cat err))"

# --- 3. FLUSH and FUA flags as main sees them (dm-log-writes) ----------------
lmain=$(nullb_create lmain 64 cache_size=32)
logdev=$(nullb_create logdev 64)
spare2=$(nullb_create spare2 16)
lsz=$(dev_sectors "$lmain")
dmsetup create lw --table "0 $lsz log-writes $lmain $logdev"
dmsetup create r --table "0 $lsz remap /dev/mapper/lw $spare2 1 format"
assert_eq "$(cat "$(dm_sysfs r)/queue/fua")" 1 "dm fua over log-writes"
xfs_io -d -c "pwrite -q -S 0x11 -b 64k 1m 64k" /dev/mapper/r       # plain write
sync /dev/mapper/r                                                   # flush
xfs_io -d -s -c "pwrite -q -S 0x22 -b 64k 2m 64k" /dev/mapper/r    # O_SYNC: FUA write + flush
dmsetup remove r
dmsetup remove lw     # logs a final mark and writes the log super block
# Log format: sector 0 super (nr_entries at byte 16), then per entry one
# sector {u64 sector, nr_sectors, flags, data_len} followed by nr_sectors of
# data (none for discards).  Flags: 1 FLUSH, 2 FUA, 4 DISCARD, 8 MARK.
read_bytes "$logdev" 0 1048576 >log.img
log=$(od -An -v -t u8 -w512 log.img | awk '
	{ s[NR - 1] = $1 " " $2 " " $3 }
	END {
		split(s[0], sup, " "); n = sup[3]; cur = 1; out = ""
		for (i = 0; i < n; i++) {
			split(s[cur], e, " ")
			f = e[3]; t = ""
			if (and(f, 1)) t = t "F"
			if (and(f, 2)) t = t "U"
			if (and(f, 4)) t = t "D"
			if (and(f, 8)) t = t "M"
			if (e[2] > 0) t = t "W" e[1] "+" e[2]
			out = out (i ? " " : "") t
			cur += 1 + (and(f, 4) ? 0 : e[2])
		}
		print out
	}')
echo "log: $log"
# W2048+128 (plain), F (fsync), UW4096+128 (FUA write), F (O_SYNC's flush), M (end mark)
assert_eq "$log" "W2048+128 F UW4096+128 F M" "main's write log (F flush, U FUA, W sector+count, M mark)"
