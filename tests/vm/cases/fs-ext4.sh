# dmr-timeout: 180
# ext4 on a remap device: a tree of ~200 files (tools, random data of odd
# sizes, a sparse file, links) keeps its content across umount, fsck, device
# removal and re-creation; the file system is also clean when checked on main
# directly, so the data really is on main at the same offsets.
. "$DMR_LIB"

fsck_clean() {	# fsck_clean DEV: e2fsck -fn must exit 0
	rc=0
	e2fsck -fn "$1" >fsck.log 2>&1 || rc=$?
	[ $rc = 0 ] || { cat fsck.log; fail "e2fsck -fn $1: exit $rc"; }
	echo "ok: e2fsck -fn $1 clean"
}

main=$(nullb_create main 256)
spare=$(nullb_create spare 16)
sz=$(dev_sectors "$main")
dmsetup create r --table "0 $sz remap $main $spare 1 format"

mkfs.ext4 -q /dev/mapper/r
mkdir -p /mnt/x
mount -t ext4 /dev/mapper/r /mnt/x
fs_populate /mnt/x
fs_sums /mnt/x >sums.before
n=$(grep -c '^[0-9a-f]\{64\} ' sums.before)
[ "$n" -ge 200 ] || fail "only $n files created"
echo "ok: $n files written"
umount /mnt/x
echo 3 >/proc/sys/vm/drop_caches

fsck_clean /dev/mapper/r
dmsetup remove r
fsck_clean "$main"

dmsetup create r --table "0 $sz remap $main $spare"     # spare already formatted
mount -t ext4 /dev/mapper/r /mnt/x
fs_sums /mnt/x >sums.after
diff sums.before sums.after || fail "file tree changed after remount"
assert_eq "$(status_field r 4) $(status_field r 5) $(status_field r 6)" "0 0 0" "read errors, write errors, remaps"
echo "ok: $n files identical after umount, fsck, re-create and remount"

# Deleting and overwriting after the remount keeps the file system consistent.
rm -r /mnt/x/gen/d3
head -c 1000000 /dev/urandom >/mnt/x/tools/dmsetup
sha256sum /mnt/x/tools/dmsetup >sum.new
umount /mnt/x
fsck_clean /dev/mapper/r
mount -t ext4 -o ro /dev/mapper/r /mnt/x
sha256sum -c sum.new >/dev/null || fail "overwritten file changed across remount"
[ ! -e /mnt/x/gen/d3 ] || fail "deleted directory came back"
echo "ok: overwrite and delete persisted"
umount /mnt/x
dmsetup remove r
