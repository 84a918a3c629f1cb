# dmr-timeout: 120
# Every bad constructor input is refused with its exact ti->error text.
# dmsetup only reports the errno ("reload ioctl on bad (254:N) failed: ..."),
# the text goes to the kernel log as
#   device-mapper: table: <major>:N: remap: <ti->error> (-E...)
# so each attempt clears the log, then compares the whole message, and no
# other kernel message may appear.  After each failure no dm device is left,
# no test device has a holder and nothing holds a reference on the module
# (the error paths put what they got).  Valid edge cases around each limit
# must be accepted.
. "$DMR_LIB"

main=$(nullb_create main 32)
spare=$(nullb_create spare 16)
scratch=$(nullb_create scratch 16)
spare4k=$(nullb_create spare4k 16 blocksize=4096)
main4k=$(nullb_create main4k 32 blocksize=4096)
sz=$(dev_sectors "$main")
nb_major=$(majmin "$main" | cut -d: -f1)
lo=""

no_leftovers() {	# no dm device, no holder on any test device, module unused
	[ "$(dmsetup ls)" = "No devices found" ] || fail "dm devices left: $(dmsetup ls)"
	for b in main spare scratch spare4k main4k ${lo#/dev/}; do
		[ -z "$(ls /sys/block/$b/holders)" ] || fail "$b still held by $(ls /sys/block/$b/holders)"
	done
	[ "$(cat /sys/module/dm_remap/refcnt)" = 0 ] ||
		fail "dm_remap module refcount $(cat /sys/module/dm_remap/refcnt)"
}

# bad ERRNO MESSAGE TABLE: the table (one line, or several separated by ';')
# must be refused with exactly "MESSAGE (ERRNO)".
bad() {
	errno=$1 msg=$2 table=$3
	dmesg -c >/dev/null
	if out=$(echo "$table" | tr ';' '\n' | dmsetup create bad 2>&1); then
		fail "accepted: '$table'"
	fi
	case "$out" in
	*"reload ioctl on bad"*"failed"*) ;;
	*) fail "unexpected dmsetup output for '$table': $out" ;;
	esac
	got=$(dmesg | sed -n 's/^.*device-mapper: table: [0-9]*:[0-9]*: remap: //p')
	assert_eq "$got" "$msg ($errno)" "error for '$table'"
	extra=$(dmesg | grep -v 'device-mapper: table: [0-9]*:[0-9]*: remap: ' |
		grep -v 'device-mapper: ioctl: error adding target to table' || true)
	[ -z "$extra" ] || fail "unexpected kernel messages for '$table': $extra"
	no_leftovers
}

good() {	# good TABLE: accepted, then removed
	dmsetup create ok --table "$1" || fail "refused: '$1': $(dmesg | tail -n 2)"
	dmsetup remove ok
	no_leftovers
	echo "ok: accepted '$1'"
}

# --- arguments ------------------------------------------------------------------
NEA="Not enough arguments: <main_dev> <spare_dev> [<#opt_args> <opt>...]"
bad -EINVAL "$NEA" "0 $sz remap"
bad -EINVAL "$NEA" "0 $sz remap $main"
bad -EINVAL "$NEA" "0 $sz remap $(majmin "$main")"

bad -ENODEV "Main device lookup failed" "0 $sz remap /dev/nonexistent $spare"
bad -ENXIO "Main device lookup failed" "0 $sz remap $nb_major:99 $spare"
bad -ENODEV "Spare device lookup failed" "0 $sz remap $main /dev/nonexistent"
bad -ENXIO "Spare device lookup failed" "0 $sz remap $main $nb_major:99"

bad -EINVAL "Main and spare are the same device" "0 $sz remap $main $main"
bad -EINVAL "Main and spare are the same device" "0 $sz remap $main $(majmin "$main")"
bad -EINVAL "Main and spare are the same device" "0 $sz remap $(majmin "$main") $main"

# Optional arguments: a count of 0..2, then that many of suppress_writes,
# no_suppress_writes, format.
IA="Invalid number of optional arguments" UO="Unrecognised optional argument"
bad -EINVAL "$IA" "0 $sz remap $main $spare abc"
bad -EINVAL "$IA" "0 $sz remap $main $spare -1"
bad -EINVAL "$IA" "0 $sz remap $main $spare 0x1 format"
bad -EINVAL "$IA" "0 $sz remap $main $spare 1"
bad -EINVAL "$IA" "0 $sz remap $main $spare 2 format"
bad -EINVAL "$IA" "0 $sz remap $main $spare 3 format suppress_writes format"
bad -EINVAL "$UO" "0 $sz remap $main $spare 1 frobnicate"
bad -EINVAL "$UO" "0 $sz remap $main $spare 2 format frobnicate"
bad -EINVAL "$UO" "0 $sz remap $main $spare 2 3 foo"
bad -EINVAL "Too many arguments" "0 $sz remap $main $spare 0 extra"
bad -EINVAL "Too many arguments" "0 $sz remap $main $spare 1 format format"

# --- sizes and block sizes ------------------------------------------------------
bad -EINVAL "Target length exceeds main device size" "0 $((sz + 1)) remap $main $spare 1 format"
bad -EINVAL "Target length exceeds main device size" "0 $((sz * 4)) remap $main $spare 1 format"
# A remap segment at an offset: only its own length counts against main.
bad -EINVAL "Target length exceeds main device size" \
	"0 8 linear $scratch 0;8 $((sz + 1)) remap $main $spare 1 format"
bad -EINVAL "Spare logical block size larger than main's" "0 $sz remap $main $spare4k 1 format"

# --- the spare's metadata ---------------------------------------------------------
bad -EINVAL "Spare has no dm-remap metadata (add the 'format' option to initialise it)" \
	"0 $sz remap $main $spare"
# Smallest spare for 512-byte blocks: 2 superblocks + 2 x 2 metadata blocks
# of 4 KiB (48 sectors) plus one spare block.  48 sectors are too few.
truncate -s $((48 * 512)) small.img
lo=$(loop_create small.img)
bad -EINVAL "Spare device too small for metadata and one spare block" "0 $sz remap $main $lo 1 format"
losetup -d "$lo"
truncate -s $((49 * 512)) small.img
lo=$(loop_create small.img)
good "0 $sz remap $main $lo 1 format"
dmsetup create ok --table "0 $sz remap $main $lo"
assert_eq "$(status_field ok 9)" 1 "spare blocks (spare_total) on a 49-sector spare"
dmsetup remove ok
# A formatted spare is tied to main's block size and the target length, and
# must still be as large as when it was formatted.
bad -EINVAL "Spare was formatted for a main device of another size" "0 $((sz - 8)) remap $main $lo"
bad -EINVAL "Spare was formatted for a main device with another block size" \
	"0 $(dev_sectors "$main4k") remap $main4k $lo"
losetup -d "$lo"
truncate -s $((48 * 512)) small.img
lo=$(loop_create small.img)
bad -EINVAL "Spare device is smaller than its metadata describes" "0 $sz remap $main $lo"
losetup -d "$lo"
lo=""

# --- devices held exclusively elsewhere (a mounted file system) -----------------
mkfs.ext4 -q "$scratch"
mkdir -p /mnt/busy
mount "$scratch" /mnt/busy
bad -EBUSY "Main device lookup failed" "0 $(dev_sectors "$scratch") remap $scratch $spare 1 format"
bad -EBUSY "Spare device lookup failed" "0 $sz remap $main $scratch 1 format"
umount /mnt/busy

# --- valid edge cases --------------------------------------------------------------
good "0 $sz remap $main $spare 1 format"
good "0 $sz remap $main $spare 0"
good "0 $sz remap $(majmin "$main") $(majmin "$spare") 2 no_suppress_writes suppress_writes"
good "0 $sz remap $main $spare 2 format no_suppress_writes"
good "0 $(dev_sectors "$main4k") remap $main4k $spare4k 1 format"
dd if=/dev/zero of="$scratch" bs=1M count=1 2>/dev/null    # wipe: a blank spare again
good "0 $(dev_sectors "$main4k") remap $main4k $scratch 1 format"
