# dmremapctl end to end over a disk whose writes fail in three ranges:
# create --format, mkfs.ext4 and a file through it, `status --json` checked
# against the kernel's status line, `remaps --json` against the kernel's
# `list`, the human tables, then remove, `dump` of the inactive spare
# matching what the live table listed, and re-create without --format.
# dmr-lanes: stock trixie
# Not on the debug lane: dmremapctl over the table lines and messages the
# kernel cases send under the debug kernel: pure userspace there.
. "$DMR_LIB"

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
disk=$(wfail_create failing "$main" 2-9 4096-4159 60000-60063)
dmremapctl create r "$disk" "$spare" --format --block-size 512
[ -b /dev/mapper/r ] || fail "/dev/mapper/r was not created"
assert_eq "$(dm_table r | cut -d' ' -f4)" suppress_writes "table suppress option"

# A file system and a file over the failing ranges.
mkfs.ext4 -q /dev/mapper/r
mkdir -p /mnt/r
mount /dev/mapper/r /mnt/r
head -c 30000000 /dev/urandom >file
cp file /mnt/r/file
umount /mnt/r
echo 3 >/proc/sys/vm/drop_caches
e2fsck -fn /dev/mapper/r >/dev/null || fail "e2fsck found errors"
mount -o ro /dev/mapper/r /mnt/r
assert_eq "$(sha256sum </mnt/r/file)" "$(sha256sum <file)" "file read back"
umount /mnt/r

# status --json: the schema, and every counter equal to the kernel's.
dmremapctl status --json >status.json
assert_eq "$(jq '.schema_version' status.json)" 1 "schema_version"
assert_eq "$(jq '.devices | length' status.json)" 1 "devices"
assert_eq "$(jq -r '.devices[0].name' status.json)" r "name"
assert_eq "$(jq '[.devices[0] | .reads, .writes, .read_errors, .write_errors,
	.remapped, .pending, .retired, .errors_suppressed, .spare_errors,
	.spare_blocks.used, .spare_blocks.total, .spare_blocks.free,
	.spare_blocks.used_pct, .spare_start, .metadata_generation, .block_size,
	.start, .length, .status_version, .health.level_code]
	| map(type == "number") | all' status.json)" true "every counter is a number"
st=$(dm_status r)
set -- $st
json=$(jq -r '.devices[0] | "\(.status_version) \(.reads) \(.writes) \(.read_errors)
	\(.write_errors) \(.remapped) \(.pending) \(.spare_blocks.used)
	\(.spare_blocks.total) \(.retired) \(.errors_suppressed) \(.spare_errors)
	\(if .suppress then "on" else "off" end) \(.kernel_health)"' status.json | tr -s ' \n\t' ' ')
assert_eq "${json% }" "$(echo "$st" | cut -d' ' -f1-14)" "JSON counters = kernel status line"
remapped=$6
[ "$remapped" -gt 0 ] || fail "nothing was remapped"
assert_eq "$(jq '.devices[0].pending' status.json)" 0 "pending"
assert_eq "$(jq -r '.devices[0].health.level' status.json)" ok "health"
assert_eq "$(jq '.devices[0].length' status.json)" "$(dev_sectors "$main")" "length"
assert_eq "$(jq -r '.devices[0].main.path' status.json)" "$disk" "main path"
assert_eq "$(jq -r '.devices[0].spare.path' status.json)" "$spare" "spare path"
# The default dm UUID derives from the spare's format id: DMREMAP-<16 hex>-NAME.
uuid=$(jq -r '.devices[0].uuid' status.json)
echo "$uuid" | grep -qx 'DMREMAP-[0-9a-f]\{16\}-r' || fail "default uuid: got '$uuid'"
assert_eq "${uuid#DMREMAP-}" "$(stat_value r format_id)-r" "default uuid names the spare's format id"
assert_eq "$(jq '.devices[0].metadata_generation' status.json)" "$(stat_value r metadata_generation)" \
	"metadata generation"

# remaps --json lists exactly what the kernel lists.
dmsetup message r 0 list >kernel.list
grep -q '^next' kernel.list && fail "kernel list was paged; make the case smaller"
dmremapctl remaps r --json >remaps.json
jq -r '.entries[] | "\(.block) \(.state) \(.spare_block // "-")"' remaps.json >ctl.list
diff kernel.list ctl.list || fail "remaps --json differs from the kernel's list"
assert_eq "$(wc -l <ctl.list)" "$remapped" "remaps entries"
echo "ok: remaps --json = kernel list ($remapped entries)"

# Human output: a status block with aligned labels, list and remaps tables.
dmremapctl status r >status.txt
grep -qx "  remapped        $remapped blocks" status.txt || fail "status table: $(cat status.txt)"
grep -qx "  health          ok (kernel: ok)" status.txt || fail "status health: $(cat status.txt)"
dmremapctl list >list.txt
head -n 1 list.txt | grep -q '^NAME  *MAIN  *SPARE  *SIZE  *HEALTH  *REMAPPED  *PENDING  *SPARE USED$' ||
	fail "list heading: $(head -n 1 list.txt)"
grep -q "^r  *$disk  *$spare  *64 MiB  *ok  *$remapped  *0 " list.txt || fail "list row: $(cat list.txt)"
dmremapctl remaps r >remaps.txt
assert_eq "$(($(wc -l <remaps.txt) - 1))" "$remapped" "remaps table rows"
sed 1d remaps.txt | awk '{ print $1, $2, $3 }' | diff kernel.list - || fail "remaps table differs"

# A spare in use cannot be dumped.
expect_exit 5 "is held by" dmremapctl dump "$spare"

# After remove, the spare's table decodes to what the live device listed.
dmremapctl remove r
[ ! -e /dev/mapper/r ] || fail "/dev/mapper/r still exists"
dmremapctl dump "$spare" --json >dump.json
jq -r '.entries[] | "\(.block) \(.state) \(.spare_block // "-")"' dump.json >dump.list
diff kernel.list dump.list || fail "dump differs from the live table"
assert_eq "$(jq '.spare.remapped' dump.json)" "$remapped" "dump: remapped"
assert_eq "$(jq '.spare.main_blocks' dump.json)" "$(dev_sectors "$main")" "dump: main blocks"
assert_eq "$(jq -r '.spare.uuid' dump.json)" "$uuid" "dump: uuid"
assert_eq "$(jq '.spare.superblock_a_valid and .spare.superblock_b_valid' dump.json)" true \
	"dump: both superblocks valid"
dmremapctl dump "$spare" >dump.txt
grep -qx "  entries         $remapped remapped, 0 pending, 0 spare blocks retired" dump.txt ||
	fail "dump table: $(cat dump.txt)"
echo "ok: dump of the inactive spare = live table"

# Re-created without --format, the device serves the same remaps and data.
dmremapctl create r "$disk" "$spare"
assert_eq "$(status_field r 6)" "$remapped" "remapped after re-create"
mount -o ro /dev/mapper/r /mnt/r
assert_eq "$(sha256sum </mnt/r/file)" "$(sha256sum <file)" "file after re-create"
umount /mnt/r
dmremapctl remove r
assert_eq "$(dmremapctl list)" "no dm-remap devices" "list after remove"
