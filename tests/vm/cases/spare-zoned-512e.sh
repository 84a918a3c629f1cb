# The spare's own geometry is respected (review 2026-12 item 14; only main
# shapes the dm device's limits).  (a) A zoned spare (null_blk, one
# conventional zone holding the metadata, sequential zones after it) is
# refused at table load with a message naming zoned devices: remap writes
# are random writes, which sequential zones fail.  (b) A 512e spare
# (scsi_debug: 512-byte logical, 4096-byte physical blocks) under a
# 512-byte main comes up, and every spare block is aligned to the spare's
# physical block: spare data starts on a physical block boundary, and spare
# block k is at spare_start + 8k, so two adjacent remapped main blocks sit
# in different physical sectors (a read-modify-write of one cannot tear
# the other).  (b) needs scsi_debug: on a kernel without it (the debug
# kernel) the case skips after (a) has passed (fails if (a) failed).
. "$DMR_LIB"


main=$(nullb_create main 64)
sz=$(dev_sectors "$main")

# --- (a) zoned spare ------------------------------------------------------------
zsp=$(nullb_create zsp 64 zoned=1 zone_size=8 zone_nr_conv=1)
assert_eq "$(queue_attr "$zsp" zoned)" host-managed "zoned model of the spare"
dmesg -c >/dev/null
if out=$(dmsetup create r --table "0 $sz remap $main $zsp 1 format" 2>&1); then
	echo "FAIL: a zoned spare was accepted"
	nfail=$((nfail + 1))
	dmsetup remove r
else
	echo "refused: $out"
	msg=$(dmesg | grep 'device-mapper: table: .*remap: ' || true)
	case "$msg" in
	*[Zz]oned*) echo "ok: refused because it is zoned: $msg" ;;
	*)
		echo "FAIL: refused, but not because it is zoned: $msg"
		nfail=$((nfail + 1))
		;;
	esac
fi
[ "$nfail" = 0 ] || echo "(going on with (b); the case fails at the end)"

# --- (b) 512e spare ------------------------------------------------------------------
# (sdebug_create skips where there is no scsi_debug; a failure of (a) must
# not turn into a skip then.)
rc=0
sd=$(sdebug_create dev_size_mb=64 sector_size=512 physblk_exp=3) || rc=$?
if [ $rc != 0 ]; then
	echo "$sd"
	[ "$nfail" = 0 ] || fail "$nfail checks of (a) failed; (b) cannot run"
	exit $rc
fi
assert_eq "$(queue_attr "$sd" logical_block_size) $(queue_attr "$sd" physical_block_size)" \
	"512 4096" "logical and physical block size of the spare"
dmsetup create r --table "0 $sz remap $main $sd 1 format"
ss=$(stat_value r spare_start)
check_eq "$((ss % 8))" 0 "spare_start ($ss) modulo 8 sectors"

# Two adjacent main blocks go bad; a 1 KiB write over them remaps both.
x=4000
nullb_badblocks main + $x $((x + 1))
pattern write /dev/mapper/r $((x * 512)) 1k 5
pattern verify /dev/mapper/r $((x * 512)) 1k 5
assert_eq "$(status_field r 6)" 2 "remapped"
assert_eq "$(dmsetup message r 0 list | tr '\n' ' ')" "$x remapped 0 $((x + 1)) remapped 1 " "list"
# Spare block k is at spare_start + 8k (4 KiB apart), and nothing else of
# the write is in the physical block of spare block 0.
check "main block $x on the spare at sector $ss" \
	pattern verify "$sd" $((ss * 512)) 512 5
check "main block $((x + 1)) on the spare at sector $((ss + 8))" \
	pattern verify "$sd" $(((ss + 8) * 512)) 512 5 -p 512
check "rest of spare block 0's physical block is not main block $((x + 1))" \
	sh -c "! dmr-pattern verify $sd $(((ss + 1) * 512)) 512 5 -p 512 2>/dev/null"
dmsetup remove r
dmsetup create r --table "0 $sz remap $main $sd"
check "after re-create: both blocks read back" pattern verify /dev/mapper/r $((x * 512)) 1k 5
dmsetup remove r
[ "$nfail" = 0 ] || fail "$nfail checks failed"
