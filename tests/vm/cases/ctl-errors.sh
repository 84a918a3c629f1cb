# Every bad input to dmremapctl fails with its documented exit status and a
# one-line message on stderr naming the problem, and leaves nothing behind:
# 1 usage, 4 wrong device, 5 exists or in use, 6 kernel/target (see
# dmremapctl(8), EXIT STATUS).
# dmr-lanes: stock trixie
# Not on the debug lane: dmremapctl over the table lines and messages the
# kernel cases send under the debug kernel: pure userspace there.
. "$DMR_LIB"

main=$(nullb_create main 32)
spare=$(nullb_create spare 8)
scratch=$(nullb_create scratch 16)
main4k=$(nullb_create main4k 32 blocksize=4096)
touch plain.file
dd if=/dev/zero of=small.img bs=512 count=48 2>/dev/null
small=$(loop_create small.img)

nothing_left() {	# no dm device and no holder on any test device
	[ "$(dmsetup ls)" = "No devices found" ] || fail "dm devices left: $(dmsetup ls)"
	for b in main spare scratch main4k ${small#/dev/}; do
		[ -z "$(ls /sys/block/$b/holders)" ] || fail "$b still held by $(ls /sys/block/$b/holders)"
	done
}

# one_line CMD...: fails, and stderr is exactly one "dmremapctl: " line.
one_line() {
	err=$("$@" 2>&1 >/dev/null) && fail "'$*' succeeded"
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "'$*': not one line: $err"
	case "$err" in
	"dmremapctl: "*) ;;
	*) fail "'$*': message without the program name: $err" ;;
	esac
}

# --- usage (1): nothing reaches the kernel ---------------------------------------
expect_exit 1 "unknown command 'frob'" dmremapctl frob
expect_exit 1 "unknown option '--frob'" dmremapctl --frob status
expect_exit 1 "create: unknown option '--frob'" dmremapctl create r "$main" "$spare" --frob
expect_exit 1 "create: missing argument" dmremapctl create r "$main"
expect_exit 1 "create: unexpected argument 'extra'" dmremapctl create r "$main" "$spare" extra
expect_exit 1 "invalid device name 'a/b'" dmremapctl create a/b "$main" "$spare" --format
expect_exit 1 "invalid device name 'a b'" dmremapctl create "a b" "$main" "$spare" --format
expect_exit 1 "invalid UUID" dmremapctl create r "$main" "$spare" --uuid "has blank"
expect_exit 1 "option '--uuid' needs a value" dmremapctl create r "$main" "$spare" --uuid
expect_exit 1 "--block-size 1000 is not a power of two" dmremapctl create r "$main" "$spare" --block-size 1000
expect_exit 1 "create: no JSON output" dmremapctl --json create r "$main" "$spare"
expect_exit 1 "--suppress and --no-suppress exclude each other" \
	dmremapctl create r "$main" "$spare" --suppress --no-suppress
nothing_left

# --- wrong device (4) ---------------------------------------------------------------
expect_exit 4 "main device '/dev/nonexistent' does not exist" \
	dmremapctl create r /dev/nonexistent "$spare" --format
expect_exit 4 "spare device '/dev/nonexistent' does not exist" \
	dmremapctl create r "$main" /dev/nonexistent --format
expect_exit 4 "spare device 'plain.file' is not a block device" \
	dmremapctl create r "$main" plain.file --format
expect_exit 4 "main device '/dev/null' is not a block device" \
	dmremapctl create r /dev/null "$spare" --format
expect_exit 4 "main and spare are the same device" dmremapctl create r "$main" "$main" --format
ln -s "$main" main.link
expect_exit 4 "main and spare are the same device" dmremapctl create r "$main" main.link --format
expect_exit 4 "is too small" dmremapctl create r "$main" "$small" --format
expect_exit 4 "has a logical block size of 512 bytes, not 4096" \
	dmremapctl create r "$main" "$spare" --format --block-size 4096
expect_exit 4 "has no dm-remap metadata" dmremapctl create r "$main" "$spare"
expect_exit 4 "no device-mapper device named 'nosuch'" dmremapctl status nosuch
expect_exit 4 "no device-mapper device named 'nosuch'" dmremapctl remove nosuch
expect_exit 4 "no device-mapper device named 'nosuch'" dmremapctl remaps nosuch
expect_exit 4 "no dm-remap superblock" dmremapctl dump "$scratch"
expect_exit 4 "/dev/nonexistent" dmremapctl dump /dev/nonexistent
one_line dmremapctl create r /dev/nonexistent "$spare"
one_line dmremapctl dump "$scratch"
nothing_left

# A spare formatted for one device refuses another (uuid, block size).
dmremapctl create r "$main" "$spare" --format --uuid first-uuid
dmremapctl remove r
expect_exit 4 "belongs to the device with uuid 'first-uuid'" dmremapctl create r "$main" "$spare"
expect_exit 4 "512-byte blocks" dmremapctl create r "$main4k" "$spare" --uuid first-uuid
nothing_left

# --- exists or in use (5) ----------------------------------------------------------
dmremapctl create r "$main" "$spare" --uuid first-uuid --block-size 512
expect_exit 5 "already exists" dmremapctl create r "$scratch" "$small" --format
expect_exit 5 "in use" dmremapctl create r2 "$main" "$scratch" --format
expect_exit 5 "in use" dmremapctl create r2 "$scratch" "$spare" --format
expect_exit 5 "is held by" dmremapctl dump "$spare"
# A name taken by a device of another target, and a device it holds.
dmsetup create lin --table "0 $(dev_sectors "$scratch") linear $scratch 0"
expect_exit 5 "already exists" dmremapctl create lin "$main4k" "$small" --format
expect_exit 5 "in use by" dmremapctl create r2 "$scratch" "$small" --format
expect_exit 4 "not a dm-remap device" dmremapctl status lin
expect_exit 4 "not a dm-remap device" dmremapctl remove lin
dmsetup remove lin
# Mounted.
mkfs.ext4 -q "$scratch"
mkdir -p /mnt/busy
mount "$scratch" /mnt/busy
expect_exit 5 "mounted on /mnt/busy" dmremapctl create r2 "$scratch" "$small" --format
umount /mnt/busy

# --- bad block numbers on a live device (1) ---------------------------------------
blocks=$(($(dev_sectors "$main")))
expect_exit 1 "invalid block number 'abc'" dmremapctl remap r abc
expect_exit 1 "invalid block number '-1'" dmremapctl remap r -1
expect_exit 1 "invalid block number '1x'" dmremapctl remap r 1x
expect_exit 1 "block $blocks is beyond the device ($blocks blocks of 512 bytes)" \
	dmremapctl remap r $blocks
expect_exit 5 "block 5 of 'r' is not pending" dmremapctl clear-pending r 5
expect_exit 1 "remaps: unknown option '--frob'" dmremapctl remaps r --frob
assert_eq "$(status_field r 6) $(status_field r 7)" "0 0" "no remap made by bad calls"
# ... and good ones.
assert_eq "$(dmremapctl remap r $((blocks - 1)))" "block $((blocks - 1)) remapped to spare block 0" \
	"manual remap"
nullb_badblocks main + 10 10
assert_eq "$(dmremapctl remap r 10)" \
	"block 10 cannot be read from main: marked pending (its next write goes to the spare)" \
	"manual remap of an unreadable block"
assert_eq "$(status_field r 7)" 1 "pending"
dmremapctl clear-pending r 10
assert_eq "$(status_field r 7)" 0 "pending after clear-pending"
dmremapctl remove r
nothing_left

# --- kernel/target (6): without the module ----------------------------------------
trap 'lsmod | grep -q "^dm_remap " || insmod "$DMR_KO"' EXIT	# put it back if we fail
rmmod dm_remap
# The table load would load the module (request_module); this guest has no
# module tree for it, so create says the module is missing.  A host without
# the module has no dm-remap devices: status and list say so and succeed.
blank=$(nullb_create blank 8)
expect_exit 6 "dm-remap kernel module not available (modprobe dm-remap?)" \
	dmremapctl create r "$main" "$blank" --format
[ ! -e /dev/mapper/r ] || fail "a failed create left /dev/mapper/r behind"
expect_exit 0 "" dmremapctl status
assert_eq "$(dmremapctl status)" "no dm-remap devices" "status without the module"
assert_eq "$(dmremapctl list)" "no dm-remap devices" "list without the module"
# --version reports the tool and library only: it does not touch the kernel.
dmremapctl --version | grep -q '^dmremapctl ' || fail "--version: $(dmremapctl --version)"
insmod "$DMR_KO"
losetup -d "$small"
