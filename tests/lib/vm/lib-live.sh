# libdmremap against the real device-mapper, driven through dmremapctl.
# dmr-timeout: 600
. "$DMR_LIB"
ctl=/dmr/bin/dmremapctl
main=$(nullb_create main 64)
spare=$(nullb_create spare 16)

$ctl create safe "$main" "$spare" --format
[ -b /dev/mapper/safe ] || fail "no /dev/mapper/safe"
uuid=$(dmsetup info -c --noheadings -o uuid safe)
case "$uuid" in DMREMAP-????????????????-safe) echo "ok: uuid $uuid" ;; *) fail "uuid: $uuid" ;; esac
assert_eq "$(dm_table safe)" "$(majmin "$main") $(majmin "$spare") 1 suppress_writes" "table"
dmsetup create lin --table "0 100 linear $main 0"
assert_eq "$($ctl list | awk 'NR > 1 { print $1 }')" safe "list"
expect_fail "already exists" $ctl create safe "$main" "$spare"
expect_fail "is not a dm-remap device" $ctl status lin

# 1200 failing blocks remapped by one write: several list pages.
pattern write /dev/mapper/safe 0 2m 3
nullb_badblocks main + 0 1199
pattern write /dev/mapper/safe 0 1m 4
assert_eq "$(status_field safe 6)" 1200 "remapped (kernel)"
$ctl status safe
$ctl --json --pretty status safe > ./st.json
cat ./st.json
assert_eq "$(jq '.devices[0].remapped' ./st.json)" 1200 "remapped (json)"
assert_eq "$(jq -r '.devices[0].main.devnum' ./st.json)" "$(majmin "$main")" "main devnum"
assert_eq "$(jq -r '.devices[0].spare.path' ./st.json)" "$spare" "spare path"
assert_eq "$(jq -r '.devices[0].dm_device.path' ./st.json)" "/dev/mapper/safe" "dm path"
assert_eq "$(jq '.devices[0].block_size' ./st.json)" 512 "block size"
assert_eq "$(jq '.devices[0].spare_start' ./st.json)" "$(dmsetup message safe 0 stats | tr ' ' '\n' | sed -n 's/^spare_start=//p')" "spare_start"
assert_eq "$(jq -r '.devices[0].target_version' ./st.json)" "1.1.0" "target version"
# The kernel's reply is cut short: the library had to page.
dmsetup message safe 0 list | tail -n 1 | grep -q "^next " || fail "list reply not paged"
$ctl remaps safe > ./remaps
assert_eq "$(grep -c remapped ./remaps)" 1200 "remaps lines"
$ctl --json remaps safe > ./remaps.json
assert_eq "$(jq '.entries | length' ./remaps.json)" 1200 "remaps json"
assert_eq "$(jq '.entries[1199].block' ./remaps.json)" 1199 "last entry"
pattern verify /dev/mapper/safe 0 1m 4

# Messages: remap a readable and an unreadable block, clear_pending, suppress.
$ctl remap safe 5000
assert_eq "$(dmsetup message safe 0 list 5000 1)" "5000 remapped 1200" "manual remap"
nullb_badblocks main + 6000 6000
$ctl remap safe 6000
assert_eq "$(status_field safe 7)" 1 "pending after remap of an unreadable block"
$ctl clear-pending safe 6000
assert_eq "$(status_field safe 7)" 0 "pending after clear-pending"
nullb_badblocks main - 6000 6000
$ctl suppress safe off
assert_eq "$(status_field safe 13)" off "suppress off"
$ctl suppress safe on
expect_fail "held by dm-" $ctl dump "$spare"
$ctl remove safe
[ ! -e /dev/mapper/safe ] || fail "node left after remove"
$ctl --json dump "$spare" > ./dump.json
assert_eq "$(jq '.spare.remapped' ./dump.json)" 1201 "dump remapped"
assert_eq "$(jq -r '.spare.uuid' ./dump.json)" "$uuid" "dump uuid"
assert_eq "$(jq '.entries[5].spare_block' ./dump.json)" "$(jq '.entries[5].spare_block' ./remaps.json)" "dump = live"
dmsetup remove lin
expect_fail "belongs to the device with uuid" $ctl create other "$main" "$spare"
$ctl create safe "$main" "$spare"
pattern verify /dev/mapper/safe 0 1m 4
$ctl remove safe

# A whole disk is in use while one of its partitions is mounted (opening the
# disk with O_EXCL would succeed).
dd if=/dev/zero of=disk.img bs=1M count=16 2>/dev/null
# MBR: one Linux (0x83) partition, LBA 2048, 30720 sectors.
printf '\203' | dd of=disk.img bs=1 seek=450 conv=notrunc 2>/dev/null
printf '\000\010\000\000\000\170\000\000' | dd of=disk.img bs=1 seek=454 conv=notrunc 2>/dev/null
printf '\125\252' | dd of=disk.img bs=1 seek=510 conv=notrunc 2>/dev/null
disk=$(losetup -f)
losetup -P "$disk" disk.img
[ -b "${disk}p1" ] || fail "no partition ${disk}p1"
mkfs.ext4 -q "${disk}p1"
mkdir -p /mnt/lib
mount "${disk}p1" /mnt/lib
expect_fail "is in use: its partition ${disk#/dev/}p1 is mounted on /mnt/lib" \
	$ctl create part "$disk" "$spare" --format
umount /mnt/lib
losetup -d "$disk"
echo "lib-live done"
