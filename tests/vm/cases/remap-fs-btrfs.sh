# btrfs (4 KiB sectors, DUP metadata) on a 256 MiB main disk with 4 KiB
# blocks that fail writes (reads still return the old data: wfail) where
# mkfs.btrfs and btrfs write: the primary superblock and its 64 MiB mirror,
# both copies of the system chunk (chunk root) and of the start of the
# metadata chunk, and scattered data in the first data chunk and in the
# chunks allocated later.  mkfs, a file tree copy, `btrfs check`, a scrub
# with no error and zero device error counters, and a remount succeed; every
# acknowledged write reads back (dmr-logcheck); exactly the bad blocks
# written are remapped; no I/O error reaches btrfs.
# dmr-timeout: 600
# dmr-lanes: stock trixie
# Not on the debug lane: a file system over the same remap paths that remap-
# fs-ext4, remap-fio-verify and matrix-fio take under the debug kernel: pure
# data volume there.
. "$DMR_LIB"
. /dmr/lib-logwrites.sh

FSTYPE=btrfs FAULT=wfail
BS=4096 SIZE_MB=256
MKFS="mkfs.btrfs -f -q -K -s 4096"
FSCK=btrfs_check_scrub
NEG_SECTOR=2000		# zeroed by mkfs (first 2 MiB), on main

# btrfs_check_scrub DEV: btrfs check, then mount, scrub (no error, device
# error counters all zero), umount.
btrfs_check_scrub() {
	btrfs check "$1" || return 1
	mkdir -p /var/lib/btrfs
	mount -t btrfs "$1" /mnt/fs || return 1
	rc=0
	btrfs scrub start -B -d /mnt/fs || rc=1
	btrfs device stats -c /mnt/fs || rc=1
	umount /mnt/fs
	[ $rc = 0 ] || return 1
	echo "btrfs check, scrub and device stats clean"
}

# Layout of mkfs.btrfs -s 4096 on 256 MiB (btrfs-progs 6.2), byte offsets on
# the device: superblock 64 KiB and 64 MiB; data chunk 13 MiB (8 MiB);
# system chunk DUP at 21 MiB and 29 MiB, chunk root 16 KiB into each;
# metadata chunk DUP at 37 MiB and 69 MiB (32 MiB each); later chunks from
# 100 MiB.  Sectors.
cat >"$DMR_TMP/bad" <<'RANGES'
128 135 meta
131072 131079 meta
43008 43135 meta
59392 59519 meta
75776 76287 meta
141312 141823 meta
26624 26655 data
30000 30063 data
36000 36007 data
42000 42127 data
210000 210063 data
250000 250031 data
300000 300007 data
400000 400127 data
RANGES
fs_logged_run
