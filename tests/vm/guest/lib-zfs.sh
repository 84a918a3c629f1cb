# Helpers for the ZFS cases (header "# dmr-needs: zfs", which makes the host
# build OpenZFS for the guest kernel and ship it: tests/vm/lib/zfs.sh).
# Source after lib.sh and lib-logwrites.sh:
#   . "$DMR_LIB"
#   . /dmr/lib-logwrites.sh
#   . /dmr/lib-zfs.sh

# zfs_load: load the ZFS modules (ARC capped for the 2 GiB guest), give the
# guest a host id, and destroy every pool when the case exits, so the dm
# devices under it can be removed.  Skips the case when the host could not
# build ZFS for this kernel.
zfs_load() {
	[ ! -f /dmr/zfs-unavailable ] || skip "ZFS not available: $(cat /dmr/zfs-unavailable)"
	[ -f /dmr/zfs/load.order ] || fail "no ZFS modules in the guest (header dmr-needs: zfs missing?)"
	if [ ! -d /sys/module/zfs ]; then
		while read -r m; do
			case $m in
			zfs) insmod "/dmr/zfs/$m.ko" zfs_arc_max=134217728 ;;
			*) insmod "/dmr/zfs/$m.ko" ;;
			esac
		done </dmr/zfs/load.order
	fi
	[ -c /dev/zfs ] || fail "/dev/zfs missing after loading the modules"
	mkdir -p /etc/zfs
	[ -f /etc/hostid ] || zgenhostid
	trap zfs_teardown EXIT
}

# zfs_teardown: destroy every imported pool.
zfs_teardown() {
	for p in $(zpool list -H -o name 2>/dev/null); do
		zpool destroy -f "$p" || echo "zfs_teardown: cannot destroy $p"
	done
}

# zpool_config POOL: the config section of `zpool status -p`, one line per
# vdev: "NAME STATE READ WRITE CKSUM" (exact counts), pool line first.
zpool_config() {
	zpool status -p "$1" | awk '
		$1 == "NAME" && $2 == "STATE" { on = 1; next }
		on && NF == 0 { exit }
		on { print $1, $2, $3, $4, $5 }'
}

# zpool_vdev_errors POOL VDEV: "READ WRITE CKSUM" of the vdev VDEV (its name
# in zpool status, e.g. r0 for /dev/mapper/r0).
zpool_vdev_errors() {
	v=$(zpool_config "$1" | awk -v n="$2" '$1 == n || $1 ~ ("/" n "$") { print $3, $4, $5 }')
	[ -n "$v" ] || { zpool status -p "$1"; fail "no vdev $2 in pool $1"; }
	echo "$v"
}

# zpool_assert_clean POOL WHAT: every vdev ONLINE with 0 read, write and
# checksum errors, and no known data errors.
zpool_assert_clean() {
	bad=$(zpool_config "$1" | awk '$2 != "ONLINE" || $3 != 0 || $4 != 0 || $5 != 0')
	n=$(zpool_config "$1" | wc -l)
	[ "$n" -ge 2 ] || { zpool status -p "$1"; fail "$2: cannot parse zpool status"; }
	[ -z "$bad" ] || { zpool status -p "$1"; fail "$2: vdevs with errors: $bad"; }
	zpool status "$1" | grep -q '^errors: No known data errors' ||
		{ zpool status -v "$1"; fail "$2: pool reports data errors"; }
	echo "ok: $2: $n vdev lines ONLINE, 0 read/write/checksum errors, no data errors"
}

# zpool_scrub POOL: wait for a resilver to end, scrub and wait; prints what the scrub repaired ("0B" if
# nothing) and fails if the scrub itself found unrecoverable errors.
zpool_scrub() {
	zpool wait -t resilver "$1"
	zpool scrub -w "$1"
	line=$(zpool status "$1" | sed -n 's/^ *scan: //p')
	case "$line" in
	"scrub repaired "*" with 0 errors"*) ;;
	*) zpool status -v "$1"; fail "scrub of $1: $line" ;;
	esac
	echo "$line" | awk '{ print $3 }'
}

# zfs_file_blocks DATASET OBJECT: "<offset> <size>" in bytes of every L0
# data block of file OBJECT (its inode number) of DATASET, whose pool is
# exported and on devices in /dev/mapper, from zdb; offsets are from the
# start of the vdev's devices (zdb's DVA offsets plus the 4 MiB of front
# labels and boot area).
zfs_file_blocks() {
	zdb -e -p /dev/mapper -ddddd "$1" "$2" | awk '$2 == "L0" { split($3, d, ":"); print d[2], d[3] }' |
	while read -r off size; do
		echo "$((0x$off + 4194304)) $((0x$size))"
	done
}

# zfs_faulty_create_run SIDES: the zpool-create-on-a-failing-disk round trip
# the zfs-create cases share; SIDES 1 is one vdev, 2 a mirror.  Each side i
# is a 256 MiB main with 4 KiB blocks that fails writes (reads still return
# the old data: wfail of lib.sh) in its first and last 512 KiB, where ZFS
# keeps its four labels with their uberblock rings, and in 64 KiB ranges
# every 8 MiB of the data area (shifted by 1 MiB per side), under the remap
# device r<i> with a 32 MiB spare.  Steps: zpool create directly on side 0's
# failing main must fail (the fault bites); on the remap devices it works;
# a file tree and a 64 MiB file are written and synced; the pool is
# exported, the remap devices re-created from their spares, the pool
# imported and scrubbed: no read, write or checksum error, nothing repaired,
# data identical; all four labels read back through r<i> and none through
# its main; the remaps made before the export survived the re-creation, and
# all remapped blocks are in bad ranges, covering both label ranges and some
# data ranges; every write error was absorbed; ZFS posted no error report.
zfs_faulty_create_run() {
	sides=$1 i=0 vdevs=""
	while [ $i -lt "$sides" ]; do
		m=$(nullb_create m$i 256 blocksize=4096)
		s=$(nullb_create s$i 32 blocksize=4096)
		sz=$(dev_sectors "$m")
		: >"$DMR_TMP/bad$i"
		echo "0 1023 label" >>"$DMR_TMP/bad$i"
		k=0
		while [ $k -lt 31 ]; do
			a=$((8192 + k * 16384 + i * 2048))
			echo "$a $((a + 127)) data" >>"$DMR_TMP/bad$i"
			k=$((k + 1))
		done
		echo "$((sz - 1024)) $((sz - 1)) label" >>"$DMR_TMP/bad$i"
		# shellcheck disable=SC2046 # one FIRST-LAST word per range
		mw=$(wfail_create m${i}w "$m" $(awk '{ print $1 "-" $2 }' "$DMR_TMP/bad$i"))
		eval "main$i=$mw spare$i=$s"
		i=$((i + 1))
	done

	expect_fail "" zpool create -f -o cachefile=none tankx "$main0"
	echo "ok: zpool create on the failing main itself fails"
	zpool events -c >/dev/null

	i=0
	while [ $i -lt "$sides" ]; do
		eval "mw=\$main$i s=\$spare$i"
		dmsetup create r$i --table "0 $(dev_sectors "$mw") remap $mw $s 1 format"
		vdevs="$vdevs /dev/mapper/r$i"
		i=$((i + 1))
	done
	[ "$sides" = 1 ] || vdevs="mirror$vdevs"
	# shellcheck disable=SC2086 # vdevs is a list of words
	zpool create -f -o ashift=12 -o cachefile=none -O mountpoint=/mnt/zfs \
		-O compression=off tank $vdevs
	echo "ok: zpool create tank $vdevs"

	make_tree "$DMR_TMP/tree" 300
	tree_sums "$DMR_TMP/tree" >"$DMR_TMP/sums"
	cp -a "$DMR_TMP/tree" /mnt/zfs/
	big=$(head -c 67108864 /dev/urandom | tee /mnt/zfs/big | sha256sum | cut -d' ' -f1)
	zpool sync tank
	echo "ok: $(wc -l <"$DMR_TMP/sums") files and a 64 MiB file written and synced"
	zpool export tank

	i=0 imp=""
	while [ $i -lt "$sides" ]; do
		eval "mw=\$main$i s=\$spare$i"
		echo "r$i before re-create: $(dm_status r$i)"
		[ "$(status_field r$i 5)" -gt 0 ] || fail "r$i: no write error on main"
		[ "$(status_field r$i 11)" -gt 0 ] || fail "r$i: no write error suppressed"
		assert_eq "$(status_field r$i 4) $(status_field r$i 7)" "0 0" "r$i read errors, pending"
		eval "nremap$i=$(status_field r$i 6)"
		dmsetup remove r$i
		dmsetup create r$i --table "0 $(dev_sectors "$mw") remap $mw $s"
		assert_eq "$(status_field r$i 6)" "$(eval echo \$nremap$i)" "r$i remapped blocks after re-create"
		imp="$imp -d /dev/mapper/r$i"
		i=$((i + 1))
	done
	# shellcheck disable=SC2086 # imp is a list of options
	zpool import $imp tank
	tree_sums /mnt/zfs/tree >"$DMR_TMP/sums2"
	cmp "$DMR_TMP/sums" "$DMR_TMP/sums2" || fail "file checksums differ after export, re-create and import"
	assert_eq "$(sha256sum /mnt/zfs/big | cut -d' ' -f1)" "$big" "sha256 of the 64 MiB file after import"
	assert_eq "$(zpool_scrub tank)" 0B "scrub repaired"
	zpool_assert_clean tank "after import and scrub"
	zpool export tank

	i=0
	while [ $i -lt "$sides" ]; do
		eval "mw=\$main$i n0=\$nremap$i"
		zdb -l /dev/mapper/r$i >"$DMR_TMP/labels" || { cat "$DMR_TMP/labels"; fail "zdb -l r$i failed"; }
		grep -q 'labels = 0 1 2 3 *$' "$DMR_TMP/labels" || { cat "$DMR_TMP/labels"; fail "r$i: not all four labels valid"; }
		echo "ok: r$i: labels 0 1 2 3 valid"
		zdb -l "$mw" >"$DMR_TMP/labels.main" 2>&1 || true
		! grep -q 'labels = ' "$DMR_TMP/labels.main" || fail "main of r$i has a valid label"
		echo "ok: main of r$i has no valid label (they are on the spare)"
		# The import and scrub write too (labels, new allocations).
		n=$(status_field r$i 6)
		[ "$n" -ge "$n0" ] || fail "r$i: $n remapped blocks, fewer than the $n0 before"
		assert_eq "$(status_field r$i 4) $(status_field r$i 7) $(status_field r$i 12) $(status_field r$i 14)" \
			"0 0 0 ok" "r$i read errors, pending, spare errors, health"
		assert_eq "$(status_field r$i 11)" "$(status_field r$i 5)" "r$i write errors all suppressed"
		remap_list r$i >"$DMR_TMP/list$i"
		awk '$2 == "remapped" { print $1 }' "$DMR_TMP/list$i" >"$DMR_TMP/remapped$i"
		assert_eq "$(wc -l <"$DMR_TMP/remapped$i")" "$n" "r$i remap list length"
		# Every remapped block lies in a bad range; count the ranges hit.
		awk -v out="$DMR_TMP/hits$i" '
			NR == FNR { a[NR] = $1 / 8; b[NR] = $2 / 8; w[NR] = $3; n = NR; next }
			{ for (j = 1; j <= n; j++) if ($1 >= a[j] && $1 <= b[j]) { hit[j] = 1; next }
			  print "block " $1 " is outside every bad range"; bad = 1 }
			END { for (j = 1; j <= n; j++) if (hit[j]) print w[j] >out; exit bad }' \
			"$DMR_TMP/bad$i" "$DMR_TMP/remapped$i" || fail "r$i: remapped block outside the bad ranges"
		assert_eq "$(grep -c label "$DMR_TMP/hits$i")" 2 "r$i label ranges remapped"
		nd=$(grep -c data "$DMR_TMP/hits$i" || true)
		[ "$nd" -gt 0 ] || fail "r$i: no data range was written"
		echo "ok: r$i: $n blocks remapped, both label ranges and $nd of 31 data ranges"
		i=$((i + 1))
	done
	zfs_assert_no_ereports
}

# zfs_assert_no_ereports: ZFS posted no error report (I/O, checksum, ...)
# since the last `zpool events -c`.
zfs_assert_no_ereports() {
	ev=$(zpool events -H | grep ereport || true)
	[ -z "$ev" ] || { echo "$ev" | head -n 10; fail "ZFS reported errors"; }
	echo "ok: no ZFS error reports"
}
