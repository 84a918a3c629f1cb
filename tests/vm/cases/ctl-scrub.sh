# dmremapctl scrub: finds every injected bad range and only those (the
# kernel marks exactly them pending), writes nothing, --start/--length, a
# rate limit that holds within 10 % (wall clock and its own report), SIGINT
# (exit 8, checkpoint) and the resumed run (exit 7, every range reported).
# dmr-lanes: stock trixie
# Not on the debug lane: dmremapctl over the table lines and messages the
# kernel cases send under the debug kernel: pure userspace there.
# dmr-timeout: 240
. "$DMR_LIB"

main=$(nullb_create main 64)		# 131072 blocks of 512 bytes
spare=$(nullb_create spare 8)
dmremapctl create r "$main" "$spare" --format
export DMREMAP_STATE_DIR="$DMR_TMP/state"
cp_file=$DMR_TMP/state/scrub-r.checkpoint
w0=$(status_field r 3)

nullb_badblocks main + 1000 1007
nullb_badblocks main + 30000 30000
nullb_badblocks main + 50000 50063
rc=0
dmremapctl scrub r >scrub.json 2>scrub.err || rc=$?
assert_eq "$rc" 7 "exit status (unreadable blocks found)"
assert_eq "$(jq -r 'select(.event == "unreadable") | "\(.block)+\(.blocks)"' scrub.json | tr '\n' ' ')" \
	"1000+8 30000+1 50000+64 " "unreadable ranges"
assert_eq "$(jq -r 'select(.event == "done") | "\(.complete) \(.unreadable_blocks) \(.exit_status) \(.done_bytes)"' scrub.json)" \
	"true 73 7 67108864" "last line"
# The kernel marked exactly these pending, and nothing was written.
assert_eq "$(status_field r 7)" 73 "pending blocks"
dmsetup message r 0 list | awk '$2 == "pending" { print $1 }' >pending.txt
assert_eq "$(awk 'NR == 1 { a = p = $1; next } $1 == p + 1 { p = $1; next }
	{ printf "%d-%d ", a, p; a = p = $1 } END { printf "%d-%d", a, p }' pending.txt)" \
	"1000-1007 30000-30000 50000-50063" "pending list"
assert_eq "$(status_field r 3)" "$w0" "writes to the device"
[ ! -e "$cp_file" ] || fail "checkpoint left after a complete scrub"

# A range: only what is inside it.
rc=0
dmremapctl scrub r --start $((29000 * 512)) --length 2M >range.json || rc=$?
assert_eq "$rc" 7 "exit status of the range"
assert_eq "$(jq -r 'select(.event == "unreadable") | "\(.block)+\(.blocks)"' range.json)" "30000+1" "range: unreadable"
expect_exit 1 "not a rate" dmremapctl scrub r --rate fast
expect_exit 4 "multiples of the 512-byte block" dmremapctl scrub r --start 100

# The rate limit: 32 MiB at 4 MB/s is 8.4 s (the wall clock includes the
# start of the process: some 0.4 s in a loaded emulated guest).
t0=$(cut -d' ' -f1 /proc/uptime)
dmremapctl scrub r --start 32M --length 32M --rate 4 >rate.json
t1=$(cut -d' ' -f1 /proc/uptime)
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", 33554432 / (b - a) }')
own=$(jq -r 'select(.event == "done") | .bytes_per_second' rate.json)
echo "rate: $wall B/s by the wall clock, $own B/s by its own count (limit 4000000)"
awk -v r="$wall" 'BEGIN { exit !(r >= 3600000 && r <= 4400000) }' || fail "wall-clock rate $wall B/s"
awk -v r="$own" 'BEGIN { exit !(r >= 3600000 && r <= 4400000) }' || fail "reported rate $own B/s"

# Interrupted (SIGINT) and resumed.
dmremapctl scrub r --rate 8 --interval 1 >part.json 2>part.err &
pid=$!
sleep 3
kill -INT $pid
rc=0
wait $pid || rc=$?
assert_eq "$rc" 8 "exit status when stopped"
jq -e 'select(.event == "stopped") | .complete == false' part.json >/dev/null || fail "no stopped line: $(cat part.json)"
[ -e "$cp_file" ] || fail "no checkpoint"
cat "$cp_file"
pos=$(sed -n 's/^position //p' "$cp_file")
[ "$pos" -gt 0 ] && [ "$pos" -lt 67108864 ] || fail "checkpoint position $pos"
[ "$(jq -r 'select(.event == "progress")' part.json | wc -l)" -gt 0 ] || fail "no progress lines"
rc=0
dmremapctl scrub r >rest.json 2>rest.err || rc=$?
assert_eq "$rc" 7 "exit status of the resumed scrub"
grep -q "resuming from checkpoint" rest.err || fail "not resumed: $(cat rest.err)"
assert_eq "$(jq -r 'select(.event == "done") | "\(.resumed_at_bytes) \(.complete) \(.unreadable_blocks)"' rest.json)" \
	"$pos true 73" "resumed run"
assert_eq "$(jq -r 'select(.event == "unreadable") | "\(.block)+\(.blocks)"' rest.json | tr '\n' ' ')" \
	"1000+8 30000+1 50000+64 " "every range reported by the resumed run"
[ ! -e "$cp_file" ] || fail "checkpoint left"
assert_eq "$(status_field r 3)" "$w0" "writes to the device"
dmremapctl remove r
