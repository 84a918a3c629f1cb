# ext4 with the write-log oracle over the layouts of lib-layouts.sh that a
# file system most often sits on: a partition (part512: main and spare
# partitions at sector 2048, loop -P --direct-io over null_blk), dm-linear
# devices at an odd offset into their disk (dm512), whole 4 KiB-block disks
# (whole4k) and 512e scsi_debug (e512, skipped where there is none).  The
# bad ranges are those of remap-fs-ext4 (superblock, group descriptors,
# reserved GDT, bitmaps, inode table, journal, a backup superblock, and
# scattered data blocks of a 256 MiB ext4 with 4 KiB blocks), given
# main-relative and injected where the layout puts those sectors (the
# absolute sector on the disk under the partition or the linear offset).
# Writes fail there, reads return the old data (LAYOUT_FAULT=w: mkfs
# updates the 1 KiB primary superblock inside block 0 by read-modify-write).
#
# Stack: ext4 -> dm-log-writes -> remap -> main/spare of the layout.  mkfs,
# a file tree copy, fsck and a remount succeed with the same checksums;
# every acknowledged write reads back through remap (dmr-logcheck of the
# log: 0 mismatches); the remapped blocks are exactly the bad blocks that
# were written (rounded out to main's physical block, the unit recovery
# narrows a failed write down to: on 512e all 8 blocks of a 4 KiB physical
# block); every metadata range and some data range was written; the first
# remapped block's data is on the spare where its entry says; nothing
# outside main and spare changed; no I/O or file system error in the log.
# On the first layout, dmr-logcheck is shown to catch an overwritten block
# on main and an overwritten spare block.
# dmr-timeout: 600
# dmr-lanes: stock trixie
# Not on the debug lane: a file system over the same remap paths that remap-
# fs-ext4, remap-fio-verify and matrix-fio take under the debug kernel: pure
# data volume there.
. "$DMR_LIB"
. /dmr/lib-logwrites.sh
. /dmr/lib-layouts.sh
t_case=$(date +%s)
T=$DMR_TMP
# shellcheck disable=SC2034 # read by layout_make
LAYOUT_FAULT=w
LAYOUTS="part512 dm512 whole4k e512"
MKFS="mkfs.ext4 -F -q -b 4096 -E lazy_itable_init=0,lazy_journal_init=0"
NEG_SECTOR=4000		# inode table block 500: zeroed by mkfs, on main

# Layout of mkfs.ext4 -b 4096 on 256 MiB (e2fsprogs 1.47): superblock in
# block 0, group descriptors 1, reserved GDT 2-32, bitmaps 33-36, inode
# tables 37-4132, journal (inode 8) 32801-36896 with its superblock first,
# backup superblock 32768; data from block 4139.  Sectors, 8 per block.
cat >"$T/bad" <<'RANGES'
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

make_tree "$T/tree" 200
tree_sums "$T/tree" >"$T/sums"
echo "tree: $(wc -l <"$T/sums") files, $(du -sk "$T/tree" | cut -f1) KiB"

ran="" neg_done=""
for l in $LAYOUTS; do
	echo "=== layout $l"
	layout_available "$l" || continue
	t_l=$(date +%s)
	dmesg -c >/dev/null
	layout_make "$l" 256 32
	logdev=$(nullb_create lwlog 400 blocksize="$L_BS")
	layout_bad_list + <"$T/bad"
	layout_create r format
	lw_create lw /dev/mapper/r "$logdev"
	dev=/dev/mapper/lw
	# dmr-logcheck counts sectors of r: main's plus L_START.
	awk -v o="$L_START" '{ print $1 + o, $2 + o, $3 }' "$T/bad" >"$T/bad.r"

	$MKFS $dev >"$T/mkfs.out" 2>&1 || { cat "$T/mkfs.out"; fail "$l: mkfs failed"; }
	mkdir -p /mnt/fs
	mount -t ext4 $dev /mnt/fs
	cp -a "$T/tree" /mnt/fs/
	umount /mnt/fs
	echo 3 >/proc/sys/vm/drop_caches
	e2fsck -fn $dev >"$T/fsck.out" 2>&1 || { cat "$T/fsck.out"; fail "$l: e2fsck found problems"; }
	mount -t ext4 -o ro $dev /mnt/fs
	tree_sums /mnt/fs/tree >"$T/sums2"
	umount /mnt/fs
	cmp "$T/sums" "$T/sums2" || fail "$l: file checksums differ after remount"
	echo "ok: $l: mkfs, copy, e2fsck -fn clean, checksums after remount ($(($(date +%s) - t_l)) s)"
	lw_remove lw

	logcheck "$T/lc" "$logdev" /dev/mapper/r -r "$T/bad.r" -w "$T/written" ||
		fail "$l: dmr-logcheck found acknowledged writes that do not read back"
	assert_eq "$(kv "$T/lc" mismatches)" 0 "$l: logged writes that do not read back"

	# Exactly the bad blocks written are remapped (whole physical blocks;
	# main's block numbers: r's less L_START).
	awk -v u=$((L_PBS / L_BS)) -v o=$((L_START * 512 / L_BS)) '
		{ b = int(($1 - o) / u) * u; for (i = 0; i < u; i++) print b + i }' "$T/written" |
		sort -n | uniq >"$T/want"
	nw=$(wc -l <"$T/want")
	[ "$nw" -gt 0 ] || fail "$l: no bad block was written"
	layout_list r >"$T/list"
	awk '$2 == "remapped" { print $1 }' "$T/list" >"$T/remapped"
	cmp "$T/remapped" "$T/want" || {
		diff "$T/remapped" "$T/want" | head -n 20
		fail "$l: remapped blocks differ from the bad blocks written"
	}
	# shellcheck disable=SC2046 # the status fields
	set -- $(layout_status r)
	assert_eq "$6 $7 $8 ${12} ${14}" "$nw 0 $nw 0 ok" \
		"$l: remapped (= bad blocks written), pending, spare used, spare errors, health"
	{ [ "$5" -gt 0 ] && [ "${11}" -gt 0 ]; } || fail "$l: no write error on main, or none suppressed"
	echo "ok: $l: $nw blocks remapped; write_errors $5, errors_suppressed ${11}, read_errors $4"

	# The bad ranges sat where the file system writes.
	ndata=0 hit=0
	while read -r a b what; do
		w=$(awk -v a="$a" -v b="$b" '$1 == "range" && $2 == a && $3 == b { sub("written=", "", $4); print $4 }' "$T/lc")
		[ "$what" != meta ] || [ "$w" -gt 0 ] || fail "$l: metadata bad range $a-$b was never written"
		if [ "$what" = data ]; then
			ndata=$((ndata + 1))
			[ "$w" = 0 ] || hit=$((hit + 1))
		fi
	done <"$T/bad.r"
	[ $hit -gt 0 ] || fail "$l: no data bad range was written"
	echo "ok: $l: every metadata range and $hit of $ndata data ranges written"

	# The first remapped block is on the spare where its entry says.
	first=$(head -n 1 "$T/remapped")
	k=$(awk -v b="$first" '$1 == b { print $3 }' "$T/list")
	ss=$(layout_stat r spare_start) stride=$(layout_stat r spare_stride)
	spare_sec=$((ss + k * stride / 512))
	[ "$(read_bytes /dev/mapper/r $((L_START * 512 + first * L_BS)) "$L_BS" | sha256sum)" = \
		"$(read_bytes "$L_SPARE" $((spare_sec * 512)) "$L_BS" | sha256sum)" ] ||
		fail "$l: block $first is not on spare block $k (sector $spare_sec of $L_SPARE)"
	echo "ok: $l: block $first on spare block $k (sector $spare_sec of $L_SPARE)"

	layout_guard_check
	errs=$(layout_errors)
	[ -z "$errs" ] || { echo "$errs"; fail "$l: I/O or file system errors in the kernel log"; }

	# Once: the checker is alive (a checked block on main, then the spare
	# block behind the first remapped block, overwritten behind its back).
	if [ -z "$neg_done" ]; then
		logcheck_negative "$logdev" /dev/mapper/r $((L_START + NEG_SECTOR)) "$L_SPARE" "$spare_sec" "$L_BS"
		grep -q "mismatch at block $first " "$T/neg.err" ||
			fail "$l: overwritten spare block $k: no mismatch at block $first"
		echo "ok: $l: dmr-logcheck reports both overwritten blocks"
		neg_done=1
	fi

	dmsetup remove r
	echo 0 >/sys/kernel/config/nullb/lwlog/power
	rmdir /sys/kernel/config/nullb/lwlog
	layout_destroy
	echo "layout $l: $(($(date +%s) - t_l)) s"
	ran="$ran $l"
done
[ -n "$ran" ] || fail "no layout ran"
echo "layouts run:$ran"
echo "case time: $(($(date +%s) - t_case)) s"
