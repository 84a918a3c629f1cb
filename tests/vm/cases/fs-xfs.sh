# dmr-timeout: 180
# XFS on a remap device: a tree of ~200 files (tools, random data of odd
# sizes, a sparse file, links) keeps its content across umount, fsck, device
# removal and re-creation; the file system is also clean when checked on main
# directly, so the data really is on main at the same offsets.
# (xfsprogs >= 5.19 refuses file systems under 300 MB, hence 320 MB.)
# dmr-lanes: stock trixie
# Not on the debug lane: a file system over the same remap paths that remap-
# fs-ext4, remap-fio-verify and matrix-fio take under the debug kernel: pure
# data volume there.
. "$DMR_LIB"

fsck_clean() {	# fsck_clean DEV: xfs_repair -n must exit 0
	rc=0
	xfs_repair -n "$1" >fsck.log 2>&1 || rc=$?
	[ $rc = 0 ] || { cat fsck.log; fail "xfs_repair -n $1: exit $rc"; }
	echo "ok: xfs_repair -n $1 clean"
}

main=$(nullb_create main 320)
spare=$(nullb_create spare 16)
sz=$(dev_sectors "$main")
dmsetup create r --table "0 $sz remap $main $spare 1 format"

mkfs.xfs -q -f /dev/mapper/r
fs_roundtrip xfs "$main" "$spare"
dmsetup remove r
