# Smoke test of the installed packages (run by tests/pkg/run, which boots the
# guest with the dm-remap.ko that DKMS built from dmremap-dkms and ships the
# dmremapctl of the dmremapctl package, linked to libdmremap2's library).
# The module and the tool report the same version; a device made with
# dmremapctl absorbs write errors; status, remaps and remove work.
. "$DMR_LIB"

ctl_version=$(dmremapctl --version | sed -n 's/^dmremapctl //p')
[ -n "$ctl_version" ] || fail "dmremapctl --version printed no version"
assert_eq "$(cat /sys/module/dm_remap/version)" "$ctl_version" "module version"
dmsetup targets | grep -q '^remap ' || fail "the remap target is not registered"

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
dmremapctl create s "$main" "$spare" --format
[ -b /dev/mapper/s ] || fail "/dev/mapper/s was not created"

# Sectors 2048..2063 fail to write: 16 blocks end up on the spare.
nullb_badblocks main + 2048 2063
pattern write /dev/mapper/s 512k 1m 5
pattern verify /dev/mapper/s 512k 1m 5
assert_eq "$(status_field s 6)" 16 "remapped blocks (kernel status)"

dmremapctl status s --json >status.json
assert_eq "$(jq '.devices[0].remapped' status.json)" 16 "remapped blocks (dmremapctl status)"
assert_eq "$(jq -r '.devices[0].health.level' status.json)" ok "health"
dmremapctl remaps s --json >remaps.json
assert_eq "$(jq '[.entries[] | select(.state == "remapped")] | length' remaps.json)" 16 "entries listed"

dmremapctl remove s
[ ! -e /dev/mapper/s ] || fail "/dev/mapper/s still exists after remove"
