# A metadata write that fails puts the device in a persistent failed state:
# the write that needed it gets EIO, no new remaps are made, existing remaps
# are still served, and status/health say so, also after re-activation.
. "$DMR_LIB"

main=$(nullb_create main 64)
nspare=$(nullb_create spare 16)
ssz=$(dev_sectors "$nspare")
dmsetup create sp --table "0 $ssz linear $nspare 0"
spare=/dev/mapper/sp
sz=$(dev_sectors "$main")
disk=$(wfail_create failing "$main" 1000-1007)
dmsetup create r --table "0 $sz remap $disk $spare 1 format"
pattern write /dev/mapper/r 0 1m 1
assert_eq "$(status_field r 6)" 8 "remapped"
ds=$(stat_value r spare_start)

# The metadata copies (sectors 16 .. data start) stop taking writes.
printf '0 16 linear %s 0\n16 %s error\n%s %s linear %s %s\n' "$nspare" $((ds - 16)) \
	"$ds" $((ssz - ds)) "$nspare" "$ds" | dmsetup reload sp
dmsetup suspend sp
dmsetup resume sp

wfail_set failing "$main" 1000-1007 2000-2003
dmesg -c >/dev/null
expect_fail "Input/output error" pattern write /dev/mapper/r $((2000 * 512)) 2k 2
dmesg | grep -q "metadata write failed" || fail "no kernel message"
assert_eq "$(status_field r 14)" failed "health"
# No new remap is attempted now; existing ones are served.  (The blocks of
# the failed commit are lost: their I/O fails until re-activation, see
# meta-commit-failed.)
wfail_set failing "$main" 1000-1007 2000-2003 2100-2100
expect_fail "Input/output error" pattern write /dev/mapper/r $((2100 * 512)) 512 3
assert_eq "$(status_field r 7)" 1 "pending (kept in memory only)"
pattern verify /dev/mapper/r 0 512k 1
pattern write /dev/mapper/r $((1000 * 512)) 4k 4
pattern verify /dev/mapper/r $((1000 * 512)) 4k 4
dmsetup remove r

# The state is in the superblock: still failed after re-activation.
dmsetup load sp --table "0 $ssz linear $nspare 0"
dmsetup suspend sp
dmsetup resume sp
dmsetup create r --table "0 $sz remap $disk $spare"
assert_eq "$(status_field r 14)" failed "health after re-activation"
assert_eq "$(status_field r 6)" 8 "remapped after re-activation"
pattern verify /dev/mapper/r $((1000 * 512)) 4k 4
dmsetup remove r
