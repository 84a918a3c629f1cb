# Helpers for cases that record writes with dm-log-writes and check them with
# dmr-logcheck ("every acknowledged write reads back").  Source after lib.sh:
#   . "$DMR_LIB"
#   . /dmr/lib-logwrites.sh
# Stack:  filesystem -> log-writes (NAME) -> remap -> null_blk main (with a
# volatile write cache, so flushes reach log-writes and the log is written).

# lw_create NAME DEV LOGDEV: log-writes device over DEV, logging to LOGDEV.
lw_create() {
	dmsetup create "$1" --table "0 $(dev_sectors "$2") log-writes $2 $3"
}

# lw_remove NAME: remove it (the log gets its closing mark); fails if the
# log lost entries (log device full, allocation failure).
lw_remove() {
	st=$(dmsetup status "$1")
	case "$st" in
	*logging_disabled*) fail "log-writes $1 stopped logging: $st" ;;
	esac
	echo "log-writes $1: $(echo "$st" | cut -d' ' -f4-) (entries, last sector)"
	dmsetup remove "$1"
}

# badblocks_add NULLB FILE: add every "FIRST LAST [label]" range of FILE.
badblocks_add() {
	while read -r a b _; do
		[ -n "$a" ] || continue
		nullb_badblocks "$1" + "$a" "$b"
	done <"$2"
}

# logcheck OUT LOGDEV DATADEV [dmr-logcheck options]: run dmr-logcheck, keep
# its stdout in OUT and its stderr in OUT.err (and show both), return its
# exit status.
logcheck() {
	out=$1
	shift
	rc=0
	dmr-logcheck "$@" >"$out" 2>"$out.err" || rc=$?
	sed 's/^/  logcheck: /' "$out" "$out.err"
	return $rc
}

# kv FILE KEY: value of KEY=value in dmr-logcheck output FILE.
kv() {
	v=$(tr ' ' '\n' <"$1" | sed -n "s/^$2=//p" | head -n1)
	[ -n "$v" ] || fail "no $2= in $1"
	echo "$v"
}

# remap_list NAME: every table entry ("<block> <state> <spare>"), following
# the "next <block>" continuation of `list`.
remap_list() {
	start=0
	while :; do
		page=$(dmsetup message "$1" 0 list "$start" 1000)
		echo "$page" | grep -v '^next ' | grep -v '^$' || true
		next=$(echo "$page" | sed -n 's/^next //p')
		[ -n "$next" ] || break
		[ "$next" -gt "$start" ] || fail "list: next $next after start $start"
		start=$next
	done
}

# fs_errors MAIN: kernel messages that say a filesystem or the dm stack saw an
# I/O error.  Failed requests on the main null_blk itself (named MAIN) are
# expected: dm-remap absorbs them.
fs_errors() {
	dmesg | grep -E 'I/O error|EXT4-fs (error|warning)|EXT4-fs.*(corrupt|I/O)|XFS.*([Ee]rror|[Cc]orrupt|[Ss]hutdown)|BTRFS.*(error|corrupt)|remap: .*([Ee]rror|[Ff]ail|exhaust|retir|[Cc]orrupt|lost)' |
		grep -v "dev $1, sector" || true
}

# make_tree DIR NFILES: a tree of NFILES random files of varied sizes (a few
# of them large) in a few directory levels.
make_tree() {
	dir=$1 n=$2 i=0 x=12345
	while [ $i -lt "$n" ]; do
		x=$(( (x * 1103515245 + 12345) % 2147483648 ))
		d=$dir/d$((i % 7))/e$((i % 3))
		mkdir -p "$d"
		case $((i % 50)) in
		0) sz=$(( 1048576 + x % 1048576 )) ;;
		1|2|3) sz=$(( x % 7 )) ;;
		*) sz=$(( x % 65536 )) ;;
		esac
		head -c "$sz" /dev/urandom >"$d/f$i"
		i=$((i + 1))
	done
	ln -s d0/e0/f0 "$dir/link"
	mkdir -p "$dir/empty"
}

# tree_sums DIR: sha256 of every file in DIR, sorted by path, paths relative.
tree_sums() {
	(cd "$1" && find . -type f | sort | xargs sha256sum)
}

# logcheck_negative LOGDEV DATADEV SECTOR SPAREDEV SPARE_SECTOR BS
# Prove dmr-logcheck can fail: overwrite, behind its back, the BS-byte block
# at SECTOR of DATADEV, then the spare block at SPARE_SECTOR of SPAREDEV
# (holding a remapped block); each time exactly one more mismatch must be
# reported, at that block.
logcheck_negative() {
	log=$1 dev=$2 sec=$3 sdev=$4 ssec=$5 bsz=$6 out=$DMR_TMP/neg
	n=$((bsz / 512))
	# (busybox dd drops O_DIRECT on a misaligned buffer: fsync instead.)
	head -c "$bsz" /dev/urandom >"$DMR_TMP/junk"
	dd if="$DMR_TMP/junk" of="$dev" bs=512 seek="$sec" count="$n" conv=notrunc,fsync 2>/dev/null
	if logcheck "$out" "$log" "$dev"; then
		fail "dmr-logcheck passed after a block of $dev was overwritten"
	fi
	assert_eq "$(kv "$out" mismatches)" 1 "mismatches after overwriting sector $sec of $dev"
	grep -q "mismatch at block $((sec / n)) " "$out.err" || fail "mismatch not reported at block $((sec / n))"
	dd if="$DMR_TMP/junk" of="$sdev" bs=512 seek="$ssec" count="$n" conv=notrunc,fsync 2>/dev/null
	if logcheck "$out" "$log" "$dev"; then
		fail "dmr-logcheck passed after a spare block was overwritten"
	fi
	assert_eq "$(kv "$out" mismatches)" 2 "mismatches after also overwriting sector $ssec of $sdev"
}

# fs_logged_run: the filesystem round trip the remap-fs-* cases share.
# The case sets
#   FSTYPE          mount type
#   MKFS, FSCK      commands (the device is appended); FSCK must exit 0
#   BS SIZE_MB      main's logical block size and size
#   FAULT           "nullb" (default): the bad ranges are null_blk badblocks,
#                   which fail reads too, so they must not cover blocks read
#                   before they are written (partial-block updates, probes);
#                   "wfail": writes there fail, reads return the old data
#                   (wfail_create of lib.sh)
#   $DMR_TMP/bad    bad ranges on main: "FIRST LAST meta|data" (sectors);
#                   every "meta" range must be written by mkfs or the
#                   filesystem, at least one "data" range must be
# then calls this.  Steps: bad ranges on main before anything is written;
# main (write cache) -> remap "r" -> log-writes "lw"; mkfs; mount, copy a
# tree, umount; fsck; mount, compare checksums, umount; remove lw; check the
# log against r; exact remap accounting; negative checks of the checker.
fs_logged_run() {
	t_case=$(date +%s)
	main=$(nullb_create main "$SIZE_MB" blocksize="$BS" cache_size=32)
	spare=$(nullb_create spare 32 blocksize="$BS")
	logdev=$(nullb_create lwlog "${LOG_MB:-400}" blocksize="$BS")
	if [ "${FAULT:-nullb}" = wfail ]; then
		# Writes fail, reads still return the old data.
		# shellcheck disable=SC2046 # one FIRST-LAST word per range
		main=$(wfail_create mainw "$main" $(sort -n "$DMR_TMP/bad" | awk '{ print $1 "-" $2 }'))
	else
		badblocks_add main "$DMR_TMP/bad"
	fi
	sz=$(dev_sectors "$main")
	dmsetup create r --table "0 $sz remap $main $spare 1 format"
	lw_create lw /dev/mapper/r "$logdev"
	dev=/dev/mapper/lw

	make_tree "$DMR_TMP/tree" 300
	tree_sums "$DMR_TMP/tree" >"$DMR_TMP/sums"
	echo "tree: $(wc -l <"$DMR_TMP/sums") files, $(du -sk "$DMR_TMP/tree" | cut -f1) KiB"

	t=$(date +%s)
	$MKFS $dev >"$DMR_TMP/mkfs.out" 2>&1 || { cat "$DMR_TMP/mkfs.out"; fail "mkfs failed"; }
	echo "ok: mkfs ($(($(date +%s) - t)) s): status $(dm_status r)"
	mkdir -p /mnt/fs
	mount -t "$FSTYPE" $dev /mnt/fs
	cp -a "$DMR_TMP/tree" /mnt/fs/
	umount /mnt/fs
	echo "ok: copy ($(($(date +%s) - t)) s): status $(dm_status r)"
	echo 3 >/proc/sys/vm/drop_caches
	$FSCK $dev >"$DMR_TMP/fsck.out" 2>&1 || { cat "$DMR_TMP/fsck.out"; fail "$FSCK found problems"; }
	echo "ok: $FSCK clean"
	echo 3 >/proc/sys/vm/drop_caches
	mount -t "$FSTYPE" $dev /mnt/fs
	tree_sums /mnt/fs/tree >"$DMR_TMP/sums2"
	umount /mnt/fs
	cmp "$DMR_TMP/sums" "$DMR_TMP/sums2" || fail "file checksums differ after remount"
	echo "ok: checksums after remount ($(($(date +%s) - t)) s)"
	lw_remove lw

	# Every logged write reads back through remap.
	logcheck "$DMR_TMP/lc" "$logdev" /dev/mapper/r -r "$DMR_TMP/bad" -w "$DMR_TMP/written" ||
		fail "dmr-logcheck found acknowledged writes that do not read back"
	echo "ok: every logged write reads back ($(($(date +%s) - t)) s)"

	# Remap accounting: exactly the bad blocks that were written are remapped.
	nw=$(kv "$DMR_TMP/lc" bad_written)
	[ "$nw" -gt 0 ] || fail "no bad block was written"
	assert_eq "$(status_field r 6)" "$nw" "remapped = distinct bad blocks written"
	remap_list r >"$DMR_TMP/list"
	awk '$2 == "remapped" { print $1 }' "$DMR_TMP/list" >"$DMR_TMP/remapped"
	cmp "$DMR_TMP/remapped" "$DMR_TMP/written" || {
		diff "$DMR_TMP/remapped" "$DMR_TMP/written" | head -n 20
		fail "remapped blocks differ from the bad blocks written"
	}
	echo "ok: remap list = bad blocks written ($nw)"
	assert_eq "$(status_field r 7)" 0 "pending"
	assert_eq "$(status_field r 8)" "$nw" "spare blocks used"
	assert_eq "$(status_field r 12)" 0 "spare errors"
	assert_eq "$(status_field r 14)" ok "health"
	[ "$(status_field r 5)" -gt 0 ] || fail "no write error on main"
	[ "$(status_field r 11)" -gt 0 ] || fail "no write error suppressed"
	echo "ok: write_errors $(status_field r 5), errors_suppressed $(status_field r 11), read_errors $(status_field r 4)"

	# The bad ranges sat where the filesystem writes.
	ndata=0 hit=0
	while read -r a b what; do
		w=$(awk -v a="$a" -v b="$b" '$1 == "range" && $2 == a && $3 == b { sub("written=", "", $4); print $4 }' "$DMR_TMP/lc")
		echo "range $a-$b ($what): $w blocks written"
		[ "$what" != meta ] || [ "$w" -gt 0 ] || fail "metadata bad range $a-$b was never written"
		if [ "$what" = data ]; then
			ndata=$((ndata + 1))
			[ "$w" = 0 ] || hit=$((hit + 1))
		fi
	done <"$DMR_TMP/bad"
	[ $ndata = 0 ] || [ $hit -gt 0 ] || fail "no data bad range was written"

	errs=$(fs_errors main)
	[ -z "$errs" ] || { echo "$errs"; fail "I/O or filesystem errors in the kernel log"; }
	echo "ok: no filesystem or I/O errors logged"

	# Prove the checker is alive: a checked block on main, then the spare
	# block behind the first remapped block, overwritten behind its back.
	first_remapped=$(head -n1 "$DMR_TMP/remapped")
	spare_blk=$(awk -v b="$first_remapped" '$1 == b { print $3 }' "$DMR_TMP/list")
	spb=$((BS / 512))
	[ -n "$spare_blk" ] || fail "block $first_remapped not in the remap list"
	logcheck_negative "$logdev" /dev/mapper/r "$NEG_SECTOR" "$spare" $(($(stat_value r spare_start) + spare_blk * spb)) "$BS"
	grep -q "mismatch at block $first_remapped " "$DMR_TMP/neg.err" ||
		fail "overwritten spare block $spare_blk: no mismatch at block $first_remapped"
	echo "ok: dmr-logcheck reports both overwritten blocks"
	dmsetup remove r
	if [ "${FAULT:-nullb}" = wfail ]; then
		dmsetup remove mainw
		dmsetup remove mainw-w
	fi
	echo "case time: $(($(date +%s) - t_case)) s"
}
