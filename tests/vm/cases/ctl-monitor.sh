# dmremapctl monitor: the events of injected faults, in order and with exact
# counts (a read error: pending; its write: remapped and pending_cleared;
# the spare's 50 % and 95 % thresholds; exhaustion; a failing metadata
# write: metadata_failed and lost blocks), --exec with the event in its
# environment, syslog, a clean exit when the named devices are removed and
# on SIGTERM, and devices appearing and going while all are watched.
# dmr-lanes: stock trixie
# Not on the debug lane: dmremapctl over the table lines and messages the
# kernel cases send under the debug kernel: pure userspace there.
# dmr-timeout: 240
. "$DMR_LIB"

# lines FILE DEVICE: the events of DEVICE, consecutive "remapped" squeezed.
lines() {
	jq -r --arg d "$2" 'select(.device == $d) | .event' "$1" | uniq | tr '\n' ' '
}
# wait_for FILE JQ-CONDITION: until a line of FILE matches (30 s at most).
wait_for() {
	i=0
	until [ -n "$(jq -c "select($2)" "$1" 2>/dev/null)" ]; do
		i=$((i + 1))
		[ $i -le 300 ] || fail "no event '$2' in $1: $(cat "$1")"
		sleep 0.1
	done
}

# a: 20 spare blocks (48 sectors of metadata + 20, docs/FORMAT.md).
ma=$(nullb_create amain 32)
dd if=/dev/zero of=aspare.img bs=512 count=68 2>/dev/null
sa=$(loop_create aspare.img)
dmremapctl create a "$ma" "$sa" --format
# b: its spare is a dm device whose metadata area can be made to fail.
mb=$(nullb_create bmain 32)
nsb=$(nullb_create bspare 8)
ssz=$(dev_sectors "$nsb")
dmsetup create bsp --table "0 $ssz linear $nsb 0"
dmremapctl create b "$mb" /dev/mapper/bsp --format
assert_eq "$(status_field a 9)" 20 "a's spare blocks"

# The program run for each event records its arguments and environment.
cat >prog <<'EOF'
#!/bin/sh
echo "$1 $2 $DMREMAP_EVENT $DMREMAP_DEVICE ${DMREMAP_NEW_BLOCKS:--} $DMREMAP_LEVEL" >>"$DMR_TMP/prog.log"
echo "$DMREMAP_JSON" | jq -e . >/dev/null || echo "bad DMREMAP_JSON" >>"$DMR_TMP/prog.log"
EOF
chmod +x prog
syslog=""
if syslogd -n -O "$DMR_TMP/syslog" 2>/dev/null & then
	syslog=$!
fi
sleep 0.5
dmremapctl monitor a b --warn-spare 50 --exec "$DMR_TMP/prog" >events 2>mon.err &
mon=$!
wait_for events '.event == "watching" and .device == "b"'

# a read error: one pending block.
nullb_badblocks amain + 100 100
expect_fail "Input/output error" pattern read /dev/mapper/a $((100 * 512)) 512
wait_for events '.event == "pending" and .device == "a"'
# its write remaps it without touching main.
pattern write /dev/mapper/a $((100 * 512)) 512 1
wait_for events '.event == "pending_cleared"'
# 8 more remaps (9 of 20), then the 10th crosses 50 %.
nullb_badblocks amain + 200 218
pattern write /dev/mapper/a $((200 * 512)) $((8 * 512)) 2
wait_for events '.event == "remapped" and .remapped == 9'
pattern write /dev/mapper/a $((208 * 512)) 512 3
wait_for events '.event == "spare_threshold" and .threshold_pct == 50'
# 18, then the 19th: 95 % (critical); the 20th: exhausted.
pattern write /dev/mapper/a $((209 * 512)) $((8 * 512)) 4
wait_for events '.event == "remapped" and .remapped == 18'
pattern write /dev/mapper/a $((217 * 512)) 512 5
wait_for events '.event == "spare_threshold" and .threshold_pct == 95'
pattern write /dev/mapper/a $((218 * 512)) 512 6
wait_for events '.event == "exhausted"'
assert_eq "$(status_field a 14)" exhausted "a's kernel health"

# b: the metadata area stops taking writes; a write failing on main needs a
# commit, which fails: metadata_failed, and its 4 blocks are lost.
ds=$(stat_value b spare_start)
printf '0 16 linear %s 0\n16 %s error\n%s %s linear %s %s\n' "$nsb" $((ds - 16)) \
	"$ds" $((ssz - ds)) "$nsb" "$ds" | dmsetup reload bsp
dmsetup suspend bsp
dmsetup resume bsp
nullb_badblocks bmain + 2000 2003
expect_fail "Input/output error" pattern write /dev/mapper/b $((2000 * 512)) 2k 7
wait_for events '.event == "lost"'

# Removing both ends the monitor, exit 0.
dmremapctl remove a
dmremapctl remove b
rc=0
wait $mon || rc=$?
assert_eq "$rc" 0 "monitor's exit status after the removals"
cat events

assert_eq "$(lines events a)" \
	"watching pending remapped pending_cleared remapped spare_threshold remapped spare_threshold remapped exhausted removed " \
	"a's events in order"
assert_eq "$(lines events b)" "watching metadata_failed lost removed " "b's events in order"
assert_eq "$(jq -s '[.[] | select(.device == "a" and .event == "remapped") | .new_blocks] | add' events)" 20 \
	"a: new remapped blocks in all"
assert_eq "$(jq -s '[.[] | select(.event == "pending") | .new_blocks] | add' events)" 1 "new pending blocks"
assert_eq "$(jq -r 'select(.event == "spare_threshold") | "\(.level) \(.spare_used_pct)"' events | tr '\n' ' ')" \
	"warning 50 critical 95 " "thresholds"
assert_eq "$(jq -r 'select(.event == "lost") | "\(.new_blocks) \(.failure) \(.level)"' events)" "4 metadata critical" "lost"
assert_eq "$(jq -r 'select(.event == "exhausted") | "\(.spare_used)/\(.spare_total) \(.kernel_health)"' events)" \
	"20/20 exhausted" "exhausted"
assert_eq "$(jq -r 'select(.event == "watching" and .device == "a") | .main' events)" "$ma" "main's path"

# --exec ran once per line, with the event in its environment.
assert_eq "$(wc -l <prog.log)" "$(wc -l <events)" "programs run"
grep -q "bad DMREMAP_JSON" prog.log && fail "DMREMAP_JSON is not JSON"
grep -qx "lost b lost b 4 critical" prog.log || fail "prog.log: $(cat prog.log)"
grep -qx "pending a pending a 1 warning" prog.log || fail "prog.log: $(cat prog.log)"
if [ -n "$syslog" ]; then
	sleep 0.5
	kill "$syslog" 2>/dev/null || true
	grep -q "dmremapctl.*a: spare exhausted" "$DMR_TMP/syslog" || fail "no syslog line: $(cat "$DMR_TMP/syslog")"
	echo "ok: syslog has the messages"
fi

# All devices: appearing and going are seen (the list every second); SIGTERM
# ends it with exit 0.
dmremapctl monitor --scan-interval 1 --no-syslog >all 2>all.err &
mon=$!
sleep 1
mc=$(nullb_create cmain 16)
sc=$(nullb_create cspare 4)
dmremapctl create c "$mc" "$sc" --format
wait_for all '.event == "appeared" and .device == "c"'
dmremapctl remove c
wait_for all '.event == "removed" and .device == "c"'
kill -TERM $mon
rc=0
wait $mon || rc=$?
assert_eq "$rc" 0 "monitor's exit status after SIGTERM"
assert_eq "$(lines all c)" "appeared removed " "c's events"
[ ! -s all.err ] || fail "monitor wrote to stderr: $(cat all.err)"
dmsetup remove bsp
losetup -d "$sa"
