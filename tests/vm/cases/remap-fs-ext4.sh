# ext4 (journal, 4 KiB blocks) on a main disk whose 4 KiB blocks fail writes
# (reads still work: wfail, since mkfs updates the 1 KiB primary superblock
# inside block 0 by read-modify-write) where mkfs and the filesystem write:
# superblock, group descriptors, reserved GDT, bitmaps, inode table, journal,
# a backup superblock, and scattered data blocks.  mkfs, a file tree copy,
# fsck and a remount all succeed; every acknowledged write reads back
# (dm-log-writes log checked by dmr-logcheck); exactly the bad blocks written
# are remapped; no I/O error reaches ext4.
# dmr-timeout: 600
. "$DMR_LIB"
. /dmr/lib-logwrites.sh

FSTYPE=ext4 FAULT=wfail
BS=4096 SIZE_MB=256
MKFS="mkfs.ext4 -F -q -b 4096 -E lazy_itable_init=0,lazy_journal_init=0"
FSCK="e2fsck -fn"
NEG_SECTOR=4000		# inode table block 500: zeroed by mkfs, on main

# Layout of mkfs.ext4 -b 4096 on 256 MiB (e2fsprogs 1.47): superblock in
# block 0, group descriptors 1, reserved GDT 2-32, bitmaps 33-36, inode
# tables 37-4132, journal (inode 8) 32801-36896 with its superblock first,
# backup superblock 32768; data from block 4139.  Sectors, 8 per block.
cat >"$DMR_TMP/bad" <<'RANGES'
0 7 meta
8 15 meta
80 87 meta
264 271 meta
280 287 meta
296 311 meta
8000 8007 meta
262144 262151 meta
262408 262415 meta
262424 262455 meta
33600 33631 data
36000 36007 data
40000 40127 data
56000 56007 data
96000 96031 data
296000 296031 data
304000 304007 data
320000 320007 data
328000 328063 data
352000 352007 data
480000 480007 data
RANGES
fs_logged_run
