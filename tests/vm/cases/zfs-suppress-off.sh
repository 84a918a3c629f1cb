# suppress off under ZFS: in a mirror of two dm-remap devices, r0 is set to
# "suppress off" and its main then fails writes (reads return the old data:
# wfail) in 64 KiB ranges every 4 MiB of the data area.  A 64 MiB file and a
# tree are written: the write errors reach ZFS (r0's WRITE count in zpool
# status), none is absorbed (errors_suppressed 0, the failed blocks pending),
# r1 has no error.  Nothing is lost: after export and import the data is
# intact.  With suppress on again, the resilver and scrub repair r0 from r1
# and the repair writes to the pending blocks land on r0's spare; after
# zpool clear the next scrub repairs nothing and finds no error.
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
nullb_create m0 256 blocksize=4096 >/dev/null
nullb_create m1 256 blocksize=4096 >/dev/null
nullb_create s0 32 blocksize=4096 >/dev/null
nullb_create s1 32 blocksize=4096 >/dev/null
mw=$(wfail_create m0w /dev/m0)
sz=$(dev_sectors /dev/m0)
dmsetup create r0 --table "0 $sz remap $mw /dev/s0 1 format"
dmsetup create r1 --table "0 $sz remap /dev/m1 /dev/s1 1 format"
zpool create -f -o ashift=12 -o cachefile=none -O mountpoint=/mnt/zfs \
	-O compression=off tank mirror /dev/mapper/r0 /dev/mapper/r1

dmsetup message r0 0 suppress off
assert_eq "$(status_field r0 13)" off "r0 suppress"
ranges="" k=0
while [ $k -lt 60 ]; do
	a=$((16384 + k * 8192))
	ranges="$ranges $a-$((a + 127))"
	k=$((k + 1))
done
# shellcheck disable=SC2086 # one FIRST-LAST word per range
wfail_set m0w /dev/m0 $ranges
zpool events -c >/dev/null

make_tree "$DMR_TMP/tree" 300
tree_sums "$DMR_TMP/tree" >"$DMR_TMP/sums"
cp -a "$DMR_TMP/tree" /mnt/zfs/
big=$(head -c 67108864 /dev/urandom | tee /mnt/zfs/big | sha256sum | cut -d' ' -f1)
zpool sync tank
echo "r0: $(dm_status r0)"
zpool status -p tank

set -- $(zpool_vdev_errors tank r0)
[ "$2" -gt 0 ] || fail "no write error reached ZFS on r0"
echo "ok: ZFS counted $2 write errors on r0"
assert_eq "$(zpool_vdev_errors tank r1)" "0 0 0" "r1 read, write, checksum errors"
[ "$(status_field r0 5)" -gt 0 ] || fail "r0: no write error on main"
assert_eq "$(status_field r0 11)" 0 "r0 errors suppressed"
p=$(status_field r0 7)
[ "$p" -gt 0 ] || fail "r0: no pending block after failed writes"
assert_eq "$(status_field r0 14)" degraded "r0 health with pending blocks"
echo "ok: r0: $(status_field r0 5) write errors returned, $p blocks pending"
zpool events -H | grep -q 'ereport.fs.zfs.io' || fail "ZFS posted no I/O error report"
echo "ok: ZFS posted I/O error reports"

zpool export tank
zpool import -d /dev/mapper/r0 -d /dev/mapper/r1 tank
tree_sums /mnt/zfs/tree >"$DMR_TMP/sums2"
cmp "$DMR_TMP/sums" "$DMR_TMP/sums2" || fail "file checksums differ after export and import"
assert_eq "$(sha256sum /mnt/zfs/big | cut -d' ' -f1)" "$big" "sha256 of the 64 MiB file after import"

# Back to suppress on (new allocations may still land on bad ranges): the
# resilver after the import and the scrub rewrite r0's missing blocks, and
# those writes to pending blocks go to the spare.
dmsetup message r0 0 suppress on
rep=$(zpool_scrub tank)
zpool status tank | sed -n 's/^ *scan: /scan: /p'
nr=$(status_field r0 6)
[ "$nr" -gt 0 ] || fail "r0: no repair write landed on the spare"
assert_eq "$(status_field r0 12)" 0 "r0 spare errors"
echo "ok: scrub repaired $rep, $nr blocks remapped by ZFS's repairs, $(status_field r0 7) still pending (freed blocks)"
assert_eq "$(zpool_vdev_errors tank r1)" "0 0 0" "r1 read, write, checksum errors"

zpool clear tank
zpool events -c >/dev/null
assert_eq "$(zpool_scrub tank)" 0B "second scrub repaired"
zpool_assert_clean tank "after the second scrub"
zfs_assert_no_ereports
tree_sums /mnt/zfs/tree >"$DMR_TMP/sums3"
cmp "$DMR_TMP/sums" "$DMR_TMP/sums3" || fail "file checksums differ after the scrubs"
zpool export tank
