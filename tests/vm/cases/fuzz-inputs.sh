# Fuzzing of what dm-remap takes from outside, in the guest, driven by
# dmr-fuzz (tests/vm/tools/dmr-fuzz.c) with one seed per run, printed first
# (set FUZZ_SEED below to replay a run).
#
# (a) Table lines, through the dm ioctls (so that start, length and every
#     byte of the parameters reach the kernel as generated): random and
#     mutated argument and option counts, option names, numbers, huge and
#     odd lengths, paths, major:minor, junk, two targets, read-only tables,
#     UUIDs, over 512-byte and 4 KiB disks, a loop file, a dm device, a spare
#     too small, and the spare of another live remap device.  Each must fail
#     cleanly (no device left behind) or give a working device (well formed
#     status and table, the suppress option it asked for, stats answered,
#     data read, and written back where that cannot touch the other
#     device); some are reloaded with another fuzzed line and checked again.
# (b) Messages to a live device whose table has remapped and pending blocks:
#     every message name in case variants, wrong argument counts, huge and
#     non-numbers, long strings, raw bytes, other sectors, some while it is
#     suspended.  Messages of known words must get exactly the documented
#     result; the rest succeed or fail with EINVAL.  A reader checks the
#     device's data all along.
# (c) Metadata images: a spare with 303 remaps (two remap metadata blocks)
#     and 15 pending blocks, made by the kernel, damaged: bytes flipped,
#     sectors zeroed or random in one or both copies of the superblock or of
#     a metadata block in use, or where nothing is in use; hostile fields,
#     headers and entries with valid checksums; older copies; blocks in each
#     other's place; one copy of every block damaged (not always the same
#     copy); no superblock magic (with and without format).  Each
#     image must be refused or activate as dmr-fuzz expects (damage to one
#     copy: the table intact), and when it activates every block reads its
#     own data or EIO, never another block's; a write to a pending block
#     then survives re-creation.
# Throughout, a separate remap device written before (a) must read back
# after each part.
# Each part stops early, after a minimum, when its time is up (a loaded
# machine does fewer iterations; the log says how many).
# dmr-timeout: 600
. "$DMR_LIB"
. /dmr/lib-logwrites.sh		# remap_list
t_case=$(date +%s)
T=$DMR_TMP
FUZZ_SEED=			# a number: replay that run
NT=400 NM=3000 NI=100		# tables, messages, images at most (at least 100, 500, 20)
TT=40 TM=40 TI=80		# seconds for each part
seed=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "fuzz seed: $seed (replay: FUZZ_SEED=$seed in tests/vm/cases/fuzz-inputs.sh)"

# --- the device nobody may disturb --------------------------------------------------
pm=$(nullb_create pmain 8)
ps=$(nullb_create pspare 4)
dmsetup create P --table "0 $(dev_sectors "$pm") remap $pm $ps 1 format"
pattern write /dev/mapper/P 0 8m 3
nullb_badblocks pmain + 1000 1015
pattern write /dev/mapper/P $((1000 * 512)) $((16 * 512)) 3 -p $((1000 * 512))
assert_eq "$(status_field P 6)" 16 "remapped blocks of P"
protected_ok() {
	after=$1
	pattern verify /dev/mapper/P 0 8m 3 || fail "P's data changed ($after)"
	set -- $(dm_status P)
	[ "$6 $7 ${15}" = "16 0 0" ] || fail "P's remapped pending lost changed ($after): $*"
	echo "ok: P's data and table intact after $after"
}

# --- (a) table lines ------------------------------------------------------------------
sA=$(nullb_create sa 8)
sB=$(nullb_create sb 8 blocksize=4096)
sC=$(nullb_create sc 1)
sE=$(nullb_create se 4 blocksize=4096)
sD=$(loopfile_create "$T/d.img" 2)
truncate -s 16k "$T/tiny.img"
tiny=$(loop_create "$T/tiny.img")
lin=$(linear_create lin "$sC")
t=$(date +%s)
rc=0
dmesg -c >/dev/null
dmr-fuzz tables "$seed" $NT -t $TT -p "$ps" "$sA" "$sB" "$sC" "$sD" "$sE" "$tiny" "$lin" >"$T/tables.log" || rc=$?
grep -v '^[0-9]*: ' "$T/tables.log"
echo "created (and reloaded):"
grep -E '^[0-9]+: (created|reload ok)' "$T/tables.log" | head -n 40 | sed 's/^/  /'
dmesg >"$T/tables.dmesg"
echo "kernel's reasons for refusing ($(wc -l <"$T/tables.dmesg") kernel log lines):"
sed -n 's/.*: remap: \(.*\) (-E[A-Z]*)$/\1/p' "$T/tables.dmesg" | sort | uniq -c | sort -rn | sed 's/^/  /' 
echo "(a) took $(($(date +%s) - t)) s"
if [ $rc != 0 ]; then
	grep -B 3 '^FAIL' "$T/tables.log" | head -n 40
	fail "table fuzzing failed (exit $rc)"
fi
grep -q "created: " "$T/tables.log" || fail "no fuzzed table created a device"
assert_eq "$(dmsetup ls | awk '{ print $1 }' | sort | tr '\n' ' ')" "P lin " "dm devices after (a)"
dmsetup remove lin
protected_ok "table fuzzing"

# --- the device under test ------------------------------------------------------------
dm=$(nullb_create dmain 2)
ds=$(nullb_create dspare 2)
dsz=$(dev_sectors "$dm")
dmsetup create dut --table "0 $dsz remap $dm $ds 1 format"
pattern write /dev/mapper/dut 0 2m 7
# R1: blocks that fail on main and are rewritten: remapped (303 with the
# messages below: more than one metadata block of 254).
for r in 100-139 1000-1063 2000-2099 3500-3589 3777-3782; do
	nullb_badblocks dmain + "${r%-*}" "${r#*-}"
	pattern write /dev/mapper/dut $((${r%-*} * 512)) $(((${r#*-} - ${r%-*} + 1) * 512)) 7 -p $((${r%-*} * 512))
done
# R2: blocks that fail a read: pending, unreadable.
for r in 2500-2509 2600-2604; do
	nullb_badblocks dmain + "${r%-*}" "${r#*-}"
	expect_fail "Input/output error" pattern read /dev/mapper/dut $((${r%-*} * 512)) $(((${r#*-} - ${r%-*} + 1) * 512))
done
for b in 1500 1501 3700; do
	dmsetup message dut 0 remap $b | grep -q "remapped to spare block" || fail "remap $b"
done
set -- $(dm_status dut)
assert_eq "$6 $7 ${15}" "303 15 0" "remapped pending lost of the device under test"
dmr-fuzz check /dev/mapper/dut 7 "$T/base.eio"
assert_eq "$(tr '\n' ' ' <"$T/base.eio")" "2500 2501 2502 2503 2504 2505 2506 2507 2508 2509 2600 2601 2602 2603 2604 " "unreadable blocks"
dmsetup remove dut
dmr-fuzz save "$ds" "$T/image"
r2=2500 r1=2050		# a pending and a remapped block, for write tests

# --- (b) messages ---------------------------------------------------------------------
dmsetup create dut --table "0 $dsz remap $dm $ds"
: >"$T/reader.count"
(
	# Reads every block again and again: its data or EIO, EIO only where it was.
	while [ ! -e "$T/stop" ]; do
		dmr-fuzz check /dev/mapper/dut 7 "$T/reader.eio" >"$T/reader.out" 2>&1 ||
			{ cp "$T/reader.out" "$T/reader.fail"; break; }
		cmp -s "$T/reader.eio" "$T/base.eio" ||
			{ echo "unreadable blocks changed: $(tr '\n' ' ' <"$T/reader.eio")" >"$T/reader.fail"; break; }
		echo x >>"$T/reader.count"
	done
) &
reader=$!
trap 'touch "$T/stop"; wait' EXIT
t=$(date +%s)
rc=0
dmr-fuzz msgs $((seed + 1)) $NM dut $TM >"$T/msgs.log" || rc=$?
touch "$T/stop"
wait $reader
trap - EXIT
cat "$T/msgs.log"
echo "(b) took $(($(date +%s) - t)) s, $(wc -l <"$T/reader.count") full reads alongside"
[ $rc = 0 ] || fail "message fuzzing failed (exit $rc)"
[ ! -e "$T/reader.fail" ] || fail "reader during message fuzzing: $(cat "$T/reader.fail")"
dmsetup message dut 0 suppress on
assert_eq "$(dmsetup info dut | sed -n 's/^State: *//p')" ACTIVE "state after message fuzzing"
dmr-fuzz check /dev/mapper/dut 7 "$T/b.eio"
cmp "$T/b.eio" "$T/base.eio" || fail "unreadable blocks changed by messages"
set -- $(dm_status dut)
assert_eq "$(remap_list dut | wc -l)" $(($6 + $7)) "list lines = remapped + pending after message fuzzing"
assert_eq "${15} ${16}" "0 none" "lost, failure after message fuzzing"
dmsetup remove dut
protected_ok "message fuzzing"

# --- (c) metadata images ----------------------------------------------------------------
t=$(date +%s)
i=0 refused=0 activated=0
: >"$T/outcomes"
while [ $i -lt $NI ]; do
	line=$(dmr-fuzz meta $((seed + 2)) $i "$ds" "$T/image")
	expect=$(echo "$line" | sed -n 's/^expect=\([a-z]*\) .*/\1/p')
	fmt=$(echo "$line" | sed -n 's/.* format=\([01]\) .*/\1/p')
	what=${line#*what=}
	tbl="0 $dsz remap $dm $ds"
	[ "$fmt" = 0 ] || tbl="$tbl 1 format"
	dmesg -c >/dev/null
	if dmsetup create dut --table "$tbl" 2>"$T/create.err"; then
		activated=$((activated + 1))
		set -- $(dm_status dut)
		st="remapped $6 pending $7 health ${14}"
		echo "$i: activated ($st), expected $expect: $what"
		[ "$expect" != refuse ] || fail "image $i ($what) activated, expected a refusal; kernel: $(dmesg | tail -n 5)"
		dmr-fuzz check /dev/mapper/dut 7 "$T/c.eio" >"$T/check.out" ||
			{ cat "$T/check.out"; fail "image $i ($what): wrong data; kernel: $(dmesg | tail -n 5)"; }
		[ "${15} ${16}" = "0 none" ] || [ "${14}" = failed ] || fail "image $i: lost ${15}, failure ${16}"
		# (The check may have made unreadable blocks pending: counted again.)
		n=$(remap_list dut | wc -l)
		set -- $(dm_status dut)
		[ "$n" = $(($6 + $7)) ] || fail "image $i: $n list lines, $6 remapped + $7 pending"
		if [ "$expect" = intact ]; then
			cmp -s "$T/c.eio" "$T/base.eio" || fail "image $i ($what): unreadable blocks changed: $(tr '\n' ' ' <"$T/c.eio")"
			[ "$6 $7" = "303 15" ] || fail "image $i ($what): table not intact: $st"
		fi
		if [ "${14}" != failed ]; then
			# A write to a pending (or unreadable) block, then re-creation.
			pattern write /dev/mapper/dut $((r2 * 512)) 512 7 -p $((r2 * 512)) ||
				fail "image $i ($what): write to block $r2 failed; kernel: $(dmesg | tail -n 5)"
			pattern write /dev/mapper/dut $((r1 * 512)) 512 7 -p $((r1 * 512)) ||
				fail "image $i ($what): write to block $r1 failed"
			dmsetup remove dut
			dmsetup create dut --table "0 $dsz remap $dm $ds" 2>"$T/create.err" ||
				fail "image $i ($what): re-creation after a write refused: $(cat "$T/create.err"); kernel: $(dmesg | tail -n 5)"
			dmr-fuzz check /dev/mapper/dut 7 "$T/c2.eio" >"$T/check.out" ||
				{ cat "$T/check.out"; fail "image $i ($what): wrong data after write and re-creation"; }
			! grep -qx "$r2" "$T/c2.eio" && ! grep -qx "$r1" "$T/c2.eio" ||
				fail "image $i ($what): written blocks unreadable after re-creation"
		fi
		dmsetup remove dut
		echo "activated $expect" >>"$T/outcomes"
	else
		refused=$((refused + 1))
		why=$(dmesg | sed -n 's/.*remap: \(.*\) (-E[A-Z]*)$/\1/p' | tail -n 1)
		echo "$i: refused ($why), expected $expect: $what"
		case $expect in intact|activate)
			fail "image $i ($what) refused, expected it to activate: $(cat "$T/create.err"); kernel: $(dmesg | tail -n 5)" ;;
		esac
		! dmsetup info dut >/dev/null 2>&1 || fail "image $i: a refused device was left behind"
		echo "refused $expect" >>"$T/outcomes"
	fi
	i=$((i + 1))
	[ $i -lt 20 ] || [ $(($(date +%s) - t)) -lt $TI ] || break
done
echo "(c) took $(($(date +%s) - t)) s: $i images, $activated activated, $refused refused"
sort "$T/outcomes" | uniq -c
protected_ok "metadata fuzzing"
echo "case time: $(($(date +%s) - t_case)) s"
