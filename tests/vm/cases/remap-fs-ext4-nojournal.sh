# ext4 without a journal, 1 KiB filesystem blocks on a main disk with
# 512-byte logical blocks (a bad sector is half a filesystem block) that fail
# writes where mkfs and the filesystem write: boot sector and superblock,
# group descriptors, bitmaps, inode tables, a backup superblock, scattered
# data.  mkfs, a file tree copy, fsck and a remount succeed; every
# acknowledged write reads back (dmr-logcheck); exactly the bad blocks
# written are remapped; no I/O error reaches ext4.
# dmr-timeout: 600
# dmr-lanes: stock trixie
# Not on the debug lane: a file system over the same remap paths that remap-
# fs-ext4, remap-fio-verify and matrix-fio take under the debug kernel: pure
# data volume there.
. "$DMR_LIB"
. /dmr/lib-logwrites.sh

FSTYPE=ext4
BS=512 SIZE_MB=256
MKFS="mkfs.ext4 -F -q -D -b 1024 -O ^has_journal -E lazy_itable_init=0"
FSCK="e2fsck -fn"
NEG_SECTOR=12000	# inode table: zeroed by mkfs, on main

# Layout of mkfs.ext4 -b 1024 -O ^has_journal on 256 MiB (e2fsprogs 1.47):
# superblock block 1, group descriptors 2-3, reserved GDT 4-259, block
# bitmaps 260-275 (only those of initialised groups are written), inode
# bitmap of group 0 at 276, inode tables 292-16675, backup superblock 8193;
# 32 groups of 8192 blocks.  Sectors, 2 per block.  Only ranges whose 4 KiB
# page is written before it is read (the bad sectors fail reads too, and
# e2fsck reads through the page cache): group 0's bitmaps, not its
# neighbours'.
cat >"$DMR_TMP/bad" <<'RANGES'
0 3 meta
5 6 meta
300 301 meta
521 521 meta
552 553 meta
585 590 meta
10001 10001 meta
16386 16389 meta
RANGES
# Data: files go to the groups of their directories (Orlov spreads them),
# from the start of the group's free space: a range 300 blocks into every
# group, and one odd sector further on.
g=1
while [ $g -lt 32 ]; do
	s=$(( (g * 8192 + 300) * 2 ))
	echo "$s $((s + 15)) data" >>"$DMR_TMP/bad"
	echo "$((s + 301)) $((s + 301)) data" >>"$DMR_TMP/bad"
	g=$((g + 1))
done
fs_logged_run
