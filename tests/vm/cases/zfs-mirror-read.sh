# Read errors under a ZFS mirror: after a 32 MiB file is written to a mirror
# of two dm-remap devices, four 4 KiB blocks holding its data (found with
# zdb) go bad on side 0's main (null_blk badblocks: reads and writes fail).
# A direct read of one of them fails and leaves it pending; the scrub after
# export and import reads the others, gets EIO through dm-remap, repairs
# from side 1, and the repair writes land on the spare: pending 0, exactly
# the four blocks remapped, their content equal to side 1's; zpool status
# shows the read errors on r0 only and a non-zero repair; after zpool clear
# the next scrub repairs nothing and finds no error; the file is intact.
# dmr-needs: zfs
# dmr-timeout: 600
# dmr-smp: 2
# (Two CPUs for speed, not correctness: on one CPU the ZFS cases pass too
# (zfs-create-mirror in 360-510 s on a guest of its own), but a one-CPU
# guest sharing a loaded machine ran 5-7 times slower and hit the time
# limit, which looked like a hang.  On two CPUs they
# take 110-480 s, depending on the load of the machine.)
# dmr-lanes: stock trixie
# Not on the debug lane: ZFS over the same remap paths that remap-fio-verify
# and remap-fs-ext4 take under the debug kernel; ZFS itself is what KASAN
# slows.
. "$DMR_LIB"
. /dmr/lib-logwrites.sh
. /dmr/lib-zfs.sh

zfs_load
for i in 0 1; do
	nullb_create m$i 256 blocksize=4096 >/dev/null
	nullb_create s$i 32 blocksize=4096 >/dev/null
	dmsetup create r$i --table "0 $(dev_sectors /dev/m$i) remap /dev/m$i /dev/s$i 1 format"
done
zpool create -f -o ashift=12 -O mountpoint=none \
	-O compression=off -O recordsize=128K tank mirror /dev/mapper/r0 /dev/mapper/r1
zfs create -o mountpoint=/mnt/zfs tank/d	# zdb looks objects up in a dataset below the pool
big=$(head -c 33554432 /dev/urandom | tee /mnt/zfs/big | sha256sum | cut -d' ' -f1)
zpool sync tank

# Four data records of the file; in each, one 4 KiB block goes bad.
obj=$(stat -c %i /mnt/zfs/big)
zpool export tank
zfs_file_blocks tank/d "$obj" >"$DMR_TMP/blocks"
assert_eq "$(wc -l <"$DMR_TMP/blocks")" 256 "L0 records of the 32 MiB file"
awk 'NR == 3 || NR == 50 || NR == 120 || NR == 250 { print ($1 + (NR % 32) * 4096) / 4096 }' \
	"$DMR_TMP/blocks" >"$DMR_TMP/badblk"
while read -r b; do
	nullb_badblocks m0 + $((b * 8)) $((b * 8 + 7))
done <"$DMR_TMP/badblk"
echo "bad blocks on side 0: $(tr '\n' ' ' <"$DMR_TMP/badblk")"

# A direct read of the first one fails and makes it pending.
b1=$(head -n1 "$DMR_TMP/badblk")
rc=0
pattern read /dev/mapper/r0 $((b1 * 4096)) 4096 >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 3 "exit status of an O_DIRECT read of bad block $b1 through r0 (3: I/O error)"
assert_eq "$(status_field r0 7) $(status_field r0 6) $(status_field r0 14)" "1 0 degraded" "r0 pending, remapped, health after a failed read"

zpool import -d /dev/mapper/r0 -d /dev/mapper/r1 tank
zpool events -c >/dev/null
rep=$(zpool_scrub tank)
[ "$rep" != 0B ] || fail "the scrub repaired nothing"
echo "ok: scrub repaired $rep"
set -- $(zpool_vdev_errors tank r0)
[ "$1" -gt 0 ] || fail "no read error counted on r0"
assert_eq "$2 $3" "0 0" "r0 write and checksum errors"
echo "ok: r0: $1 read errors counted by ZFS"
assert_eq "$(zpool_vdev_errors tank r1)" "0 0 0" "r1 read, write, checksum errors"
zpool status tank | grep -q '^errors: No known data errors' || fail "data errors after the scrub"

assert_eq "$(status_field r0 6) $(status_field r0 7) $(status_field r0 14)" "4 0 ok" "r0 remapped, pending, health after the scrub"
remap_list r0 | awk '$2 == "remapped" { print $1 }' | sort -n >"$DMR_TMP/remapped"
sort -n "$DMR_TMP/badblk" | cmp - "$DMR_TMP/remapped" || fail "remapped blocks differ from the bad blocks"
[ "$(status_field r0 4)" -ge 4 ] || fail "r0 counted fewer than 4 read errors"
assert_eq "$(status_field r0 12)" 0 "r0 spare errors"
while read -r b; do
	[ "$(read_bytes /dev/mapper/r0 $((b * 4096)) 4096 | sha256sum)" = \
	  "$(read_bytes /dev/mapper/r1 $((b * 4096)) 4096 | sha256sum)" ] ||
		fail "block $b: r0 (spare) differs from r1"
	[ "$(nonzero_bytes /dev/mapper/r1 $((b * 4096)) 4096)" -gt 0 ] || fail "block $b of r1 is empty"
done <"$DMR_TMP/badblk"
echo "ok: the 4 repaired blocks on r0's spare equal r1's"
assert_eq "$(status_field r1 4) $(status_field r1 5) $(status_field r1 6)" "0 0 0" "r1 read errors, write errors, remapped"

zpool clear tank
zpool events -c >/dev/null
assert_eq "$(zpool_scrub tank)" 0B "second scrub repaired"
zpool_assert_clean tank "after the second scrub"
zfs_assert_no_ereports
zpool export tank
zpool import -d /dev/mapper/r0 -d /dev/mapper/r1 tank
assert_eq "$(sha256sum /mnt/zfs/big | cut -d' ' -f1)" "$big" "sha256 of the file after export and import"
zpool export tank
