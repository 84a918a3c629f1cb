# Fault-injection helpers for cases that make the spare (or main) misbehave
# in ways lib.sh's wfail_* cannot: failing reads, metadata regions, devices
# whose writes fail but reads work.  Source after lib.sh:
#   . "$DMR_LIB"
#   . /dmr/lib-faults.sh

# fault_table SIZE DEV BAD [FIRST-LAST...]: a dm table of SIZE sectors that
# maps DEV linearly, except the given sector ranges (sorted, non-overlapping),
# which go to BAD: the word "error" (the error target: reads and writes
# fail) or another device (linear, at the same offset).
fault_table() {
	ft_size=$1 ft_dev=$2 ft_bad=$3
	shift 3
	ft_pos=0
	for ft_r in "$@"; do
		ft_a=${ft_r%-*} ft_b=${ft_r#*-}
		[ "$ft_a" -gt "$ft_pos" ] &&
			echo "$ft_pos $((ft_a - ft_pos)) linear $ft_dev $ft_pos"
		if [ "$ft_bad" = error ]; then
			echo "$ft_a $((ft_b - ft_a + 1)) error"
		else
			echo "$ft_a $((ft_b - ft_a + 1)) linear $ft_bad $ft_a"
		fi
		ft_pos=$((ft_b + 1))
	done
	[ "$ft_pos" -lt "$ft_size" ] &&
		echo "$ft_pos $((ft_size - ft_pos)) linear $ft_dev $ft_pos"
	return 0
}

# fault_set NAME SIZE DEV BAD [FIRST-LAST...]: replace the table of the dm
# device NAME with fault_table's, at runtime (nothing else is suspended).
fault_set() {
	fs_name=$1
	shift
	fault_table "$@" | dmsetup reload "$fs_name"
	dmsetup suspend "$fs_name"
	dmsetup resume "$fs_name"
}

# rfail_create NAME DEV [FIRST-LAST...]: /dev/mapper/NAME writes to DEV but
# fails READS of the given sector ranges (an unreadable sector whose writes
# still "succeed": the mirror image of wfail_create).  dm-delay sends reads
# to NAME-r, a linear table with error segments, and writes and flushes to
# DEV.  Prints the device path.
rfail_create() {
	rf_name=$1 rf_dev=$2
	shift 2
	rf_size=$(dev_sectors "$rf_dev")
	fault_table "$rf_size" "$rf_dev" error "$@" | dmsetup create "$rf_name-r"
	dmsetup create "$rf_name" --table "0 $rf_size delay /dev/mapper/$rf_name-r 0 0 $rf_dev 0 0"
	echo "/dev/mapper/$rf_name"
}

# rfail_set NAME DEV [FIRST-LAST...]: replace the unreadable ranges at runtime.
rfail_set() {
	rs_name=$1 rs_dev=$2
	shift 2
	fault_set "$rs_name-r" "$(dev_sectors "$rs_dev")" "$rs_dev" error "$@"
}

# rfail_remove NAME: remove both devices of rfail_create.
rfail_remove() {
	dmsetup remove "$1"
	dmsetup remove "$1-r"
}

# meta_gen DEV SECTOR: the generation field (le64 at byte 16) of the
# metadata block at SECTOR of a spare, read from the device itself (page
# cache dropped first, so writes that bypassed it are seen).
meta_gen() {
	read_bytes "$1" $(($2 * 512 + 16)) 8 | od -An -tu8 | tr -d ' '
}

# meta_sector SPARE a|b INDEX: sector of metadata block INDEX of copy A or B
# (from the superblock on SPARE, read after dropping its page cache).
meta_sector() {
	blockdev --flushbufs "$1"
	dmr-meta sector "$1" "$2" "$3"
}

# dev_sum DEV: sha256 of the whole device (page cache dropped first).
dev_sum() {
	blockdev --flushbufs "$1"
	sha256sum <"$1" | cut -d' ' -f1
}

# klog_has TEXT...: the kernel log since the last `dmesg -c` has a line that
# contains every TEXT (fixed strings).
klog_has() {
	kl=$(dmesg)
	for kt in "$@"; do
		kl=$(printf '%s\n' "$kl" | grep -F -- "$kt") || return 1
	done
	[ -n "$kl" ]
}

# run_parts "$@" PART...: a case made of independent parts.  Called with no
# case arguments, runs each PART as its own `sh -e "$0" PART` (so one part
# failing does not hide the others; each must clean up after itself or use
# its own device names) and exits 1 if any failed, 77 if all skipped, else
# 0.  Called with a PART argument, runs the function part_PART in this shell
# and returns.  Use as the last line of the case:  run_parts "$@" a b c
run_parts() {
	if [ $# -gt 0 ] && [ "$1" = "--part" ]; then
		"part_$2"
		exit 0
	fi
	rp_failed="" rp_ran=0
	for rp in "$@"; do
		echo "=== part $rp"
		rp_rc=0
		sh -e "$0" --part "$rp" || rp_rc=$?
		case $rp_rc in
		0) echo "=== part $rp: ok"; rp_ran=$((rp_ran + 1)) ;;
		77) echo "=== part $rp: skipped" ;;
		*) echo "=== part $rp: FAILED (exit $rp_rc)"; rp_failed="$rp_failed $rp"; rp_ran=$((rp_ran + 1)) ;;
		esac
	done
	[ -z "$rp_failed" ] || fail "parts failed:$rp_failed"
	[ "$rp_ran" -gt 0 ] || skip "every part skipped"
	exit 0
}
