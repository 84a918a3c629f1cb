# dmr-timeout: 180
# ext4 on a remap device: a tree of ~200 files (tools, random data of odd
# sizes, a sparse file, links) keeps its content across umount, fsck, device
# removal and re-creation; the file system is also clean when checked on main
# directly, so the data really is on main at the same offsets.
# dmr-lanes: stock trixie
# Not on the debug lane: a file system over the same remap paths that remap-
# fs-ext4, remap-fio-verify and matrix-fio take under the debug kernel: pure
# data volume there.
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
fs_roundtrip ext4 "$main" "$spare"
dmsetup remove r
