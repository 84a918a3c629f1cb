# dmr-timeout: 900
# Crash consistency.  Main and spare are two segments of one device under
# dm-log-writes, so one log records every write to both in completion
# order.  A writer makes 8 writes (half of them over ranges whose writes
# fail, so they are remapped), each acknowledged and flushed before a log
# mark "ack-N".  The log is then replayed onto a scratch device, and at
# every FLUSH/FUA point (every state a power cut could leave) the target is
# activated on a copy: the metadata must load, every acknowledged write must
# read back intact, and every remap entry must point at spare data that was
# written (never stale spare contents).
# DMR_CRASH_STRIDE=K (set by a kernel profile: the debug lane, where every
# point costs about 4 times as much) checks only every K-th crash point, the
# first point after each mark and the final state; the stock lane checks
# every point.
. "$DMR_LIB"
stride=${DMR_CRASH_STRIDE:-1}

MS=8192 SS=2048		# main and spare segment sizes, sectors
N=8
base=$(nullb_create base 8 cache_size=8)	# a write cache: flushes flow
logd=$(nullb_create logd 256)
dmsetup create lw --table "0 $((MS + SS)) log-writes $base $logd"
dmsetup create m --table "0 $MS linear /dev/mapper/lw 0"
dmsetup create s --table "0 $SS linear /dev/mapper/lw $MS"

# Write i covers sectors [16i, 16i + 8); writes to the even ones fail.
ranges=""
for i in $(seq 0 2 $((N - 1))); do ranges="$ranges $((16 * i))-$((16 * i + 7))"; done
# shellcheck disable=SC2086
disk=$(wfail_create failing /dev/mapper/m $ranges)
dmsetup create r --table "0 $MS remap $disk /dev/mapper/s 1 format"
dmsetup message lw 0 mark formatted
for i in $(seq 0 $((N - 1))); do
	pattern write /dev/mapper/r $((16 * i * 512)) 4k $((100 + i))
	dmsetup message lw 0 mark "ack-$i"
done
assert_eq "$(status_field r 6)" $((N / 2 * 8)) "remapped"
dmsetup remove r failing failing-w
dmsetup remove m s lw

# The check run at every crash point.
scratch=$(nullb_create scratch 8)
work=$(nullb_create work 8)
echo 0 >/tmp/case/npoints
echo @none >/tmp/case/lastmark	# the first point is checked
cat >/tmp/case/check.sh <<EOT
set -e
. /dmr/lib.sh
np=\$((\$(cat /tmp/case/npoints) + 1))
echo \$np >/tmp/case/npoints
if [ "\${DMR_MARK:-}" = "\$(cat /tmp/case/lastmark)" ] && [ \$((np % $stride)) -ne 0 ] && [ -z "\${DMR_FINAL:-}" ]; then
	exit 0	# sampled out (DMR_CRASH_STRIDE)
fi
echo "\${DMR_MARK:-}" >/tmp/case/lastmark
echo x >>/tmp/case/checked
dd if=$scratch of=$work bs=1M count=$(((MS + SS) / 2048)) 2>/dev/null
dmsetup create cm --table "0 $MS linear $work 0"
dmsetup create cs --table "0 $SS linear $work $MS"
if ! dmsetup create cr --table "0 $MS remap /dev/mapper/cm /dev/mapper/cs" 2>/tmp/case/err; then
	dmsetup remove cm cs
	# Before the format completed activation may fail; never after.
	[ -z "\$DMR_MARK" ] && exit 0
	fail "metadata does not load at entry \$DMR_ENTRY (after \$DMR_MARK): \$(dmesg | tail -n 2)"
fi
acked=\${DMR_MARK#ack-}
case "\$acked" in ""|formatted) acked=-1 ;; esac
dmsetup message cr 0 list >/tmp/case/list
w=0
while [ \$w -lt $N ]; do
	first=\$((16 * w))
	n=\$(awk -v a=\$first '\$2 == "remapped" && \$1 >= a && \$1 < a + 8' /tmp/case/list | wc -l)
	if [ \$w -le \$acked ] || [ \$n -eq 8 ]; then
		# Acknowledged, or wholly remapped: all of it must be there.
		pattern verify /dev/mapper/cr \$((first * 512)) 4k \$((100 + w)) ||
			fail "write \$w (acknowledged: \$acked) wrong at entry \$DMR_ENTRY"
	elif [ \$n -gt 0 ]; then
		# Partly remapped: each entry must point at the written data.
		for b in \$(awk -v a=\$first '\$2 == "remapped" && \$1 >= a && \$1 < a + 8 {print \$1}' /tmp/case/list); do
			pattern verify /dev/mapper/cr \$((b * 512)) 512 \$((100 + w)) -p \$(((b - first) * 512)) ||
				fail "entry for block \$b points at unwritten spare data (entry \$DMR_ENTRY)"
		done
	fi
	w=\$((w + 1))
done
echo "point at entry \$DMR_ENTRY (\${DMR_MARK:-no mark}): \$(grep -c remapped /tmp/case/list) entries, writes 0..\$acked intact"
dmsetup remove cr cm cs
EOT
dmr-logreplay "$logd" "$scratch" "sh /tmp/case/check.sh" | tee /tmp/case/replay
n=$(tail -n 1 /tmp/case/replay | cut -d" " -f3)
[ "$n" -ge $((2 * N)) ] || fail "only $n crash points"
# The whole log applied: the state after the last write.
DMR_FINAL=1 DMR_ENTRY=end DMR_MARK=ack-$((N - 1)) sh /tmp/case/check.sh
echo "checked $(wc -l </tmp/case/checked) of $n crash points and the final state (stride $stride)"
