# dmr-timeout: 120
# dmsetup table/status/targets output of the remap target.
#  table:  "<start> <len> remap <main maj:min> <spare maj:min> 1 suppress_writes|
#          no_suppress_writes", whatever form the devices were given in
#  status: "<start> <len> remap 2 <reads> <writes> <read_errors> <write_errors>
#          <remapped> <pending> <spare_used> <spare_total> <retired>
#          <errors_suppressed> <spare_errors> on|off <health>"
# The I/O counters are per target and count bios from above: exactly K
# O_DIRECT bios give deltas of exactly K.  The error counters count failed
# bios from main (null_blk bad blocks; a dm "error" device as main), with
# the remap/pending counters moving as documented for suppress off and on.
. "$DMR_LIB"

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
main2=$(nullb_create main2 16)
spare2=$(nullb_create spare2 16)
spare3=$(nullb_create spare3 16)
scratch=$(nullb_create scratch 16)
sz=$(dev_sectors "$main") sz2=$(dev_sectors "$main2")
M=$(majmin "$main") S=$(majmin "$spare") M2=$(majmin "$main2") S2=$(majmin "$spare2")

assert_eq "$(dmsetup targets | awk '$1 == "remap" { print $2 }')" v1.1.0 "dmsetup targets: remap version"

dmsetup create r --table "0 $sz remap $main $spare 1 format"
assert_eq "$(dmsetup table r)" "0 $sz remap $M $S 1 suppress_writes" "table (devices given as paths)"
T=$(status_field r 9)
ss=$(stat_value r spare_start)
[ "$T" -gt 0 ] && [ $((ss + T)) -le "$(dev_sectors "$spare")" ] ||
	fail "spare_total $T with spare_start $ss does not fit the spare"
assert_eq "$(dmsetup status r | cut -d' ' -f1-19)" "0 $sz remap 3 0 0 0 0 0 0 0 $T 0 0 0 on ok 0 none" \
	"status of a new device"
since=$(dmsetup status r | cut -d' ' -f20)
now=$(date +%s)
[ "$since" -le "$now" ] && [ "$since" -gt $((now - 600)) ] ||
	fail "counters_since $since is not the activation time (now $now)"

# counters R W RE WE as one string
counters() { dm_status "$1" | cut -d' ' -f2-5; }
delta() {	# delta NAME BEFORE: "dR dW dRE dWE" since BEFORE
	echo "$2 $(counters "$1")" | awk '{ print $5 - $1, $6 - $2, $7 - $3, $8 - $4 }'
}

c=$(counters r)
pattern write /dev/mapper/r 0 40k 1 -b 4k         # 10 bios
assert_eq "$(delta r "$c")" "0 10 0 0" "counter deltas after 10 4k writes"
c=$(counters r)
pattern verify /dev/mapper/r 0 40k 1 -b 4k        # 10 bios
assert_eq "$(delta r "$c")" "10 0 0 0" "counter deltas after 10 4k reads"
c=$(counters r)
pattern write /dev/mapper/r 1m 448k 2 -b 64k      # 7 bios
pattern verify /dev/mapper/r 1m 448k 2 -b 32k     # 14 bios
pattern verify /dev/mapper/r 1m 448k 2 -b 448k    # 1 bio
assert_eq "$(delta r "$c")" "15 7 0 0" "counter deltas after 7 64k writes and 15 reads"
dmsetup remove r

# Devices given as major:minor, and the other suppress option, re-emit the
# same way.
dmsetup create r --table "0 $sz remap $M $S 1 no_suppress_writes"
assert_eq "$(dmsetup table r)" "0 $sz remap $M $S 1 no_suppress_writes" "table (maj:min, no_suppress_writes)"
assert_eq "$(status_field r 13)" off "suppress field"
dmsetup remove r

# Two remap segments and a linear one: one line each, counters per segment;
# one 8k bio straddling the remap/remap boundary counts once in each.
dmsetup create t <<EOT
0 $sz remap $main $spare
$sz $sz2 remap $main2 $spare2 1 format
$((sz + sz2)) 2048 linear $scratch 0
EOT
T2=$(dmsetup status t | sed -n 2p | cut -d' ' -f12)
cat >want.table <<EOT
0 $sz remap $M $S 1 suppress_writes
$sz $sz2 remap $M2 $S2 1 suppress_writes
$((sz + sz2)) 2048 linear $(majmin "$scratch") 0
EOT
dmsetup table t >got.table
cmp got.table want.table || { cat got.table; fail "table of the three-segment device"; }
echo "ok: three-segment table"
assert_eq "$(dmsetup table --target remap t | wc -l)" 2 "lines of table --target remap"
dmsetup table --target remap t >got.remap
head -n 2 want.table | cmp - got.remap || fail "table --target remap: $(cat got.remap)"
assert_eq "$(dmsetup status --target linear t)" "$((sz + sz2)) 2048 linear " "status --target linear"
pattern write /dev/mapper/t "$((sz - 8))s" 8k 3 -b 8k
pattern verify /dev/mapper/t "$((sz - 8))s" 8k 3 -b 8k
# (Without the trailing counters_since, a time.)
dmsetup status --target remap t | cut -d' ' -f1-19 >got.status
cat >want.status <<EOT
0 $sz remap 3 1 1 0 0 0 0 0 $T 0 0 0 on ok 0 none
$sz $sz2 remap 3 1 1 0 0 0 0 0 $T2 0 0 0 on ok 0 none
EOT
cmp got.status want.status || { cat got.status; fail "per-segment status after a straddling bio"; }
echo "ok: straddling bio counted once per segment"
pattern write /dev/mapper/t "$((sz + sz2))s" 64k 4   # linear segment: no remap counter moves
dmsetup status --target remap t | cut -d' ' -f1-19 >got.status
cmp got.status want.status || { cat got.status; fail "linear segment I/O moved remap counters"; }
dmsetup remove t

# --- error counters -------------------------------------------------------
# null_blk bad blocks: the 4k blocks at 1, 2 and 3 MiB (8 x 512-byte blocks
# each) fail reads and writes.
st() { dm_status r | cut -d' ' -f2-8,10-14; }	# all but spare_total, to health
dmsetup create r --table "0 $sz remap $main $spare 1 no_suppress_writes"
pattern write /dev/mapper/r 3m 4k 5 -b 4k       # good data under the 3 MiB block
nullb_badblocks main + 2048 2055
nullb_badblocks main + 4096 4103
nullb_badblocks main + 6144 6151
assert_eq "$(st)" "0 1 0 0 0 0 0 0 0 0 off ok" "status before errors"
# Reads of a bad block fail, every time; its blocks become pending.
for i in 1 2 3; do
	rc=0
	pattern read /dev/mapper/r 1m 4k -b 4k 2>/dev/null || rc=$?
	assert_eq $rc 3 "read of a bad block: dmr-pattern exit status (EIO)"
done
assert_eq "$(st)" "3 1 3 0 0 8 0 0 0 0 off degraded" "status after 3 failed reads (R W RE WE remapped pending used retired suppressed spare_err)"
# Suppress off: a failed write returns EIO, its blocks become pending.
rc=0
pattern write /dev/mapper/r 2m 4k 6 -b 4k 2>/dev/null || rc=$?
assert_eq $rc 3 "write of a bad block, suppress off: dmr-pattern exit status (EIO)"
assert_eq "$(st)" "3 2 3 1 0 16 0 0 0 0 off degraded" "status after a failed write"
# A write to pending blocks goes straight to the spare: no error.  (The
# target splits such a write into one piece per block and counts each piece
# in <writes>, so that counter is only checked to have moved here.)
pattern write /dev/mapper/r 1m 4k 7 -b 4k
pattern verify /dev/mapper/r 1m 4k 7 -b 4k
w=$(status_field r 3)
[ "$w" -ge 3 ] || fail "writes counter did not move for the write to pending blocks"
echo "note: writes counter after one 4k write over 8 pending blocks: 2 -> $w"
assert_eq "$(st | cut -d' ' -f1,3-)" "4 3 1 8 8 8 0 0 0 off degraded" \
	"status after writing pending blocks (all but writes)"
# Suppress on: a failed write is remapped and completes.
dmsetup message r 0 suppress on
pattern write /dev/mapper/r 3m 4k 8 -b 4k
pattern verify /dev/mapper/r 3m 4k 8 -b 4k
assert_eq "$(st)" "5 $((w + 1)) 3 2 16 8 16 0 1 0 on degraded" "status after a suppressed write error"
dmsetup remove r

# A dm "error" device as main (suppress on): reads fail, writes are
# remapped and read back from the spare.
dmsetup create e --table "0 $sz error"
dmsetup create r --table "0 $sz remap /dev/mapper/e $spare3 1 format"
assert_eq "$(dmsetup table r)" "0 $sz remap $(majmin /dev/mapper/e) $(majmin "$spare3") 1 suppress_writes" "table over a dm main"
pattern write /dev/mapper/r 0 8k 9 -b 4k      # 2 bios, 16 blocks
pattern verify /dev/mapper/r 0 8k 9 -b 4k     # from the spare
for i in 1 2 3; do
	if pattern read /dev/mapper/r "${i}m" 4k 2>/dev/null; then fail "read from error main succeeded"; fi
done
assert_eq "$(st)" "5 2 3 2 16 24 16 0 2 0 on degraded" "status over an error main"
dmsetup remove r
dmsetup remove e
