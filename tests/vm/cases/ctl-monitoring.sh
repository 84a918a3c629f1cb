# dmremapctl for monitoring, on a real kernel: status --prometheus and
# --textfile carry the values of status --json (status format 3 included:
# lost, failure, counters_since); health --nagios prints one plugin line
# and exits 0/1/2/3 for ok, warning, critical and unknown devices;
# health --json keeps an unreadable device (level unknown); list --json.
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
pattern write $dev 0 64k 1
pattern verify $dev 0 64k 1

# metric NAME: the value of NAME for device r in m.prom.
metric() {
	awk -v n="$1" '$1 ~ "^" n "\\{name=\"r\"," { print $2 }' m.prom
}
# Every sample's family has HELP and TYPE; counters end in _total.
prom_ok() {
	awk '
	/^# HELP / { help[$3] = 1; next }
	/^# TYPE / { if (!help[$3]) exit 1; type[$3] = $4
		     if (($4 == "counter") != ($3 ~ /_total$/)) exit 2; next }
	/^#/ { exit 3 }
	{ n = $1; sub(/\{.*/, "", n); if (!type[n]) exit 4
	  if ($2 !~ /^-?[0-9.e+]+$/) exit 5; samples++ }
	END { if (!samples) exit 6 }' "$1" || fail "$1 is not valid Prometheus text (awk $?)"
}

check_values() {
	dmremapctl status r --json >st.json
	dmremapctl status r --prometheus >m.prom
	prom_ok m.prom
	for pair in reads_total:reads writes_total:writes read_errors_total:read_errors \
		    write_errors_total:write_errors remapped_blocks:remapped \
		    pending_blocks:pending lost_blocks:lost retired_spare_blocks:retired \
		    spare_used_blocks:spare_blocks.used spare_size_blocks:spare_blocks.total \
		    spare_errors_total:spare_errors suppressed_write_errors_total:errors_suppressed \
		    counters_since_seconds:counters_since_epoch size_bytes:size_bytes \
		    block_size_bytes:block_size metadata_generation:metadata_generation \
		    health_level:health.level_code; do
		m=${pair%%:*} j=${pair#*:}
		assert_eq "$(metric dmremap_$m)" "$(jq ".devices[0].$j" st.json)" "dmremap_$m = .$j"
	done
}

assert_eq "$(dmremapctl status r --json | jq -r '.devices[0] | "\(.status_version) \(.failure) \(.lost)"')" \
	"3 none 0" "status format 3 in JSON"
assert_eq "$(dmremapctl status r --json | jq '.devices[0].counters_since_epoch')" \
	"$(status_field r 17)" "counters_since = the kernel's"
assert_eq "$(dmremapctl status r --json | jq -r '.producer.tool + " " + .producer.library')" \
	"dmremapctl libdmremap" "producer"
check_values
assert_eq "$(awk '$1 == "dmremap_devices" { print $2 }' m.prom)" 1 "dmremap_devices"

# --textfile: atomically written, the same metrics.
mkdir -p tf
dmremapctl status --textfile tf/dmremap.prom
prom_ok tf/dmremap.prom
assert_eq "$(ls -A tf)" dmremap.prom "no temporary file left"
assert_eq "$(grep -c '^dmremap_remapped_blocks{name="r"' tf/dmremap.prom)" 1 "textfile sample"

# nagios: ok.
rc=0
out=$(dmremapctl health --nagios) || rc=$?
assert_eq "$rc" 0 "nagios ok exit"
case "$out" in "DMREMAP OK - r ok | 'r_spare_used'=0%;79;94;0;100 'r_remapped'=0;;;0;20 "*) ;;
*) fail "nagios ok line: $out" ;; esac

# A read error: a pending block, warning.
nullb_badblocks main + 100 100
expect_fail "Input/output error" pattern read $dev $((100 * 512)) 512
rc=0
out=$(dmremapctl health --nagios r) || rc=$?
assert_eq "$rc" 1 "nagios warning exit"
case "$out" in "DMREMAP WARNING - r warning: 1 block(s) failed a read"*"'r_pending'=1;0;;0;"*) ;;
*) fail "nagios warning line: $out" ;; esac
check_values

# 19 of 20 spare blocks: critical (95 %).
nullb_badblocks main + 200 219
pattern write $dev $((100 * 512)) 512 2
pattern write $dev $((200 * 512)) $((18 * 512)) 3
assert_eq "$(status_field r 8)" 19 "spare used"
rc=0
out=$(dmremapctl health --nagios) || rc=$?
assert_eq "$rc" 2 "nagios critical exit"
case "$out" in "DMREMAP CRITICAL - r critical: 95% of the spare blocks"*"'r_spare_used'=95%;79;94;0;100"*) ;;
*) fail "nagios critical line: $out" ;; esac
check_values
pattern verify $dev $((200 * 512)) $((18 * 512)) 3

# Opt-in rules: remapped growth and protection off.
rc=0
dmremapctl health r --warn-spare 0 --crit-spare 0 --warn-remapped 5 >/dev/null || rc=$?
assert_eq "$rc" 1 "--warn-remapped"
rc=0
dmremapctl health r --warn-spare 0 --crit-spare 0 --crit-remapped 19 >/dev/null || rc=$?
assert_eq "$rc" 2 "--crit-remapped"
dmremapctl suppress r off
rc=0
dmremapctl health r --warn-spare 0 --crit-spare 0 --warn-protection-off >out.txt || rc=$?
assert_eq "$rc" 1 "--warn-protection-off"
grep -q "suppress is off" out.txt || fail "protection_off reason"
assert_eq "$(metric dmremap_suppress_write_errors)" 1 "metrics taken before suppress off"
dmremapctl status r --prometheus >m.prom
assert_eq "$(metric dmremap_suppress_write_errors)" 0 "suppress off in the metrics"
dmremapctl suppress r on

# clear_stats restarts the counters: counters_since moves, reads restart.
before=$(status_field r 17)
sleep 1
dmsetup message r 0 clear_stats
check_values
[ "$(metric dmremap_counters_since_seconds)" -gt "$before" ] || fail "counters_since did not move"

# Unknown: a device that cannot be read, in the line and in the JSON.
rc=0
out=$(dmremapctl health --nagios nosuch) || rc=$?
assert_eq "$rc" 3 "nagios unknown exit"
case "$out" in "DMREMAP UNKNOWN - nosuch unknown: no device-mapper device named 'nosuch'"*) ;;
*) fail "nagios unknown line: $out" ;; esac
rc=0
dmremapctl health --json r nosuch >h.json 2>/dev/null || rc=$?
assert_eq "$rc" 2 "health --json exit (critical beats unknown)"
assert_eq "$(jq -r '[.devices[] | "\(.name):\(.health.level)"] | join(" ")' h.json)" \
	"r:critical nosuch:unknown" "health --json keeps the unreadable device"
assert_eq "$(jq '.exit_status' h.json)" 2 "exit_status"
assert_eq "$(jq '.devices[1].remapped' h.json)" null "unreadable device: null values"

# list --json: the status document.
assert_eq "$(dmremapctl list --json | jq -r '.devices[0].name + " " + (.devices[0].remapped | tostring)')" \
	"r 19" "list --json"
dmremapctl remove r
losetup -d "$spare"
