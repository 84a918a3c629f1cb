# Everything at once on one live device: fio at queue depth 32 (libaio,
# O_DIRECT, a flush every 97 writes) writes and verifies the whole device,
# generation after generation, while main grows new bad ranges (null_blk
# badblocks, a new range every iteration), the device is suspended (with
# and without noflush) and resumed, the table is reloaded (the same devices
# with every spelling of options that keeps suppress on: none,
# suppress_writes, format, major:minor; swapped in, discarded with `dmsetup
# clear`, loaded read-only and discarded; invalid tables refused), messages
# arrive (stats, list, remap of random blocks, clear_pending, help,
# suppress on) and dmremapctl status and health --json poll it.  Suppress
# stays on: no write may fail, so a failed write is a bug, not noise.
#
# The storm lasts at least 2 generations, and more while it has run less
# than 60 s.  Every acknowledged write is checked: generation g writes
# every block once (randommap) with bios of (2g + 7) sectors, then reads
# it all back (fio crc32c verify: header magic, length, offset, crc of
# each bio).  The bio size is unique per generation, so data of another
# generation, or none, cannot pass for it.  null_blk fails reads of bad
# sectors too: a block that went bad after its write may read EIO (the
# data cannot be invented), so storm generations tolerate read errors,
# never wrong data.  A reader job (random sizes, tolerating EIO) runs
# alongside each generation.  The last generation (16 KiB bios) runs after
# the injector has stopped, with the rest of the storm still going, and
# tolerates nothing; it is verified again once everything has stopped, and
# after remove and re-create.
#
# Counters and table: no write error reached fio, no spare error, nothing
# lost or retired, health not failed; remapped + pending = list lines,
# spare_used = remapped; every injected block is remapped; every other
# remapped block was moved by a remap message or lies within one probe
# part (8 blocks) of an injected block (recovery remaps a part whose every
# piece fails as a whole); pending blocks too lie next to injected ones.
# The list is the same after re-creation.  The background loops stop at a
# stop file and are waited for.
# dmr-timeout: 600
. "$DMR_LIB"
. /dmr/lib-logwrites.sh		# remap_list
t_case=$(date +%s)
T=$DMR_TMP
MIN_GENS=2	# storm generations: at least this many, more while ...
STORM_S=60	# ... the storm has lasted less than this (guest seconds) ...
MAX_GENS=30	# ... up to this many
MAX_RANGES=200	# bad ranges injected at most
NEAR=8		# blocks: the largest probe part (reader bios of 128 blocks / 16)

main=$(nullb_create main 8)
spare=$(nullb_create spare 16)
sz=$(dev_sectors "$main")
nblocks=$sz		# 512-byte blocks
M=$(majmin "$main") S=$(majmin "$spare")
dmsetup create r --table "0 $sz remap $main $spare 1 format"

# Background loops stop at these files; whatever happens, they are waited for.
trap 'touch "$T/stop" "$T/stop-inject"; wait' EXIT

# --- fio jobs -----------------------------------------------------------------
# fio_job G BS STRICT: generation G writes every block once with BS-byte
# bios, then verifies; STRICT=0 tolerates read errors in the verify pass.
fio_job() {
	cat <<EOF
[global]
filename=/dev/mapper/r
ioengine=libaio
direct=1
iodepth=32
[w$1]
rw=randwrite
bs=$2
randseed=$1
fsync=97
verify=crc32c
do_verify=1
verify_fatal=1
exitall
EOF
	[ "$3" = 1 ] || echo "continue_on_error=read"
}
reader_job() {	# the reader of generation G, stopped when the writer ends
	cat <<EOF
[r$1]
rw=randread
bsrange=512-32k
iodepth=4
rate_iops=400
randseed=$(($1 + 1000))
time_based
runtime=3600
continue_on_error=read
EOF
}
# run_gen G BS STRICT: one generation with its reader; checks fio's result.
run_gen() {
	{ fio_job "$@"; reader_job "$1"; } >"$T/g$1.fio"
	rc=0 t0=$(date +%s)
	fio --output-format=json --output="$T/g$1.out" "$T/g$1.fio" >"$T/g$1.err" 2>&1 || rc=$?
	sed -n '/^{/,$p' "$T/g$1.out" >"$T/g$1.json"
	want=$(($(dev_sectors /dev/mapper/r) * 512 / $2 * $2))
	w=$(jq -c ".jobs[] | select(.jobname == \"w$1\") | [.error, .write.io_bytes, .read.io_bytes, .total_err]" "$T/g$1.json" 2>/dev/null || echo "none")
	r=$(jq -c ".jobs[] | select(.jobname == \"r$1\") | [.error, .read.io_bytes, .total_err]" "$T/g$1.json" 2>/dev/null || echo "none")
	echo "gen $1: bs $2, $(($(date +%s) - t0)) s, fio exit $rc, writer [error,written,verified,errors] $w, reader [error,read,errors] $r, $(($(date +%s) - t_case)) s"
	# fio's "error" is the first error seen, also one it continued after
	# (EIO on reads in storm generations).
	ok=$(echo "$w" | jq --argjson strict "$3" --argjson want "$want" \
		'(.[0] == 0 or (.[0] == 5 and $strict == 0)) and .[1] == $want')
	if [ $rc != 0 ] || [ "$ok" != true ]; then
		tail -n 20 "$T/g$1.err"
		fail "generation $1: fio failed or wrote less than $want bytes"
	fi
	[ "$3" = 0 ] || [ "$(echo "$w" | jq '.[2]')" = "$want" ] || fail "generation $1 verified less than $want bytes"
}

# expand FILE W: the blocks of FILE's ranges ("FIRST LAST"), widened by W on
# each side (W = NEAR: the blocks a recovery may take along with bad ones).
expand() { awk -v w="$2" '{ for (b = $1 - w; b <= $2 + w; b++) if (b >= 0) print b }' "$1" | sort -n | uniq; }
# outside LIST ALLOWED: lines of LIST not in ALLOWED (both sorted -n, unique).
outside() { sort -n "$1" "$2" "$2" | uniq -u; }

# --- the storm ------------------------------------------------------------------
: >"$T/ranges"
: >"$T/msg-remapped"
(
	# Injector: a new bad range of 1-16 sectors each iteration, anywhere.
	# Recorded before it is added, so the record covers every bad sector.
	set +e
	x=4242 n=0
	while [ ! -e "$T/stop-inject" ] && [ $n -lt $MAX_RANGES ]; do
		x=$(( (x * 1103515245 + 12345) % 2147483648 ))
		len=$((1 + (x / 13) % 16))
		a=$(( (x / 7) % (nblocks - len) ))
		echo "$a $((a + len - 1))" >>"$T/ranges"
		( nullb_badblocks main + $a $((a + len - 1)) ) || { echo "badblocks $a failed" >"$T/inject.fail"; break; }
		n=$((n + 1))
		sleep 0.25
	done
	echo $n >"$T/inject.done"
) &
inj=$!

(
	# Table loop: suspend/resume, reloads, discarded and invalid tables.
	set +e
	x=99 n=0
	variant() {
		case $((x / 8 % 6)) in
		0) echo "0 $sz remap $main $spare" ;;
		1) echo "0 $sz remap $main $spare 1 suppress_writes" ;;
		2) echo "0 $sz remap $M $S 1 format" ;;
		3) echo "0 $sz remap $M $S 2 SUPPRESS_WRITES format" ;;
		4) echo "0 $sz remap $main $S 2 format suppress_writes" ;;
		*) echo "0 $sz remap $M $spare 0" ;;
		esac
	}
	bad() {
		case $((x / 8 % 4)) in
		0) echo "0 $((sz + 1)) remap $main $spare" ;;
		1) echo "0 $sz remap $main $spare 1 bogus" ;;
		2) echo "0 $sz remap $main $main" ;;
		*) echo "0 $sz remap $main $spare 3 format suppress_writes format" ;;
		esac
	}
	die() { echo "table loop, iteration $n: $*" >"$T/table.fail"; dmsetup clear r; dmsetup resume r; touch "$T/stop"; }
	while [ ! -e "$T/stop" ]; do
		x=$(( (x * 1103515245 + 12345) % 2147483648 ))
		op=$((x / 1024 % 8))
		case $op in
		0) dmsetup suspend r && dmsetup resume r || { die "suspend/resume"; break; } ;;
		1) dmsetup suspend --noflush r && dmsetup resume r || { die "noflush suspend/resume"; break; } ;;
		2|3) t=$(variant)
		   dmsetup reload r --table "$t" && dmsetup resume r || { die "reload+resume $t"; break; } ;;
		4) t=$(variant)
		   dmsetup reload r --table "$t" && dmsetup clear r || { die "reload+clear $t"; break; } ;;
		5) dmsetup reload --readonly r --table "0 $sz remap $main $spare" && dmsetup clear r ||
			{ die "read-only reload+clear"; break; } ;;
		6) t=$(bad)
		   if dmsetup reload r --table "$t" 2>/dev/null; then die "invalid table loaded: $t"; break; fi
		   dmsetup info r | grep -q "^Tables present: *LIVE$" || { die "after invalid reload: $(dmsetup info r)"; break; } ;;
		*) dmsetup suspend r || { die "suspend"; break; }
		   out=$(dmsetup message r 0 remap 5 2>&1) && { die "remap while suspended succeeded"; break; }
		   case "$out" in *"Device or resource busy"*) ;; *) die "remap while suspended: $out"; break ;; esac
		   dmsetup resume r || { die "resume"; break; } ;;
		esac
		n=$((n + 1))
		echo "$n" >"$T/table.count"
		sleep 0.3
	done
	echo "$n" >"$T/table.done"
) &
tbl=$!

(
	# Message loop.  remap and clear_pending may be refused while the
	# table loop holds the device suspended (EBUSY); clear_pending of a
	# block that is not pending fails with EINVAL; nothing else may fail.
	set +e
	x=777 n=0 busy=0
	die() { echo "message loop: $*" >"$T/msg.fail"; touch "$T/stop"; }
	while [ ! -e "$T/stop" ]; do
		x=$(( (x * 1103515245 + 12345) % 2147483648 ))
		blk=$(( (x / 5) % nblocks ))
		op=$((x / 4096 % 10))
		case $op in
		0|1|2) m="remap $blk" ;;
		3) m="stats" ;;
		4) m="list" ;;
		5) m="list $blk 20" ;;
		6) p=$(dmsetup message r 0 list 0 200 | awk '$2 == "pending" { print $1 }' | head -n 1)
		   m="clear_pending ${p:-$blk}" ;;
		7) m="clear_pending $blk" ;;
		8) m="help" ;;
		*) m="suppress on" ;;
		esac
		# shellcheck disable=SC2086 # the message's words
		out=$(dmsetup message r 0 $m 2>&1)
		rc=$?
		if [ $rc != 0 ]; then
			case "$m:$out" in
			remap*"Device or resource busy"*|clear_pending*"Device or resource busy"*) busy=$((busy + 1)) ;;
			clear_pending*"Invalid argument"*) ;;
			*) die "'$m' failed: $out"; break ;;
			esac
		else
			case "$m:$out" in
			"remap $blk:block $blk remapped to spare block "*) echo "$blk" >>"$T/msg-remapped" ;;
			"remap $blk:block $blk already remapped"*|"remap $blk:block $blk unreadable: pending") ;;
			remap*) die "'$m' replied: $out"; break ;;
			stats:*"health="*) ;;
			stats:*) die "stats replied: $out"; break ;;
			esac
		fi
		n=$((n + 1))
		sleep 0.1
	done
	echo "$n $busy" >"$T/msg.done"
) &
msg=$!

(
	# Monitoring loop: dmremapctl status, health --json (ok or warning).
	set +e
	n=0
	die() { echo "ctl loop: $*" >"$T/ctl.fail"; touch "$T/stop"; }
	while [ ! -e "$T/stop" ]; do
		dmremapctl status r >"$T/ctl.out" 2>&1 || { die "status exit $?: $(cat "$T/ctl.out")"; break; }
		rc=0
		dmremapctl health --json r >"$T/ctl.json" 2>"$T/ctl.err" || rc=$?
		lvl=$(jq -r '.devices[0].health.level' "$T/ctl.json" 2>&1)
		case "$rc:$lvl" in
		0:ok|1:warning) ;;
		*) die "health exit $rc, level '$lvl': $(cat "$T/ctl.json" "$T/ctl.err")"; break ;;
		esac
		n=$((n + 1))
		sleep 0.5
	done
	echo "$n" >"$T/ctl.done"
) &
ctl=$!

loops_ok() {
	for f in inject table msg ctl; do
		[ ! -e "$T/$f.fail" ] || fail "$(cat "$T/$f.fail")"
	done
}

# Storm generations, each checked: pending blocks only next to bad ones.
g=1 t_storm=$(date +%s)
while :; do
	run_gen $g $(((2 * g + 7) * 512)) 0
	loops_ok
	st=$(dm_status r)
	echo "  status: $st; $(wc -l <"$T/ranges") ranges, $(cat "$T/table.count" 2>/dev/null || echo 0) table operations"
	set -- $st
	[ "${12} ${15} ${16}" = "0 0 none" ] || fail "spare errors, lost, failure after generation $g: ${12} ${15} ${16}"
	remap_list r | awk '$2 == "pending" { print $1 }' | sort -n >"$T/pending"
	expand "$T/ranges" $NEAR >"$T/near"
	bad=$(outside "$T/pending" "$T/near" | head -n 5)
	[ -z "$bad" ] || fail "pending blocks far from any bad range: $bad"
	echo "  checked at $(($(date +%s) - t_case)) s"
	g=$((g + 1))
	[ $g -le $MIN_GENS ] || { [ $(($(date +%s) - t_storm)) -lt $STORM_S ] && [ $g -le $MAX_GENS ]; } || break
done

touch "$T/stop-inject"
wait $inj
echo "injector stopped at $(($(date +%s) - t_case)) s"
loops_ok
[ -e "$T/inject.done" ] || fail "the injector died"
echo "injector: $(cat "$T/inject.done") ranges, $(awk '{ n += $2 - $1 + 1 } END { print n }' "$T/ranges") bad sectors"

# The last generation: no new bad blocks, the rest of the storm goes on.
G=$g BS=16384
run_gen $G $BS 1
touch "$T/stop"
for p in $tbl $msg $ctl; do wait $p; done
loops_ok
for f in table msg ctl; do [ -e "$T/$f.done" ] || fail "the $f loop died"; done
echo "table operations: $(cat "$T/table.done"); messages (and EBUSY refusals): $(cat "$T/msg.done"); monitoring polls: $(cat "$T/ctl.done")"
assert_eq "$(dmsetup info r | sed -n 's/^State: *//p')" ACTIVE "state"
assert_eq "$(dm_table r)" "$M $S 1 suppress_writes" "table after the storm"

# --- checks ---------------------------------------------------------------------
st=$(dm_status r)
echo "status: $st"
set -- $st
reads=$2 writes=$3 rerr=$4 werr=$5 remapped=$6 pending=$7 used=$8 retired=${10} supp=${11}
assert_eq "${12} ${13} ${15} ${16}" "0 on 0 none" "spare errors, suppress, lost, failure"
assert_eq "$retired" 0 "retired"
case ${14} in ok|degraded) ;; *) fail "health ${14}" ;; esac
[ "$werr" -gt 0 ] && [ "$supp" -gt 0 ] && [ "$rerr" -gt 0 ] || fail "the storm caused no write errors, suppressed errors or read errors"
remap_list r >"$T/list"
assert_eq "$(wc -l <"$T/list")" $((remapped + pending)) "list lines = remapped + pending"
assert_eq "$(awk '$2 != "remapped" && $2 != "pending"' "$T/list" | head -n 3)" "" "entries neither remapped nor pending"
assert_eq "$used" "$((remapped + retired))" "spare_used = remapped + retired"
[ "$used" -ge "$remapped" ] || fail "spare_used $used < remapped $remapped"

awk '$2 == "remapped" { print $1 }' "$T/list" >"$T/remapped"
awk '$2 == "pending" { print $1 }' "$T/list" >"$T/pending"
expand "$T/ranges" 0 >"$T/injected"
expand "$T/ranges" $NEAR >"$T/near"
sort -n "$T/msg-remapped" | uniq >"$T/msg-blocks"
miss=$(outside "$T/injected" "$T/remapped" | head -n 5)
[ -z "$miss" ] || fail "injected bad blocks not remapped: $miss"
echo "ok: all $(wc -l <"$T/injected") injected bad blocks are remapped"
sort -n "$T/near" "$T/msg-blocks" | uniq >"$T/allowed"
extra=$(outside "$T/remapped" "$T/allowed" | head -n 5)
[ -z "$extra" ] || fail "remapped blocks neither bad, nor next to bad ones, nor moved by a message: $extra"
extra=$(outside "$T/pending" "$T/near" | head -n 5)
[ -z "$extra" ] || fail "pending blocks far from any bad range: $extra"
echo "ok: $remapped remapped ($(wc -l <"$T/msg-blocks") by remap messages), $pending pending next to bad ranges"

# Every block of the last generation, with nothing else going on, then
# after remove and re-create.
fio_job $G $BS 1 >"$T/verify.fio"
fio --verify_only --output-format=json --output="$T/v1.out" "$T/verify.fio" >"$T/v1.err" 2>&1 ||
	{ tail -n 20 "$T/v1.err"; fail "verify of generation $G failed"; }
assert_eq "$(sed -n '/^{/,$p' "$T/v1.out" | jq '.jobs[0].read.io_bytes')" $((sz * 512)) "bytes verified"
dmsetup remove r
dmsetup create r --table "0 $sz remap $main $spare"
remap_list r >"$T/list2"
cmp "$T/list" "$T/list2" || { diff "$T/list" "$T/list2" | head; fail "table changed across re-creation"; }
set -- $(dm_status r)
assert_eq "$6 $7 $8 ${10} ${15}" "$remapped $pending $used 0 0" "remapped pending spare_used retired lost after re-creation"
fio --verify_only --output-format=json --output="$T/v2.out" "$T/verify.fio" >"$T/v2.err" 2>&1 ||
	{ tail -n 20 "$T/v2.err"; fail "verify after re-creation failed"; }
assert_eq "$(sed -n '/^{/,$p' "$T/v2.out" | jq '.jobs[0].read.io_bytes')" $((sz * 512)) "bytes verified after re-creation"
assert_eq "$(status_field r 4)" 0 "read errors of the verify pass"
dmsetup remove r

errs=$(dmesg | grep -E 'remap: .*(metadata write failed|lost|exhausted|retiring|corrupt|twice|cannot)' | head -n 5)
[ -z "$errs" ] || { echo "$errs"; fail "unexpected dm-remap errors in the kernel log"; }
trap - EXIT
echo "case time: $(($(date +%s) - t_case)) s"
