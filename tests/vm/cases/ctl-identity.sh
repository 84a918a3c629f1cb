# The main's identity is recorded at format and checked by create: loop
# devices (the fallback "loop:<backing file>"), null_blk ("name:", weak: a
# notice only), a spare formatted by the kernel's `format` option (no
# identity: size only, with a notice) and, where the kernel has it,
# scsi_debug (its WWID).  A different main of the same size is refused with
# a message naming the expected disk; --force accepts it.
# dmr-lanes: stock trixie
# Not on the debug lane: dmremapctl over the table lines and messages the
# kernel cases send under the debug kernel: pure userspace there.
. "$DMR_LIB"

dd if=/dev/zero of=m1.img bs=1M count=16 2>/dev/null
dd if=/dev/zero of=m2.img bs=1M count=16 2>/dev/null
dd if=/dev/zero of=s.img bs=1M count=4 2>/dev/null
m1=$(loop_create m1.img)
m2=$(loop_create m2.img)
s=$(loop_create s.img)
cleanup() { losetup -d "$m1" "$m2" "$s" 2>/dev/null || true; }
trap cleanup EXIT

dmremapctl create r "$m1" "$s" --format
dmremapctl remove r
dmremapctl dump --json "$s" >dump.json
assert_eq "$(jq -r '.spare.main_id' dump.json)" "loop:$DMR_TMP/m1.img" "recorded identity"
assert_eq "$(jq '.spare.main_sectors' dump.json)" 32768 "recorded size"
dmremapctl dump "$s" | grep -q "main device *loop:$DMR_TMP/m1.img, 32768 sectors" ||
	fail "dump: $(dmremapctl dump "$s")"

expect_exit 4 "it expects loop:$DMR_TMP/m1.img, 32768 sectors (now $m1)" dmremapctl create r "$m2" "$s"
expect_exit 4 "wrong disk?" dmremapctl create r "$m2" "$s"
[ ! -e /dev/mapper/r ] || fail "a refused create left /dev/mapper/r"
dmremapctl create r "$m2" "$s" --force 2>err.txt
grep -q "used anyway (--force)" err.txt || fail "no --force notice: $(cat err.txt)"
dmremapctl remove r
dmremapctl create r "$m1" "$s" 2>err.txt
assert_eq "$(cat err.txt)" "" "the right main: nothing to say"
dmremapctl remove r

# null_blk has no identity but its name: a change is a notice.
n1=$(nullb_create imain 16)
n2=$(nullb_create imain2 16)
ns=$(nullb_create ispare 4)
dmremapctl create w "$n1" "$ns" --format
dmremapctl remove w
assert_eq "$(dmremapctl dump --json "$ns" | jq -r '.spare.main_id')" "name:imain" "weak identity"
dmremapctl create w "$n2" "$ns" 2>err.txt
grep -q "kernel names can change, so only its size was checked" err.txt || fail "no notice: $(cat err.txt)"
dmremapctl remove w

# The kernel's format option (dmsetup users): no identity, size only.
ks=$(nullb_create kspare 4)
dmsetup create k --table "0 $(dev_sectors "$n1") remap $n1 $ks 1 format"
dmsetup remove k
assert_eq "$(dmremapctl dump --json "$ks" | jq -r '.spare.main_id')" null "kernel format: no identity"
dmremapctl create k "$n1" "$ks" 2>err.txt
grep -q "records no identity of its main" err.txt || fail "no notice: $(cat err.txt)"
dmremapctl remove k

# scsi_debug, if this kernel has it: a WWID.
modprobe sd_mod 2>/dev/null || true
if modprobe scsi_debug dev_size_mb=16 2>/dev/null; then
	sd=""
	for b in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*; do
		[ -e "$b" ] && sd=/dev/${b##*/}
	done
	[ -n "$sd" ] || fail "scsi_debug shows no disk"
	ss=$(nullb_create sspare 4)
	dmremapctl create sd "$sd" "$ss" --format
	dmremapctl remove sd
	id=$(dmremapctl dump --json "$ss" | jq -r '.spare.main_id')
	case "$id" in wwid:*) echo "ok: scsi_debug identity $id" ;; *) fail "scsi_debug identity: $id" ;; esac
	expect_exit 4 "it expects $id" dmremapctl create sd "$m1" "$ss"
	rmmod scsi_debug
else
	echo "scsi_debug not available: its part is left out"
fi
