# dmr-timeout: 120
# A table reload while the live table is in the middle of a metadata commit
# must lose nothing (review 2026-12, item 2).
#
# `dmsetup reload` constructs the new table T2 while the old table T1 keeps
# serving I/O.  T2 reads the spare's metadata in its constructor.  If T1 has
# written copy A of a commit but not yet copy B, T2 sees the copies differ.
# Today T2 then "repairs" them by committing from its constructor, with a
# generation that T1's next commit reuses: at resume T2 believes it has seen
# every commit and does not re-read the metadata, so it goes live without
# the remap T1 made after the reload (the block reads from main again: EIO or
# stale data), and its next commit of that metadata block would make the
# loss durable.  Two writers can produce the same generation number; the
# generation is no proof that nobody else committed.
#
# Timing: the spare sits under dm-delay, writes delayed (reads and flushes
# are not): 1 s on copy A and the data area, 3 s on copy B (one delay
# target per region), so a remap takes about 5 s: spare data write 1 s,
# copy A 1 s, copy B 3 s.  The case does not sleep for a guessed time: it
# polls (bounded) the generation of copy A's block 0 on the spare itself
# until T1's copy-A write has landed, then reloads at once; copy B is then
# still held in dm-delay for up to 3 s, which is the window the reload must
# hit (the constructor's reads are not delayed).  With one 1 s delay for
# everything the window was too short under TCG: the constructor read about
# 0.9 s after copy A landed, and 2 runs of 5 missed it.  The case prints
# whether copy B was still old just before the reload.  On a correct kernel
# the outcome is the same whether or not the window is hit.
. "$DMR_LIB"
. /dmr/lib-faults.sh

main=$(nullb_create main 64 blocksize=4096)
nspare=$(nullb_create spare 16)
sz=$(dev_sectors "$main")
ssz=$(dev_sectors "$nspare")
# Spare: dm-delay, no delay while formatting and filling.
dmsetup create sd --table "0 $ssz delay $nspare 0 0 $nspare 0 0 $nspare 0 0"
table="0 $sz remap $main /dev/mapper/sd"
dmsetup create r --table "$table 1 format"
dev=/dev/mapper/r
pattern write $dev 0 4m 1
b1=256 b2=512	# main blocks (4 KiB): bytes 1m and 2m
nullb_badblocks main + $((b1 * 8)) $((b1 * 8 + 7))
nullb_badblocks main + $((b2 * 8)) $((b2 * 8 + 7))

# A version 2 spare writes no metadata block before the first remap: block 0
# reads as generation 0 (never written) in both copies until then.
seca=$(meta_sector "$nspare" a 0)
secb=$(meta_sector "$nspare" b 0)
gen0=$(meta_gen "$nspare" "$seca")
assert_eq "$(meta_gen "$nspare" "$secb")" "$gen0" \
	"generation of metadata block 0, copy B = copy A, before the remaps"

ds=$(stat_value r spare_start)
# delay_table A B DATA: write delays (ms) of copy A (with the superblocks),
# copy B and the data area.
delay_table() {
	echo "0 $secb delay $nspare 0 0 $nspare 0 $1 $nspare 0 0"
	echo "$secb $((ds - secb)) delay $nspare $secb 0 $nspare $secb $2 $nspare $secb 0"
	echo "$ds $((ssz - ds)) delay $nspare $ds 0 $nspare $ds $3 $nspare $ds 0"
}
delay_table 1000 3000 1000 | dmsetup reload sd
dmsetup suspend sd
dmsetup resume sd

# Remap 1, in the background: T1 writes the spare block, copy A, copy B.
pattern write $dev $((b1 * 4096)) 4k 2 -b 4k 2>w1.err &
w1=$!
n=0
while [ "$(meta_gen "$nspare" "$seca")" = "$gen0" ]; do
	n=$((n + 1))
	[ $n -le 200 ] || fail "copy A of the first remap's commit never reached the spare"
	sleep 0.05
done
t_a=$(cut -d' ' -f1 /proc/uptime)
ga=$(meta_gen "$nspare" "$seca") gb=$(meta_gen "$nspare" "$secb")
echo "uptime $t_a: copy A landed; before the reload: copy A generation $ga, copy B generation $gb" \
	"($([ "$gb" = "$gen0" ] && echo "copy B still in flight: window hit" || echo "copy B already written: window missed"))"
dmsetup reload r --table "$table"
echo "uptime $(cut -d' ' -f1 /proc/uptime): reload done"

# Remap 2, by the old table, which is still live.
pattern write $dev $((b2 * 4096)) 4k 3 -b 4k
rc=0
wait $w1 || rc=$?
[ $rc = 0 ] || fail "the first failing write was not absorbed (exit $rc: $(cat w1.err))"
assert_eq "$(status_field r 6)" 2 "remapped blocks in the old table"
dmsetup resume r
echo "status after resume: $(dm_status r)"

check_both() {
	what=$1
	for cb in "$b1 2" "$b2 3"; do
		cb_blk=${cb% *} cb_seed=${cb#* }
		rc=0
		pattern verify $dev $((cb_blk * 4096)) 4k "$cb_seed" -b 4k 2>err || rc=$?
		[ $rc = 0 ] || fail "acknowledged write to block $cb_blk lost $what (verify exit $rc: $(cat err))"
	done
	# The rest of the first 4 MiB still holds the fill pattern.
	pattern verify $dev 0 1m 1
	pattern verify $dev $((1048576 + 4096)) $((1048576 - 4096)) 1 -p $((1048576 + 4096))
	pattern verify $dev $((2097152 + 4096)) $((2097152 - 4096)) 1 -p $((2097152 + 4096))
	assert_eq "$(status_field r 6)" 2 "remapped $what"
	dmsetup message r 0 list >list.out
	grep -q "^$b1 remapped [0-9]" list.out || fail "list lacks block $b1 $what: $(cat list.out)"
	grep -q "^$b2 remapped [0-9]" list.out || fail "list lacks block $b2 $what: $(cat list.out)"
	[ "$(cut -d" " -f3 list.out | sort -u | wc -l)" = 2 ] || fail "blocks share a spare block $what: $(cat list.out)"
	echo "ok: both remapped blocks read back $what"
}
check_both "after the reload and resume"

# And on disk: re-activation without format reads both entries.
delay_table 0 0 0 | dmsetup reload sd
dmsetup suspend sd
dmsetup resume sd
dmsetup remove r
dmsetup create r --table "$table"
check_both "after remove and create"
dmsetup remove r
dmsetup remove sd
