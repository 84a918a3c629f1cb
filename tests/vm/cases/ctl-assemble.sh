# /etc/dmremaptab in the guest: assemble --all (noauto skipped, options
# applied, FORMAT_ID= resolved), assemble again is a no-op, the
# /run/dmremap records, udev-probe for the main and the spare, disassemble
# (twice), and a line that cannot be assembled.
# dmr-lanes: stock trixie
# Not on the debug lane: dmremapctl over the table lines and messages the
# kernel cases send under the debug kernel: pure userspace there.
. "$DMR_LIB"

trap 'rm -f /etc/dmremaptab' EXIT
ma=$(nullb_create amain 32)
sa=$(nullb_create aspare 8)
mb=$(nullb_create bmain 16)
sb=$(nullb_create bspare 4)
other=$(nullb_create aother 4)
dmremapctl create a "$ma" "$sa" --format
dmremapctl remove a
dmremapctl create b "$mb" "$sb" --format
dmremapctl remove b
fid=$(dmremapctl dump --json "$sa" | jq -r '.spare.format_id')
cat >/etc/dmremaptab <<TAB
# dm-remap devices of this test
a  $ma  FORMAT_ID=$fid   nofail
b  $mb  $sb   no_suppress_writes,x-systemd.device-timeout=10
c  /dev/nonexistent /dev/nonexistent2 noauto
TAB

dmremapctl assemble --all
[ -b /dev/mapper/a ] || fail "a not assembled"
[ -b /dev/mapper/b ] || fail "b not assembled"
[ ! -e /dev/mapper/c ] || fail "noauto line c assembled"
assert_eq "$(dm_table a | cut -d' ' -f1-2)" "$(majmin "$ma") $(majmin "$sa")" "a: FORMAT_ID= resolved to $sa"
assert_eq "$(dm_table b | cut -d' ' -f4)" no_suppress_writes "b: option"
assert_eq "$(dmsetup info -c --noheadings -o uuid a)" "DMREMAP-$fid-a" "a: uuid"
grep -qx "MAIN_DEVNUM=$(majmin "$ma")" /run/dmremap/a || fail "record: $(cat /run/dmremap/a)"
grep -qx "SPARE=$sa" /run/dmremap/a || fail "record: $(cat /run/dmremap/a)"

# Again: nothing to do.
expect_exit 0 "'a' is already assembled" dmremapctl assemble --all
expect_exit 0 "'b' is already assembled" dmremapctl assemble b
expect_exit 4 "'nosuch' is not in /etc/dmremaptab" dmremapctl assemble nosuch
expect_exit 4 "/dev/nonexistent" dmremapctl assemble c

# udev-probe: the main, the spare, the device itself, an unrelated disk.
assert_eq "$(dmremapctl udev-probe "$ma" | tr '\n' ' ')" \
	"DMREMAP_ROLE=main DMREMAP_NAME=a ID_FS_TYPE=dm_remap_member ID_FS_USAGE=other SYSTEMD_READY=0 UDISKS_IGNORE=1 " \
	"udev-probe main"
assert_eq "$(dmremapctl udev-probe "${mb#/dev/}" | sed -n 2p)" "DMREMAP_NAME=b" "udev-probe main by name"
assert_eq "$(dmremapctl udev-probe "$sa" | tr '\n' ' ')" \
	"ID_FS_TYPE=dm_remap_spare ID_FS_USAGE=other DMREMAP_FORMAT_ID=$fid DMREMAP_ROLE=spare " \
	"udev-probe spare"
assert_eq "$(dmremapctl udev-probe /dev/mapper/a)" "" "udev-probe of the dm-remap device"
assert_eq "$(dmremapctl udev-probe "$other")" "" "udev-probe of another disk"

# Data through the assembled device.
pattern write /dev/mapper/a 0 4m 5
pattern verify "$ma" 0 4m 5

expect_exit 0 "" dmremapctl disassemble a b
[ ! -e /dev/mapper/a ] && [ ! -e /dev/mapper/b ] || fail "not disassembled"
[ ! -e /run/dmremap/a ] || fail "record left"
expect_exit 0 "" dmremapctl disassemble a b
# Still a member by the tab: udev keeps hiding the raw main.
assert_eq "$(dmremapctl udev-probe "$ma" | sed -n 1p)" "DMREMAP_ROLE=main" "main after disassemble"

# Assembled again from the tab: the remaps and the data come back.
dmremapctl assemble a
pattern verify /dev/mapper/a 0 4m 5
dmremapctl disassemble --all
[ ! -e /dev/mapper/a ] || fail "disassemble --all"
