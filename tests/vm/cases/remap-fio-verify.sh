# fio random writes with crc32c verification (4 jobs x iodepth 16, libaio,
# O_DIRECT, 16 KiB over 4 KiB blocks) on the remap device while a background
# loop keeps adding bad ranges to main (null_blk badblocks) at runtime.
#
# null_blk bad sectors fail reads too, so a range may only go bad where no
# data is waiting to be read back.  The written area is split into 4 areas,
# written one after the other by 4 fio groups (stonewall); the loop adds
# ranges only to areas whose group has not started.  fio's exec_prerun makes
# each group wait until the loop has acknowledged it, so no range can land in
# an area being written (and the loop adds at least a few ranges per group).
# Every block of an area is written once (randommap), so exactly the blocks
# of the injected ranges get remapped.
#
# Then every written block is read back and verified by a second fio pass
# (io_uring, 4 jobs x iodepth 32) with all the bad ranges in place.
#
# Part B does the same with ranges that go bad anywhere, under the writes in
# flight: main is a wfail device (writes to bad ranges fail, reads return
# the old data), so data written before its range went bad stays readable.
# Ranges are added (table reload, suspend, resume of the write path) while
# fio writes and verifies the whole area (3 loops); a second write+verify
# pass over the area, after the last range is in, must remap exactly every
# bad block.
# dmr-timeout: 600
. "$DMR_LIB"
. /dmr/lib-logwrites.sh
t_case=$(date +%s)

G=4 AREA_MB=16 BS=4096
bpa=$((AREA_MB * 1048576 / BS))		# blocks per area
spb=$((BS / 512))
main=$(nullb_create main 80 blocksize=$BS)
spare=$(nullb_create spare 32 blocksize=$BS)
dmsetup create r --table "0 $(dev_sectors "$main") remap $main $spare 1 format"
T=$DMR_TMP

# --- the fio job ------------------------------------------------------------
cat >"$T/phase.sh" <<EOF
# phase.sh N: fio group N is about to start; wait for the injector's ack.
echo \$1 >$T/want.\$\$ && mv $T/want.\$\$ $T/want
i=0
while [ "\$(cat $T/ack 2>/dev/null || echo 0)" -lt "\$1" ]; do
	i=\$((i + 1))
	[ \$i -lt 1200 ] || exit 1
	sleep 0.05
done
EOF
{
	cat <<EOF
[global]
filename=/dev/mapper/r
ioengine=libaio
direct=1
rw=randwrite
bs=16k
iodepth=16
numjobs=4
size=$((AREA_MB / 4))m
offset_increment=$((AREA_MB / 4))m
verify=crc32c
verify_fatal=1
EOF
	g=1
	while [ $g -le $G ]; do
		echo "[g$g]"
		[ $g = 1 ] || echo "stonewall"
		echo "offset=$(((g - 1) * AREA_MB))m"
		echo "exec_prerun=sh $T/phase.sh $g"
		g=$((g + 1))
	done
} >"$T/write.fio"

# --- the injector -------------------------------------------------------------
# Acknowledges group N once it has added at least 3 ranges while group N-1
# ran (at most 20 per group, 60 in all); adds ranges only to areas of groups
# after the current one.
echo 0 >"$T/ack"
: >"$T/ranges"
(
	cur=0 since=0 cnt=0 x=4242
	while [ ! -e "$T/stop" ]; do
		want=$(cat "$T/want" 2>/dev/null || echo 0)
		if [ "$want" -gt "$cur" ] && { [ "$cur" = 0 ] || [ $since -ge 3 ] || [ $cnt -ge 60 ]; }; then
			cur=$want since=0
			echo "$cur" >"$T/ack.tmp" && mv "$T/ack.tmp" "$T/ack"
		fi
		if [ "$cur" -ge 1 ] && [ "$cur" -lt $G ] && [ $since -lt 20 ] && [ $cnt -lt 60 ]; then
			x=$(( (x * 1103515245 + 12345) % 2147483648 ))
			tg=$((cur + 1 + (x / 7) % (G - cur)))	# a later group's area
			blk=$(( (tg - 1) * bpa + (x / 131) % bpa ))
			len=$((1 + (x / 17) % 8))
			[ $((blk + len)) -le $((tg * bpa)) ] || len=$((tg * bpa - blk))
			a=$((blk * spb)) b=$(((blk + len) * spb - 1))
			nullb_badblocks main + $a $b
			echo "$a $b g$tg during-g$cur" >>"$T/ranges"
			cnt=$((cnt + 1)) since=$((since + 1))
		fi
		sleep 0.1
	done
	echo "$cnt" >"$T/injector.done"
) &
inj=$!

t=$(date +%s)
rc=0
fio --output-format=json --output="$T/write.json" "$T/write.fio" || rc=$?
touch "$T/stop"
wait $inj || true
[ -e "$T/injector.done" ] || fail "the injector loop died"
echo "fio write+verify: exit $rc, $(($(date +%s) - t)) s; $(cat "$T/injector.done") ranges injected:"
sed 's/^/  /' "$T/ranges"
sed -n '/^{/,$p' "$T/write.json" >"$T/w.json"
jq -c '.jobs[] | {jobname, error, write: .write.io_bytes, read: .read.io_bytes}' "$T/w.json"
assert_eq $rc 0 "fio exit status"
assert_eq "$(jq '[.jobs[] | select(.error != 0)] | length' "$T/w.json")" 0 "fio jobs with errors"
assert_eq "$(jq '[.jobs[].write.io_bytes] | add' "$T/w.json")" $((G * AREA_MB * 1048576)) "bytes written"
assert_eq "$(jq '[.jobs[].read.io_bytes] | add' "$T/w.json")" $((G * AREA_MB * 1048576)) "bytes verified"
[ "$(wc -l <"$T/ranges")" -ge $((3 * (G - 1))) ] || fail "too few ranges injected"

# Exactly the blocks of the injected ranges are remapped.
awk -v spb=$spb '{ for (b = int($1 / spb); b <= int($2 / spb); b++) print b }' "$T/ranges" |
	sort -n | uniq >"$T/want-blocks"
nbad=$(wc -l <"$T/want-blocks")
remap_list r | awk '$2 == "remapped" { print $1 }' >"$T/remapped"
cmp "$T/remapped" "$T/want-blocks" || {
	diff "$T/remapped" "$T/want-blocks" | head -n 20
	fail "remapped blocks differ from the injected bad blocks"
}
assert_eq "$(status_field r 6)" "$nbad" "remapped = distinct injected bad blocks"
assert_eq "$(status_field r 7)" 0 "pending"
assert_eq "$(status_field r 4)" 0 "read errors"
assert_eq "$(status_field r 12)" 0 "spare errors"
assert_eq "$(status_field r 14)" ok "health"
[ "$(status_field r 5)" -gt 0 ] || fail "no write error on main"
[ "$(status_field r 11)" -gt 0 ] || fail "no write error suppressed"
echo "ok: status $(dm_status r)"

# --- read back everything with all the bad ranges in ---------------------------
t=$(date +%s)
rc=0
fio --output-format=json --output="$T/read.json" --name=readback \
	--filename=/dev/mapper/r --ioengine=io_uring --direct=1 --rw=read --bs=16k \
	--iodepth=32 --numjobs=4 --size=$((G * AREA_MB / 4))m \
	--offset_increment=$((G * AREA_MB / 4))m --verify=crc32c --verify_fatal=1 || rc=$?
sed -n '/^{/,$p' "$T/read.json" >"$T/r.json"
echo "fio read-verify: exit $rc, $(($(date +%s) - t)) s"
jq -c '.jobs[] | {jobname, error, read: .read.io_bytes}' "$T/r.json"
assert_eq $rc 0 "read-verify fio exit status"
assert_eq "$(jq '[.jobs[] | select(.error != 0)] | length' "$T/r.json")" 0 "read-verify jobs with errors"
assert_eq "$(jq '[.jobs[].read.io_bytes] | add' "$T/r.json")" $((G * AREA_MB * 1048576)) "bytes read back"
assert_eq "$(status_field r 4)" 0 "read errors after read-back"
assert_eq "$(status_field r 6)" "$nbad" "remapped after read-back"

dmsetup remove r

# --- part B: ranges going bad under the writes --------------------------------
main2=$(nullb_create main2 40 blocksize=$BS)
spare2=$(nullb_create spare2 32 blocksize=$BS)
mw=$(wfail_create mw "$main2")
dmsetup create r2 --table "0 $(dev_sectors "$mw") remap $mw $spare2 1 format"
AREA2_MB=32
cat >"$T/b.fio" <<EOF
[global]
filename=/dev/mapper/r2
ioengine=libaio
direct=1
rw=randwrite
bs=16k
iodepth=16
numjobs=4
size=$((AREA2_MB / 4))m
offset_increment=$((AREA2_MB / 4))m
verify=crc32c
verify_fatal=1
[b]
EOF
rm -f "$T/stop"
: >"$T/ranges2"
(
	cnt=0 x=777
	while [ ! -e "$T/stop" ] && [ $cnt -lt 30 ]; do
		x=$(( (x * 1103515245 + 12345) % 2147483648 ))
		blk=$(( (x / 131) % (AREA2_MB * 1048576 / BS) ))
		len=$((1 + (x / 17) % 8))
		echo "$((blk * spb)) $(((blk + len) * spb - 1))" >>"$T/ranges2"
		# wfail wants sorted, disjoint ranges: merge.
		# shellcheck disable=SC2046
		wfail_set mw "$main2" $(sort -n "$T/ranges2" | awk '
			NR == 1 { a = $1; b = $2; next }
			$1 <= b + 1 { if ($2 > b) b = $2; next }
			{ print a "-" b; a = $1; b = $2 }
			END { print a "-" b }')
		cnt=$((cnt + 1))
		sleep 0.2
	done
	echo "$cnt" >"$T/injector2.done"
) &
inj=$!
t=$(date +%s)
rc=0
fio --output-format=json --output="$T/b1.json" --loops=3 "$T/b.fio" || rc=$?
touch "$T/stop"
wait $inj || true
[ -e "$T/injector2.done" ] || fail "the part B injector died"
sed -n '/^{/,$p' "$T/b1.json" >"$T/b1j.json"
echo "part B pass 1: fio exit $rc, $(($(date +%s) - t)) s, $(cat "$T/injector2.done") ranges added; status $(dm_status r2)"
assert_eq $rc 0 "part B pass 1 fio exit status"
assert_eq "$(jq '[.jobs[] | select(.error != 0)] | length' "$T/b1j.json")" 0 "part B pass 1 jobs with errors"
assert_eq "$(jq '[.jobs[].read.io_bytes] | add' "$T/b1j.json")" $((3 * AREA2_MB * 1048576)) "part B pass 1 bytes verified (3 loops)"
[ "$(status_field r2 6)" -gt 0 ] || fail "part B pass 1 remapped nothing"

# Every remapped block is in a bad range; after a full rewrite, every block of
# every range is remapped.
awk -v spb=$spb '{ for (b = int($1 / spb); b <= int($2 / spb); b++) print b }' "$T/ranges2" |
	sort -n | uniq >"$T/want2"
remap_list r2 | awk '$2 == "remapped" { print $1 }' >"$T/remapped2"
extra=$(sort -n "$T/remapped2" "$T/want2" "$T/want2" | uniq -u | head -n 5)
[ -z "$extra" ] || fail "remapped blocks outside the bad ranges: $extra"
echo "ok: pass 1 remapped $(wc -l <"$T/remapped2") of $(wc -l <"$T/want2") bad blocks, all inside bad ranges"
rc=0
fio --output-format=json --output="$T/b2.json" "$T/b.fio" || rc=$?
sed -n '/^{/,$p' "$T/b2.json" >"$T/b2j.json"
assert_eq $rc 0 "part B pass 2 fio exit status"
assert_eq "$(jq '[.jobs[] | select(.error != 0)] | length' "$T/b2j.json")" 0 "part B pass 2 jobs with errors"
remap_list r2 | awk '$2 == "remapped" { print $1 }' >"$T/remapped2"
cmp "$T/remapped2" "$T/want2" || {
	diff "$T/remapped2" "$T/want2" | head -n 20
	fail "part B: remapped blocks differ from the bad blocks"
}
assert_eq "$(status_field r2 6)" "$(wc -l <"$T/want2")" "part B remapped = distinct bad blocks"
assert_eq "$(status_field r2 7)" 0 "part B pending"
assert_eq "$(status_field r2 14)" ok "part B health"
rc=0
fio --output-format=json --output="$T/b3.json" --name=readback2 \
	--filename=/dev/mapper/r2 --ioengine=io_uring --direct=1 --rw=read --bs=16k \
	--iodepth=32 --numjobs=4 --size=$((AREA2_MB / 4))m \
	--offset_increment=$((AREA2_MB / 4))m --verify=crc32c --verify_fatal=1 || rc=$?
sed -n '/^{/,$p' "$T/b3.json" >"$T/b3j.json"
assert_eq $rc 0 "part B read-verify fio exit status"
assert_eq "$(jq '[.jobs[] | select(.error != 0)] | length' "$T/b3j.json")" 0 "part B read-verify jobs with errors"
assert_eq "$(jq '[.jobs[].read.io_bytes] | add' "$T/b3j.json")" $((AREA2_MB * 1048576)) "part B bytes read back"
echo "ok: part B status $(dm_status r2)"
dmsetup remove r2
dmsetup remove mw
dmsetup remove mw-w

errs=$(fs_errors main)
[ -z "$errs" ] || { echo "$errs"; fail "unexpected errors in the kernel log"; }
echo "case time: $(($(date +%s) - t_case)) s"
