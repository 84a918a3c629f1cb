# dmr-timeout: 120
# Sector arithmetic: a remap target that starts at table sector N maps dm
# sector S to main sector S - N (dm_target_offset), and a target shorter than
# main exposes only main's first <len> sectors.  Every check is on data: what
# is written through dm is verified on main (and on the scratch device that
# backs the linear neighbours) at the expected offset.
. "$DMR_LIB"

scratch=$(nullb_create scratch 16)
main=$(nullb_create main 32)
spare=$(nullb_create spare 16)
spare2=$(nullb_create spare2 16)
msz=$(dev_sectors "$main")

# --- 1. remap in the middle of a three-segment table -------------------------
# [0, N) linear scratch@0 | [N, N+L) remap main | [N+L, N+L+T) linear scratch@N
# N and L are odd, so an offset error cannot hide behind 4k alignment.
N=4097 L=$((msz - 2049)) T=1024
dmsetup create r <<EOT
0 $N linear $scratch 0
$N $L remap $main $spare 1 format
$((N + L)) $T linear $scratch $N
EOT
assert_eq "$(dev_sectors /dev/mapper/r)" $((N + L + T)) "dm size (sectors)"

# Regions fully inside the remap segment: dm offset N+X lands on main at X.
pattern write /dev/mapper/r "${N}s" 1m 1
pattern verify "$main" 0 1m 1
pattern write /dev/mapper/r "$((N + 12345))s" 300k 2 -b 64k
pattern verify "$main" 12345s 300k 2
pattern write /dev/mapper/r "$((N + L - 128))s" 64k 3
pattern verify "$main" "$((L - 128))s" 64k 3
pattern verify /dev/mapper/r "$((N + 12345))s" 300k 2 -b 4k
echo "ok: remap segment data found on main at dm offset - $N sectors"

# The linear neighbours go to scratch, not to main.
pattern write /dev/mapper/r 0 "${N}s" 4
pattern verify "$scratch" 0 "${N}s" 4
pattern write /dev/mapper/r "$((N + L))s" "${T}s" 5
pattern verify "$scratch" "${N}s" "${T}s" 5
pattern verify "$main" 0 1m 1
pattern verify "$main" "$((L - 128))s" 64k 3
echo "ok: linear neighbours on scratch, main untouched by them"

# Single 64k bios straddling both segment boundaries: dm splits them, and each
# half lands on its own device.  Compare the dm view with the pieces.
straddle() {	# straddle DM_SECTOR DEV1 DEV1_SECTOR DEV2 DEV2_SECTOR SEED
	pattern write /dev/mapper/r "$1s" 64k "$6" -b 64k
	pattern verify /dev/mapper/r "$1s" 64k "$6" -b 64k
	read_bytes /dev/mapper/r $(($1 * 512)) 65536 >whole
	{ read_bytes "$2" $(($3 * 512)) 32768; read_bytes "$4" $(($5 * 512)) 32768; } >pieces
	assert_eq "$(wc -c <pieces)" 65536 "bytes read from the two devices"
	cmp whole pieces || fail "straddling write at dm sector $1 not split onto $2@$3 + $4@$5"
	echo "ok: 64k bio at dm sector $1 split onto $2@$3 and $4@$5"
}
straddle $((N - 64)) "$scratch" $((N - 64)) "$main" 0 6
straddle $((N + L - 64)) "$main" $((L - 64)) "$scratch" $N 7

# Main beyond the remap segment (sectors L..msz) was never written.
assert_eq "$(nonzero_bytes "$main" $((L * 512)) $(((msz - L) * 512)))" 0 \
	"non-zero bytes on main past the remap segment"
dmsetup remove r

# --- 2. remap-only table shorter than main ------------------------------------
# (A spare is formatted for one target length, hence a second spare.)
L2=$((msz / 2 + 7))
dmsetup create s --table "0 $L2 remap $main $spare2 1 format"
assert_eq "$(dev_sectors /dev/mapper/s)" $L2 "short target size (sectors)"
assert_eq "$(dmsetup table s)" "0 $L2 remap $(majmin "$main") $(majmin "$spare2") 1 suppress_writes" "short target table"
pattern write /dev/mapper/s 0 64k 8
pattern write /dev/mapper/s "$((L2 - 2048 - 3))s" "$((2048 + 3))s" 9 -b 128k
pattern verify "$main" 0 64k 8
pattern verify "$main" "$((L2 - 2048 - 3))s" "$((2048 + 3))s" 9
# The device ends at L2: a write there is refused and main past L2 is unchanged.
read_bytes "$main" $((L2 * 512)) 32768 | sha256sum >before
if pattern write /dev/mapper/s "${L2}s" 4k 10 2>err; then
	fail "write past the end of a $L2-sector target succeeded"
fi
read_bytes "$main" $((L2 * 512)) 32768 | sha256sum >after
cmp before after || fail "main changed past the end of the short target"
echo "ok: write past the end refused ($(cat err))"
dmsetup remove s
