# Helpers for guest case scripts: source with  . "$DMR_LIB"
# (busybox sh; cases run under `sh -e`, so any failing command fails the case).

fail() {
	echo "FAIL: $*"
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

# assert_eq ACTUAL EXPECTED WHAT
assert_eq() {
	[ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
	echo "ok: $3 = $2"
}

# expect_fail PATTERN CMD...: CMD must fail and its output must contain PATTERN.
expect_fail() {
	pat=$1
	shift
	if out=$("$@" 2>&1); then
		fail "'$*' succeeded, expected failure matching '$pat'"
	fi
	case "$out" in
	*"$pat"*) echo "ok: '$*' failed with '$pat'" ;;
	*) fail "'$*' failed, but without '$pat': $out" ;;
	esac
}

# expect_exit CODE PATTERN CMD...: CMD must exit with status CODE and its
# stderr must contain PATTERN (an empty PATTERN: stderr must be empty).
# Soft checks: a failure is counted in nfail and the case goes on (it ends
# with a test of nfail), so one run shows every failing check.
nfail=0
check() {	# check WHAT CMD...: CMD must succeed; a failure is counted, the case goes on
	what=$1
	shift
	if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; nfail=$((nfail + 1)); fi
}
check_eq() {	# check_eq ACTUAL EXPECTED WHAT
	if [ "$1" = "$2" ]; then echo "ok: $3 = $2"; else
		echo "FAIL: $3: got '$1', expected '$2'"
		nfail=$((nfail + 1))
	fi
}
eio() {	# eio DEV OFFSET LENGTH: an O_DIRECT read of the range fails with EIO
	e_out=$(pattern read "$@" 2>&1) && return 1
	case "$e_out" in *"Input/output error"*) return 0 ;; esac
	echo "$e_out"
	return 1
}

expect_exit() {
	code=$1 pat=$2
	shift 2
	rc=0
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	[ "$rc" = "$code" ] || fail "'$*' exited $rc, expected $code: $err"
	if [ -z "$pat" ]; then
		[ -z "$err" ] || fail "'$*' wrote to stderr: $err"
	else
		case "$err" in
		*"$pat"*) ;;
		*) fail "'$*' exited $code, but its stderr lacks '$pat': $err" ;;
		esac
	fi
	echo "ok: '$*' exited $code${pat:+ with '$pat'}"
}

# nullb_create NAME SIZE_MB [KEY=VALUE...]: memory-backed null_blk device
# configured through configfs; prints its /dev path.  Extra attributes
# (blocksize=4096, badblocks are separate) are written before power-on.
nullb_create() {
	name=$1 size=$2
	shift 2
	d=/sys/kernel/config/nullb/$name
	mkdir "$d"
	echo "$size" >"$d/size"
	echo 1 >"$d/memory_backed"
	for kv in "$@"; do
		echo "${kv#*=}" >"$d/${kv%%=*}"
	done
	echo 1 >"$d/power"
	echo "/dev/$name"
}

# nullb_badblocks NAME +|- FIRST LAST: add (+) or remove (-) a bad sector
# range, in chunks of at most 512 sectors (larger writes corrupt the list on
# 6.1), then check the list reads back as expected.
nullb_badblocks() {
	name=$1 op=$2 first=$3 last=$4
	f=/sys/kernel/config/nullb/$name/badblocks
	s=$first
	while [ "$s" -le "$last" ]; do
		e=$((s + 511))
		[ "$e" -gt "$last" ] && e=$last
		echo "$op$s-$e" >"$f"
		s=$((e + 1))
	done
	if [ "$op" = + ]; then
		# The list reads back as "<first sector> <count>" lines.
		n=$(awk -v a="$first" -v b="$last" \
			'{ s = $1; e = $1 + $2 - 1 }
			 s <= b && e >= a { c += ((e < b ? e : b) - (s > a ? s : a) + 1) }
			 END { print c+0 }' "$f")
		[ "$n" -eq $((last - first + 1)) ] ||
			fail "null_blk badblocks list is missing sectors ($n of $((last - first + 1)))"
	fi
}

# loop_create FILE: attach FILE to a free loop device; prints its path.
# (busybox's losetup, which the shell prefers, has no --show.)
loop_create() {
	l=$(losetup -f)
	losetup "$l" "$1"
	echo "$l"
}

# step TEXT, show CMD...: narration for the demos (a heading; a command
# printed, then run).
step() {
	echo
	echo "==> $*"
}
show() {
	echo "# $*"
	"$@"
}

# dev_sectors DEV: size in 512-byte sectors.
dev_sectors() {
	blockdev --getsz "$1"
}

# pattern write|verify DEV OFFSET LENGTH SEED [opts]: see dmr-pattern.
pattern() {
	dmr-pattern "$@"
}

# dm_status NAME: the target-specific part of `dmsetup status` (fields
# after "<start> <len> remap").
dm_status() {
	dmsetup status "$1" | cut -d' ' -f4-
}

# dm_table NAME: the target-specific part of `dmsetup table`.
dm_table() {
	dmsetup table "$1" | cut -d' ' -f4-
}

# status_field NAME N: Nth field (1-based) of dm_status.
status_field() {
	dm_status "$1" | cut -d' ' -f"$2"
}

# majmin DEV: "major:minor" of a block device.
majmin() {
	printf '%d:%d\n' "0x$(stat -L -c %t "$1")" "0x$(stat -L -c %T "$1")"
}

# wfail_table SIZE FIRST-LAST...: a dm table of SIZE sectors over $wfail_dev
# that errors the given sector ranges (sorted, non-overlapping).
wfail_table() {
	size=$1
	shift
	pos=0
	for r in "$@"; do
		a=${r%-*} b=${r#*-}
		[ "$a" -gt "$pos" ] && echo "$pos $((a - pos)) linear $wfail_dev $pos"
		echo "$a $((b - a + 1)) error"
		pos=$((b + 1))
	done
	[ "$pos" -lt "$size" ] && echo "$pos $((size - pos)) linear $wfail_dev $pos"
	return 0
}

# wfail_create NAME DEV [FIRST-LAST...]: /dev/mapper/NAME reads from DEV but
# fails writes to the given sector ranges, like a disk whose firmware can no
# longer reallocate.  dm-delay sends reads to DEV and writes to NAME-w, a
# linear table with error segments.  Prints the device path.
wfail_create() {
	name=$1 wfail_dev=$2
	shift 2
	size=$(dev_sectors "$wfail_dev")
	wfail_table "$size" "$@" | dmsetup create "$name-w"
	dmsetup create "$name" --table "0 $size delay $wfail_dev 0 0 /dev/mapper/$name-w 0 0"
	echo "/dev/mapper/$name"
}

# wfail_set NAME DEV [FIRST-LAST...]: replace the failing ranges at runtime.
wfail_set() {
	name=$1 wfail_dev=$2
	shift 2
	size=$(dev_sectors "$wfail_dev")
	wfail_table "$size" "$@" | dmsetup reload "$name-w"
	dmsetup suspend "$name-w"
	dmsetup resume "$name-w"
}

# stat_value NAME KEY: one value of the target's `stats` message.
stat_value() {
	dmsetup message "$1" 0 stats | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# --- helpers shared by the data, file system and discard cases --------------

# dm_sysfs NAME: sysfs directory of a dm device (/sys/dev/block/MAJ:MIN).
dm_sysfs() {
	echo "/sys/dev/block/$(majmin "/dev/mapper/$1")"
}

# read_bytes DEV OFFSET LENGTH: a byte range of DEV on stdout, read after
# dropping DEV's page cache.  (busybox dd's iflag=direct silently falls back
# to buffered reads when its buffer is not aligned, so it can return stale
# cached data; write the device with O_DIRECT or through another device and
# this still reads what is on it.)
read_bytes() {
	blockdev --flushbufs "$1"
	dd if="$1" bs=64k iflag=skip_bytes,count_bytes skip="$2" count="$3" 2>/dev/null
}

# nonzero_bytes DEV OFFSET LENGTH: how many bytes in the range are not zero.
nonzero_bytes() {
	read_bytes "$@" | tr -d '\000' | wc -c
}

# fs_populate DIR: fill DIR with a tree of about 200 files: copies of the
# guest's tools, generated files of sizes from 0 bytes to a few MB (odd sizes
# included), nested directories, a sparse file and links.
fs_populate() {
	mkdir -p "$1/tools" "$1/gen"
	cp -a /dmr/bin/. "$1/tools/"
	i=0
	while [ $i -lt 180 ]; do
		d=$1/gen/d$((i % 9))/e$((i % 4))
		mkdir -p "$d"
		head -c $(((i * 7919) % 131072 + i * 3)) /dev/urandom >"$d/f$i"
		i=$((i + 1))
	done
	head -c 4194305 /dev/urandom >"$1/gen/big"
	for n in 0 1 511 512 4095 4096 4097 65537; do
		head -c $n /dev/urandom >"$1/gen/size$n"
	done
	truncate -s 48M "$1/gen/sparse"
	head -c 65536 /dev/urandom | dd of="$1/gen/sparse" bs=4096 seek=3000 conv=notrunc 2>/dev/null
	ln "$1/gen/big" "$1/gen/big.hardlink"
	ln -s gen/big "$1/big.symlink"
}

# fs_sums DIR: sorted "sha256  path" list of every file under DIR, followed
# by the sorted list of all names with their types (so lost or extra
# directories and links show up too).
fs_sums() {
	(cd "$1" && find . -type f | sort | xargs sha256sum && find . | sort | while read -r p; do
		echo "$(stat -c %F "$p") $p"
	done)
}

# fs_roundtrip FSTYPE MAIN SPARE: with a fresh file system of FSTYPE on the
# remap device r (over MAIN and SPARE), write a file tree, check it survives
# umount, fsck (fsck_clean DEV, defined by the case) on dm and on MAIN,
# removal and re-creation, then overwrite and delete and check again.
fs_roundtrip() {
	fstype=$1 rt_main=$2 rt_spare=$3
	rt_sz=$(dev_sectors "$rt_main")
	mkdir -p /mnt/x
	mount -t "$fstype" /dev/mapper/r /mnt/x
	fs_populate /mnt/x
	fs_sums /mnt/x >sums.before
	n=$(grep -c '^[0-9a-f]\{64\} ' sums.before)
	[ "$n" -ge 200 ] || fail "only $n files created"
	echo "ok: $n files written"
	umount /mnt/x
	echo 3 >/proc/sys/vm/drop_caches

	fsck_clean /dev/mapper/r
	dmsetup remove r
	fsck_clean "$rt_main"

	dmsetup create r --table "0 $rt_sz remap $rt_main $rt_spare"     # spare already formatted
	mount -t "$fstype" /dev/mapper/r /mnt/x
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
	mount -t "$fstype" -o ro /dev/mapper/r /mnt/x
	sha256sum -c sum.new >/dev/null || fail "overwritten file changed across remount"
	[ ! -e /mnt/x/gen/d3 ] || fail "deleted directory came back"
	echo "ok: overwrite and delete persisted"
	umount /mnt/x
}

# --- layouts: what users put dm-remap on ----------------------------------------
# Every data case should run over more than one of these, not only over whole
# null_blk devices: a partition (a bio to it is remapped by the block layer
# before the disk sees it), a dm device, a loop file, 512 / 4096 / 512e.

# part_create DEV START SECTORS: a DOS partition table on DEV with one
# partition of SECTORS at START (both in 512-byte sectors), shown by a loop
# device in direct-I/O mode over DEV (null_blk has no partitions of its own);
# prints the partition's path.  Sector S of the partition is sector START + S
# of DEV, so faults injected on DEV at absolute sectors hit it there.
part_create() {
	pc_dev=$1 pc_start=$2 pc_size=$3
	pc_ss=$(blockdev --getss "$pc_dev")
	pc_f=$((pc_ss / 512))
	echo "start=$((pc_start / pc_f)), size=$((pc_size / pc_f)), type=83" |
		sfdisk -q --label dos --no-reread --no-tell-kernel "$pc_dev" >/dev/null
	sync
	blockdev --flushbufs "$pc_dev"
	pc_loop=$(losetup-ul -f --show -P --direct-io=on --sector-size "$pc_ss" "$pc_dev")
	[ -b "${pc_loop}p1" ] || fail "no partition appeared on $pc_loop over $pc_dev"
	assert_eq "$(cat "/sys/class/block/${pc_loop#/dev/}p1/start")" "$pc_start" \
		"start sector of ${pc_loop}p1" >&2
	echo "${pc_loop}p1"
}

# loopfile_create FILE SIZE_MB [SECTOR_SIZE]: a sparse FILE of SIZE_MB MiB on
# a loop device; prints the loop device.  (The guest's /tmp is tmpfs: a file
# of terabytes costs only the pages written.)
loopfile_create() {
	truncate -s "$(($2 * 1048576))" "$1"
	losetup-ul -f --show --sector-size "${3:-512}" "$1"
}

# linear_create NAME DEV [OFFSET]: a dm-linear device over DEV from sector
# OFFSET to its end; prints its path.
linear_create() {
	lc_off=${3:-0}
	dmsetup create "$1" --table "0 $(($(dev_sectors "$2") - lc_off)) linear $2 $lc_off"
	echo "/dev/mapper/$1"
}

# sdebug_create PARAM=VALUE...: a scsi_debug disk (dev_size_mb=, sector_size=,
# physblk_exp= for 512e, medium_error_start= ...); prints its /dev path.
# Skips the case where the kernel has no scsi_debug (the debug kernel).
sdebug_create() {
	modprobe sd_mod 2>/dev/null || true
	modprobe scsi_debug "$@" 2>/dev/null || skip "scsi_debug is not available on this kernel"
	for sd_b in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*; do
		[ -e "$sd_b" ] && { echo "/dev/${sd_b##*/}"; return 0; }
	done
	fail "scsi_debug loaded but shows no disk"
}

# queue_attr DEV ATTR: a queue limit from sysfs (physical_block_size,
# logical_block_size, write_cache, zoned, ...) of a block device or partition.
queue_attr() {
	qa=/sys/dev/block/$(majmin "$1")
	[ -e "$qa/queue" ] || qa=$qa/..
	cat "$qa/queue/$2"
}
