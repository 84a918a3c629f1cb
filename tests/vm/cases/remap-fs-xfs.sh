# XFS (512-byte sectors) on a 320 MiB main disk with 512-byte logical blocks
# that fail writes where mkfs.xfs and XFS write: the primary and secondary
# superblocks and AG headers, AG btree roots, the first inode chunk, the log
# (start and further in), and scattered data.  mkfs, a file tree copy,
# xfs_repair -n and a remount succeed; every acknowledged write reads back
# (dmr-logcheck); exactly the bad blocks written are remapped; no I/O error
# reaches XFS.
# dmr-timeout: 600
# dmr-lanes: stock trixie
# Not on the debug lane: a file system over the same remap paths that remap-
# fs-ext4, remap-fio-verify and matrix-fio take under the debug kernel: pure
# data volume there.
. "$DMR_LIB"
. /dmr/lib-logwrites.sh

FSTYPE=xfs
BS=512 SIZE_MB=320
MKFS="mkfs.xfs -f -q"
FSCK="xfs_repair -n"
NEG_SECTOR=400000	# inside the log: zeroed by mkfs, on main

# Layout of mkfs.xfs on 320 MiB (xfsprogs 6.1): 4 AGs of 20480 4 KiB blocks
# (163840 sectors); AG headers (sb, agf, agi, agfl) in sectors 0-3 of each
# AG, btree roots in blocks 1-5, root inode chunk in blocks 16-23; the log is
# 16384 blocks from AG 2 block 6 (sector 327728).
cat >"$DMR_TMP/bad" <<'RANGES'
0 3 meta
8 31 meta
128 135 meta
163840 163843 meta
327680 327683 meta
491520 491523 meta
327728 327735 meta
327800 327899 meta
2000 2015 data
8000 8007 data
20000 20063 data
164000 164031 data
330000 330031 data
500000 500015 data
RANGES
fs_logged_run
