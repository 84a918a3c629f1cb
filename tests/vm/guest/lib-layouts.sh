# Layouts: what users put dm-remap on, for cases that loop over them.
# Source after lib.sh:
#   . "$DMR_LIB"
#   . /dmr/lib-layouts.sh
#
#   for l in whole512 part4k dm512 ...; do
#       layout_available $l || continue        # prints why not (e512)
#       layout_make $l 24 8                    # main 24 MiB, spare 8 MiB
#       layout_create r 1 format               # /dev/mapper/r
#       layout_bad + 4096 4103                 # MAIN-relative sectors
#       ... I/O at byte $((L_START * 512 + offset in main)) of /dev/mapper/r
#       dmsetup remove r
#       layout_destroy
#   done
#
# layout_make NAME [MAIN [SPARE]] builds one layout (sizes in MiB, or in
# sectors with an "s" suffix: "52s"; default 24 and 8 MiB), sets the L_*
# variables below in the caller's shell and prints one line describing it.
# Names (bs = main's logical block size):
#   whole512 whole4k   main and spare whole null_blk disks
#   part512 part4k     main and spare partitions at sector 2048 of their
#                      disks (loop -P --direct-io over a null_blk: null_blk
#                      has no partitions); main sector S is disk sector
#                      2048 + S, where the fault is injected
#   dm512 dm4k         main and spare dm-linear devices at a non-zero
#                      offset into their null_blk (main at 3001 / 3008,
#                      an odd sector where the block size allows it; spare
#                      at 777 / 776): faults at offset + S on the null_blk
#   loopfile loopfile4k  main and spare loop devices over sparse files on
#                      the guest's tmpfs (buffered loop: tmpfs has no
#                      O_DIRECT).  A loop device cannot fail on command, so
#                      main is a dm table over the loop device (linear, and
#                      "error" segments where the faults are)
#   e512               512e: scsi_debug, 512-byte logical and 4096-byte
#                      physical blocks (physblk_exp=3).  One scsi_debug disk
#                      of MAIN + SPARE; main is dm-linear over its first
#                      MAIN (with the fault table on top, as for loopfile:
#                      scsi_debug cannot fail writes), the spare dm-linear
#                      over the rest (4 KiB aligned).  layout_available says
#                      no where there is no scsi_debug module (debug kernel)
#   seg512 seg4k       the remap target is the SECOND segment of its table,
#                      at table sector L_START (4097 / 4104) after a linear
#                      segment over a scratch null_blk; main and spare whole
#                      null_blk disks.  I/O through the dm device at sector
#                      L_START + S reaches main sector S
#
# Faults (bad sectors) are always given main-relative: layout_bad + FIRST
# LAST makes main sectors FIRST..LAST fail, wherever that is on the device
# under the stack (the translated, absolute sector).  Two modes, chosen by
# LAYOUT_FAULT when layout_make runs:
#   rw (default)  reads and writes there fail (a bad sector): null_blk
#                 badblocks, or "error" segments of the fault table; a block
#                 may only go bad where no data is waiting to be read back
#   w             only writes fail, reads return what was there before
#                 (lib.sh wfail_create: dm-delay splitting reads and writes)
#                 over the raw main disk, under the partition / linear
#                 layer; for file systems, whose tools read-modify-write
#                 blocks before writing them
#
# Variables set by layout_make:
#   L_NAME L_BS L_PBS  layout name, main's logical and physical block size
#   L_MAIN L_SPARE     the devices of the remap table
#   L_START            table sector of main sector 0 (0 unless seg*)
#   L_LEN              remap segment length (main's size) in sectors
#   L_SIZE             dm device size in sectors (L_START + L_LEN)
#   L_SPARE_DISK L_SPARE_OFF  where spare sector 0 is (device, sector)
#   L_FAULT            where faults go: "nullb NAME +OFF", "dm NAME +OFF"
#                      or "wfail NAME +OFF"
#   L_ERRDEVS          kernel names of disks whose failed requests the
#                      kernel may log (expected: dm-remap absorbs them)
#   L_GUARDS           file of "DEV SECTOR COUNT SEED|- [SUM]" regions
#                      around main and spare that nothing may write
#                      (partition table area, sectors before a linear
#                      offset or after main, the scratch segment)
# Functions: layout_available NAME, layout_make, layout_table [OPT...],
# layout_create DMNAME [OPT...], layout_bad +|- FIRST LAST,
# layout_bad_list +|- <FILE, layout_status / layout_msg / layout_stat /
# layout_list (the remap segment, wherever it is in the table),
# layout_guard_check, layout_errors, layout_destroy.

[ -n "${ly_faults_sourced:-}" ] || . /dmr/lib-faults.sh
ly_faults_sourced=1

# layout_available NAME: 0 if NAME can be built on this kernel; otherwise
# prints why and returns 1.
layout_available() {
	case "$1" in
	e512)
		if ! find "/lib/modules/$(uname -r)" -name 'scsi_debug.ko*' | grep -q .; then
			echo "layout e512: no scsi_debug module on this kernel"
			return 1
		fi ;;
	whole512 | whole4k | part512 | part4k | dm512 | dm4k | loopfile | loopfile4k | seg512 | seg4k) ;;
	*) fail "layout_available: unknown layout '$1'" ;;
	esac
	return 0
}

# ly_sectors SIZE: "N" MiB or "Ns" sectors, in sectors.
ly_sectors() {
	case "$1" in
	*s) echo "${1%s}" ;;
	*) echo $(($1 * 2048)) ;;
	esac
}

# ly_nullb NAME SECTORS BS [ATTR...]: a null_blk of at least SECTORS (whole
# MiB); prints its path.
ly_nullb() {
	ly_n=$1 ly_s=$2 ly_b=$3
	shift 3
	echo "nullb:$ly_n" >>"$DMR_TMP/layout-devs"
	nullb_create "$ly_n" $(((ly_s + 2047) / 2048)) blocksize="$ly_b" "$@"
}

# ly_linear NAME DEV OFFSET SECTORS: dm-linear of SECTORS at OFFSET of DEV.
ly_linear() {
	echo "dm:$1" >>"$DMR_TMP/layout-devs"
	dmsetup create "$1" --table "0 $4 linear $2 $3"
	echo "/dev/mapper/$1"
}

# ly_loopfile FILE SECTORS BS: a loop device over a sparse FILE of SECTORS.
ly_loopfile() {
	truncate -s $(($2 * 512)) "$1"
	ly_l=$(losetup-ul -f --show --sector-size "$3" "$1")
	echo "loop:$ly_l" >>"$DMR_TMP/layout-devs"
	echo "$ly_l"
}

# ly_guard DEV FIRST END [-]: remember the region [FIRST, END) of DEV (if
# not empty) as one that must not change; it gets a pattern (dmr-pattern,
# seeded by its line number) unless "-" says to keep what is there (a
# partition table) and compare checksums.
ly_guard() {
	[ "$3" -gt "$2" ] || return 0
	echo "$1 $2 $(($3 - $2)) ${4:-$(($(wc -l <"$L_GUARDS") + 100))}" >>"$L_GUARDS"
}

# layout_make NAME [MAIN [SPARE]]: see above.
layout_make() {
	L_NAME=$1
	ly_ms=$(ly_sectors "${2:-24}") ly_ss=$(ly_sectors "${3:-8}")
	ly_mode=${LAYOUT_FAULT:-rw}
	L_START=0 L_ERRDEVS=""
	[ ! -s "$DMR_TMP/layout-devs" ] || fail "layout_make $1: the last layout was not destroyed"
	: >"$DMR_TMP/layout-devs"
	L_GUARDS=$DMR_TMP/layout-guards L_FLIST=$DMR_TMP/layout-bad
	: >"$L_GUARDS"
	: >"$L_FLIST"
	layout_available "$L_NAME" >/dev/null || fail "layout $L_NAME is not available here"
	case "$L_NAME" in
	*4k) L_BS=4096 ;;
	*) L_BS=512 ;;
	esac
	ly_kind=${L_NAME%512}
	ly_kind=${ly_kind%4k}
	[ "$ly_kind" != e ] || ly_kind=e512

	# 1. The raw disks: ly_mraw holds main from sector ly_moff (the layer
	# of step 3 adds it), L_SPARE_DISK the spare from L_SPARE_OFF.
	ly_moff=0 L_SPARE_OFF=0 ly_tail=8
	case $ly_kind in
	part) ly_moff=2048 L_SPARE_OFF=2048 ;;
	dm)
		if [ "$L_BS" = 512 ]; then ly_moff=3001 L_SPARE_OFF=777; else ly_moff=3008 L_SPARE_OFF=776; fi ;;
	whole | seg) ly_tail=0 ;;
	esac
	case $ly_kind in
	whole | part | dm | seg)
		# Main's disk has a volatile write cache (so flushes reach the
		# layers above: dm-log-writes needs them).
		ly_mraw=$(ly_nullb lmain $((ly_moff + ly_ms + ly_tail)) "$L_BS" cache_size=16)
		L_SPARE_DISK=$(ly_nullb lspare $((L_SPARE_OFF + ly_ss + ly_tail)) "$L_BS")
		if [ "$ly_kind" = whole ] || [ "$ly_kind" = seg ]; then	# whole MiB
			ly_ms=$(dev_sectors "$ly_mraw") ly_ss=$(dev_sectors "$L_SPARE_DISK")
		fi
		ly_fkind=nullb ly_fname=lmain
		L_ERRDEVS=lmain
		;;
	loopfile)
		ly_mraw=$(ly_loopfile "$DMR_TMP/layout-main.img" "$ly_ms" "$L_BS")
		L_SPARE_DISK=$(ly_loopfile "$DMR_TMP/layout-spare.img" "$ly_ss" "$L_BS")
		ly_fkind=dm ly_fname=lmf
		;;
	e512)
		modprobe sd_mod 2>/dev/null || true
		# (scsi_debug's default caching mode page has WCE=1: a write-back
		# cache, so flushes reach the layers above.)
		modprobe scsi_debug dev_size_mb=$(((ly_ms + ly_ss + 2047) / 2048 + 1)) \
			sector_size=512 physblk_exp=3 ||
			fail "modprobe scsi_debug failed"
		echo "sdebug:" >>"$DMR_TMP/layout-devs"
		ly_sd=""
		ly_i=0
		while [ -z "$ly_sd" ]; do	# bounded: the disk is added by a SCSI scan
			for ly_b in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*; do
				[ -e "$ly_b" ] && [ -b "/dev/${ly_b##*/}" ] && ly_sd=/dev/${ly_b##*/}
			done
			ly_i=$((ly_i + 1))
			[ $ly_i -le 100 ] || fail "scsi_debug loaded but shows no disk"
			[ -n "$ly_sd" ] || sleep 0.1
		done
		assert_eq "$(queue_attr "$ly_sd" logical_block_size) $(queue_attr "$ly_sd" physical_block_size)" \
			"512 4096" "logical and physical block size of $ly_sd" >/dev/null
		# Main: its first MAIN sectors; the spare: 4 KiB aligned after it.
		ly_mraw=$(ly_linear lmr "$ly_sd" 0 "$ly_ms")
		L_SPARE_DISK=$ly_sd L_SPARE_OFF=$(((ly_ms + 7) / 8 * 8))
		ly_fkind=dm ly_fname=lmf
		;;
	esac

	# 2. The fault layer over main's raw disk (none for null_blk badblocks).
	if [ "$ly_mode" = w ]; then
		printf "dm:lmw-w\ndm:lmw\n" >>"$DMR_TMP/layout-devs"
		ly_base=$(wfail_create lmw "$ly_mraw")
		ly_fkind=wfail ly_fname=lmw
	elif [ "$ly_fkind" = dm ]; then
		echo "dm:lmf" >>"$DMR_TMP/layout-devs"
		fault_table "$(dev_sectors "$ly_mraw")" "$ly_mraw" error | dmsetup create lmf
		ly_base=/dev/mapper/lmf
	else
		ly_base=$ly_mraw
	fi
	L_FRAW=$ly_mraw L_FOFF=$ly_moff L_FKIND=$ly_fkind L_FDEV=$ly_fname

	# 3. Main and spare on top.
	case $ly_kind in
	whole | loopfile | seg)
		L_MAIN=$ly_base L_SPARE=$L_SPARE_DISK ;;
	part)
		L_MAIN=$(part_create "$ly_base" 2048 "$ly_ms")
		echo "loop:${L_MAIN%p1}" >>"$DMR_TMP/layout-devs"
		L_SPARE=$(part_create "$L_SPARE_DISK" 2048 "$ly_ss")
		echo "loop:${L_SPARE%p1}" >>"$DMR_TMP/layout-devs"
		ly_l=${L_MAIN%p1}
		L_ERRDEVS="$L_ERRDEVS ${ly_l#/dev/}"
		;;
	dm)
		L_MAIN=$(ly_linear lmd "$ly_base" "$ly_moff" "$ly_ms")
		L_SPARE=$(ly_linear lsd "$L_SPARE_DISK" "$L_SPARE_OFF" "$ly_ss")
		;;
	e512)
		L_MAIN=$ly_base
		L_SPARE=$(ly_linear lsd "$L_SPARE_DISK" "$L_SPARE_OFF" "$ly_ss")
		;;
	esac
	assert_eq "$(dev_sectors "$L_MAIN")" "$ly_ms" "$L_NAME: main size (sectors)" >/dev/null
	assert_eq "$(dev_sectors "$L_SPARE")" "$ly_ss" "$L_NAME: spare size (sectors)" >/dev/null
	L_LEN=$ly_ms
	if [ "$ly_kind" = seg ]; then
		if [ "$L_BS" = 512 ]; then L_START=4097; else L_START=4104; fi
		L_SCRATCH=$(ly_nullb lscr "$L_START" "$L_BS")
		ly_guard "$L_SCRATCH" 0 "$(dev_sectors "$L_SCRATCH")"
	fi
	L_SIZE=$((L_START + L_LEN))
	L_PBS=$(queue_attr "$L_MAIN" physical_block_size)

	# Regions nothing may write: main's disk before and after main, the
	# spare's disk before and after the spare (not main's part of the
	# scsi_debug disk), each filled with a pattern first, so that a stray
	# write of zeroes shows too.  (The first block of a partitioned disk,
	# the partition table, keeps its content and is checksummed.)
	ly_mdisk=$ly_base
	[ "$ly_mode" != w ] || ly_mdisk=$ly_mraw
	ly_spb=$((L_BS / 512))
	if [ "$ly_kind" = part ]; then
		ly_guard "$ly_mdisk" 0 $ly_spb -
		ly_guard "$ly_mdisk" $ly_spb "$ly_moff"
		ly_guard "$L_SPARE_DISK" 0 $ly_spb -
		ly_guard "$L_SPARE_DISK" $ly_spb "$L_SPARE_OFF"
	elif [ "$ly_kind" = dm ]; then
		ly_guard "$ly_mdisk" 0 "$ly_moff"
		ly_guard "$L_SPARE_DISK" 0 "$L_SPARE_OFF"
	fi
	if [ "$ly_kind" != loopfile ] && [ "$ly_kind" != e512 ]; then
		ly_guard "$ly_mdisk" $((ly_moff + ly_ms)) "$(dev_sectors "$ly_mdisk")"
	fi
	ly_guard "$L_SPARE_DISK" $((L_SPARE_OFF + ly_ss)) "$(dev_sectors "$L_SPARE_DISK")"
	while read -r ly_d ly_a ly_n ly_seed; do
		if [ "$ly_seed" = - ]; then
			echo "$ly_d $ly_a $ly_n - $(ly_gsum "$ly_d" "$ly_a" "$ly_n")"
		else
			pattern write "$ly_d" "${ly_a}s" "${ly_n}s" "$ly_seed"
			echo "$ly_d $ly_a $ly_n $ly_seed"
		fi
	done <"$L_GUARDS" >"$L_GUARDS.new"
	mv "$L_GUARDS.new" "$L_GUARDS"

	L_FAULT="$L_FKIND $L_FDEV +$L_FOFF"
	echo "layout $L_NAME: main=$L_MAIN spare=$L_SPARE bs=$L_BS/$L_PBS start=$L_START" \
		"len=$L_LEN faults=$L_FAULT ($ly_mode)"
}

# layout_table [OPT...]: the dm table of the layout (the remap segment gets
# "<#opts> OPT...").
layout_table() {
	ly_o=""
	[ $# = 0 ] || ly_o=" $# $*"
	[ "$L_START" = 0 ] || echo "0 $L_START linear $L_SCRATCH 0"
	echo "$L_START $L_LEN remap $L_MAIN $L_SPARE$ly_o"
}

# layout_create DMNAME [OPT...]: create the remap device DMNAME.
layout_create() {
	ly_dm=$1
	shift
	layout_table "$@" | dmsetup create "$ly_dm"
}

# ly_merged: the fault list, sorted and merged, one FIRST-LAST per line.
ly_merged() {
	sort -n "$L_FLIST" | awk '
		NF < 2 { next }
		!n++ { a = $1; b = $2; next }
		$1 <= b + 1 { if ($2 > b) b = $2; next }
		{ print a "-" b; a = $1; b = $2 }
		END { if (n) print a "-" b }'
}

# layout_bad +|- FIRST LAST: make main sectors FIRST..LAST (main-relative)
# fail (+) or work again (-), at the translated sectors of the device where
# faults are injected.
layout_bad() {
	echo "$2 $3" | layout_bad_list "$1"
}

# layout_bad_list +|- <FILE: the same for every "FIRST LAST" line of FILE,
# applied at once (one table reload for a dm fault table).
layout_bad_list() {
	ly_op=$1
	while read -r ly_a ly_b _; do
		[ -n "$ly_a" ] || continue
		[ "$ly_b" -lt "$L_LEN" ] || fail "layout_bad: sector $ly_b is past main's end"
		ly_a=$((ly_a + L_FOFF)) ly_b=$((ly_b + L_FOFF))
		if [ "$L_FKIND" = nullb ]; then
			nullb_badblocks "$L_FDEV" "$ly_op" "$ly_a" "$ly_b"
		elif [ "$ly_op" = + ]; then
			echo "$ly_a $ly_b" >>"$L_FLIST"
		else
			awk -v x="$ly_a" -v y="$ly_b" '
				$2 < x || $1 > y { print; next }
				{ if ($1 < x) print $1, x - 1; if ($2 > y) print y + 1, $2 }' \
				"$L_FLIST" >"$L_FLIST.new"
			mv "$L_FLIST.new" "$L_FLIST"
		fi
	done
	# shellcheck disable=SC2046 # one FIRST-LAST word per range
	if [ "$L_FKIND" = wfail ]; then
		wfail_set "$L_FDEV" "$L_FRAW" $(ly_merged)
	elif [ "$L_FKIND" = dm ]; then
		fault_set "$L_FDEV" "$(dev_sectors "$L_FRAW")" "$L_FRAW" error $(ly_merged)
	fi
	return 0
}

# The remap segment of a layout's dm device DM (at table sector L_START):
#   layout_status DM         its status fields (those after "remap"; as
#                            dm_status of lib.sh for a one-target table)
#   layout_msg DM ARGS...    dmsetup message to it
#   layout_stat DM KEY       one value of its stats message
#   layout_list DM           every "<block> <state> <spare>" entry of list
layout_status() {
	dmsetup status "$1" | awk -v s="$L_START" '$1 == s && $3 == "remap" { $1 = $2 = $3 = ""; print substr($0, 4) }'
}
layout_msg() {
	ly_dm=$1
	shift
	dmsetup message "$ly_dm" "$L_START" "$@"
}
layout_stat() {
	layout_msg "$1" stats | tr ' ' '\n' | sed -n "s/^$2=//p"
}
layout_list() {
	ly_from=0
	while :; do
		ly_page=$(layout_msg "$1" list "$ly_from" 1000)
		echo "$ly_page" | grep -v '^next ' | grep -v '^$' || true
		ly_next=$(echo "$ly_page" | sed -n 's/^next //p')
		[ -n "$ly_next" ] || break
		[ "$ly_next" -gt "$ly_from" ] || fail "list: next $ly_next after $ly_from"
		ly_from=$ly_next
	done
}

# layout_guard_check: the L_GUARDS regions still hold their pattern (or
# checksum); fails if one changed.
ly_gsum() {
	read_bytes "$1" $(($2 * 512)) $(($3 * 512)) | sha256sum | cut -c1-16
}
layout_guard_check() {
	while read -r ly_d ly_a ly_n ly_seed ly_sum; do
		if [ "$ly_seed" = - ]; then
			[ "$(ly_gsum "$ly_d" "$ly_a" "$ly_n")" = "$ly_sum" ]
		else
			pattern verify "$ly_d" "${ly_a}s" "${ly_n}s" "$ly_seed" >/dev/null 2>&1
		fi || fail "$L_NAME: sectors $ly_a..$((ly_a + ly_n - 1)) of $ly_d (outside main and spare) changed"
	done <"$L_GUARDS"
	echo "ok: $L_NAME: $(wc -l <"$L_GUARDS") regions outside main and spare unchanged"
}

# layout_errors: kernel log lines of I/O errors other than the failed
# requests of main's disks (L_ERRDEVS), which dm-remap absorbs.
layout_errors() {
	ly_e=$(dmesg | grep -E 'I/O error|EXT4-fs (error|warning)|EXT4-fs.*(corrupt|I/O)|XFS.*([Ee]rror|[Cc]orrupt|[Ss]hutdown)|remap: .*([Ee]rror|[Ff]ail|exhaust|retir|[Cc]orrupt|lost)' || true)
	for ly_d in $L_ERRDEVS; do
		ly_e=$(printf '%s\n' "$ly_e" | grep -v "dev $ly_d, sector" || true)
	done
	printf '%s\n' "$ly_e" | grep -v '^$' || true
}

# layout_destroy: remove every device of the layout (remove the remap
# devices over it first), newest first.
layout_destroy() {
	for ly_d in $(awk '{ l[NR] = $0 } END { for (i = NR; i > 0; i--) print l[i] }' "$DMR_TMP/layout-devs"); do
		case $ly_d in
		dm:*) dmsetup remove "${ly_d#dm:}" ;;
		loop:*) losetup -d "${ly_d#loop:}" ;;
		nullb:*)
			echo 0 >"/sys/kernel/config/nullb/${ly_d#nullb:}/power"
			rmdir "/sys/kernel/config/nullb/${ly_d#nullb:}"
			;;
		sdebug:) rmmod scsi_debug ;;
		esac
	done
	rm -f "$DMR_TMP/layout-main.img" "$DMR_TMP/layout-spare.img" "$L_GUARDS" "$L_FLIST"
	: >"$DMR_TMP/layout-devs"
}
