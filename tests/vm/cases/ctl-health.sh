# dmremapctl health: exit 0 ok -> 1 warning (a pending block; spare use at
# 80 %) -> 2 critical (95 %; exhausted) -> 3 unknown (no such device), the
# worst of several devices, thresholds, and the JSON health object.
# The spare has 20 blocks: 48 sectors of metadata + 20 (docs/FORMAT.md).
# dmr-lanes: stock trixie
# Not on the debug lane: dmremapctl over the table lines and messages the
# kernel cases send under the debug kernel: pure userspace there.
. "$DMR_LIB"

main=$(nullb_create main 32)
dd if=/dev/zero of=spare.img bs=512 count=68 2>/dev/null
spare=$(loop_create spare.img)
dmremapctl create r "$main" "$spare" --format
dev=/dev/mapper/r
assert_eq "$(status_field r 9)" 20 "spare blocks"

# health LEVEL CODE [ARGS...]: `dmremapctl health ARGS` exits CODE and
# prints LEVEL for r.
health() {
	level=$1 code=$2
	shift 2
	rc=0
	out=$(dmremapctl health "$@") || rc=$?
	assert_eq "$rc" "$code" "health $* exit status"
	case "$out" in
	"r: $level"*) ;;
	*) fail "health $*: '$out', expected r: $level" ;;
	esac
}

health ok 0
health ok 0 r
assert_eq "$(dmremapctl health r)" "r: ok" "health output when ok"

# A read error leaves a pending block: warning.
nullb_badblocks main + 100 100
expect_fail "Input/output error" pattern read $dev $((100 * 512)) 512
health warning 1 r
dmremapctl health r | grep -q "1 block(s) failed a read" || fail "no pending reason"
assert_eq "$(dmremapctl health --json r | jq -r '.devices[0].health.reasons[].code')" \
	pending_blocks "JSON reason"
# Writing it remaps it: ok again (1 of 20 spare blocks used).
pattern write $dev $((100 * 512)) 512 1
health ok 0 r

# Spare use: 16 of 20 blocks (80 %) is a warning, unless the threshold is higher.
nullb_badblocks main + 200 219
pattern write $dev $((200 * 512)) $((15 * 512)) 2
assert_eq "$(status_field r 8)" 16 "spare used"
health warning 1 r
health ok 0 r --warn-spare 90
health critical 2 r --crit-spare 80
assert_eq "$(dmremapctl health --json r | jq -r '.devices[0].health | "\(.level) \(.level_code)"')" \
	"warning 1" "JSON health"
assert_eq "$(dmremapctl health --json r | jq '.devices[0].spare_blocks.used_pct')" 80 "JSON used_pct"

# 19 of 20 (95 %) is critical; so is an exhausted spare, whatever the thresholds.
pattern write $dev $((215 * 512)) $((3 * 512)) 3
assert_eq "$(status_field r 8)" 19 "spare used"
health critical 2 r
health warning 1 r --crit-spare 0
pattern write $dev $((218 * 512)) 512 4
assert_eq "$(status_field r 14)" exhausted "kernel health"
health critical 2 r
health critical 2 r --warn-spare 0 --crit-spare 0
dmremapctl health r | grep -q "no free spare block" || fail "no exhaustion reason"

# A device that does not exist is unknown; with several devices the worst wins
# in the order critical > warning > unknown > ok (monitoring-plugins): one
# unreadable device must not hide an exhausted spare on another.
expect_exit 3 "no device-mapper device named 'nosuch'" dmremapctl health nosuch
expect_exit 2 "nosuch" dmremapctl health r nosuch
main2=$(nullb_create main2 16)
spare2=$(nullb_create spare2 8)
dmremapctl create ok2 "$main2" "$spare2" --format
assert_eq "$(dmremapctl health ok2)" "ok2: ok" "second device"
rc=0
dmremapctl health >all.txt || rc=$?
assert_eq "$rc" 2 "health of all devices (worst)"
assert_eq "$(cut -d' ' -f1-2 all.txt | tr '\n' ' ')" "ok2: ok r: critical " "health of all devices"
assert_eq "$(dmremapctl health --json | jq -r '[.devices[].name] | join(",")')" "ok2,r" "JSON devices"
# Usage errors are unknown too, for monitoring systems.
expect_exit 3 "not a percentage" dmremapctl health r --warn-spare 101
expect_exit 3 "--warn-spare 90 is above --crit-spare 80" dmremapctl health r --warn-spare 90 --crit-spare 80
dmremapctl remove ok2
dmremapctl remove r
losetup -d "$spare"
