# create --format over a spare that holds an ext4 filesystem is refused
# without --yes (stdin is not a terminal) and done with it; MAIN and SPARE
# given swapped are refused, with and without --format; the hint without
# --format never suggests formatting a disk that holds something.  Every
# refusal leaves every byte of both disks as it was (checksums).
# dmr-lanes: stock trixie
# Not on the debug lane: dmremapctl over the table lines and messages the
# kernel cases send under the debug kernel: pure userspace there.
. "$DMR_LIB"

main=$(nullb_create gmain 32)
spare=$(nullb_create gspare 8)
spare2=$(nullb_create gspare2 8)
pattern write "$main" 0 32m 11
mkfs.ext4 -q -F -L oldspare "$spare"
sum() { sha256sum <"$1" | cut -d' ' -f1; }
m0=$(sum "$main") s0=$(sum "$spare")
unchanged() {
	assert_eq "$(sum "$main")" "$m0" "main unchanged ($1)"
	assert_eq "$(sum "$spare")" "$s0" "spare unchanged ($1)"
	[ ! -e /dev/mapper/g ] || fail "/dev/mapper/g exists after $1"
}

expect_exit 5 "holds an ext4 filesystem" dmremapctl create g "$main" "$spare" --format </dev/null
expect_exit 5 "not asking: standard input is not a terminal" \
	dmremapctl create g "$main" "$spare" --format </dev/null
unchanged "refused format"
expect_exit 4 "is it the right disk? (formatting it would destroy that)" \
	dmremapctl create g "$main" "$spare"
err=$(dmremapctl create g "$main" "$spare" 2>&1) && fail "create without --format succeeded"
case "$err" in *"create --format"*) fail "hint to format a disk with a filesystem: $err" ;; esac
unchanged "no --format"

# Swapped: spare2 is a real spare, given as MAIN; main given as SPARE.
dmremapctl create g "$main" "$spare2" --format
dmremapctl remove g
m0=$(sum "$main") s2=$(sum "$spare2")
expect_exit 4 "MAIN and SPARE swapped?" dmremapctl create g "$spare2" "$main"
expect_exit 4 "MAIN and SPARE swapped?" dmremapctl create g "$spare2" "$main" --format --yes
assert_eq "$(sum "$main")" "$m0" "main unchanged (swapped)"
assert_eq "$(sum "$spare2")" "$s2" "spare2 unchanged (swapped)"

# --yes: the ext4 spare is formatted, its signature wiped, data intact.
dmremapctl create g "$main" "$spare" --format --yes 2>err.txt
cat err.txt
grep -q "WARNING: spare $spare holds an ext4 filesystem" err.txt || fail "no warning"
grep -q "formatted spare $spare" err.txt || fail "no format notice"
[ -b /dev/mapper/g ] || fail "/dev/mapper/g was not created"
case " $(dm_table g) " in *" format "*) fail "the kernel's format option in: $(dm_table g)" ;; esac
pattern verify /dev/mapper/g 0 32m 11
assert_eq "$(sum "$main")" "$m0" "main unchanged by the format"
dmremapctl remove g
dmremapctl dump --json "$spare" >dump.json
assert_eq "$(jq '.spare.format_version' dump.json)" 2 "format version"
assert_eq "$(jq -r '.spare.main_id' dump.json)" "name:gmain" "main id (null_blk: its name)"
assert_eq "$(jq '.spare.main_sectors' dump.json)" "$(dev_sectors "$main")" "main sectors"
fid=$(jq -r '.spare.format_id' dump.json)
assert_eq "$(jq -r '.spare.uuid' dump.json)" "DMREMAP-$fid-g" "uuid"
if command -v blkid >/dev/null && blkid "$spare" 2>/dev/null | grep -q ext4; then
	fail "ext4 still visible on the spare: $(blkid "$spare")"
fi
# The spare is never formatted again, even with --yes.
dmremapctl create g "$main" "$spare" --format --yes
assert_eq "$(dmsetup info -c --noheadings -o uuid g)" "DMREMAP-$fid-g" "same spare, same uuid"
dmremapctl remove g
