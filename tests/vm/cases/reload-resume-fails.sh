# dmr-timeout: 120
# A reload of the metadata at resume that fails must not bring up a
# half-torn-down table (review 2026-12, item 9).
#
# When the old table committed a remap after the new table's constructor
# read the metadata (reload, then a write error absorbed by the old table),
# today's code re-reads the metadata at resume: it first throws away its
# table, slot arrays and counters, then reads.  If that read fails part-way,
# the resume fails, but the generation it had already raised from the
# blocks it did read equals the last committed one, so the NEXT resume
# skips the re-read and goes live with an empty table: remapped blocks are
# read from main again, and new remaps reuse spare blocks that hold data.
#
# The read fails part-way here because the spare is big enough for its
# metadata to be read in several chunks (64 MiB at 512-byte blocks: about
# 640 metadata blocks per copy, read 256 at a time) and only metadata block
# 256 is unreadable, in both copies (so no correct kernel can load the table
# while it is: the first resume may fail, or may not need to read at all).
# The spare is a dm-delay whose reads go to a linear table that can be
# switched to have error segments (rfail_create); writes always succeed.
#
# Expected: one of the resumes succeeds (the first or, after the spare is
# readable again, the second), with the full table; every acknowledged
# block reads back; the next remap does not reuse a spare block in use; and
# all of it is still there after remove and create.
. "$DMR_LIB"
. /dmr/lib-faults.sh

main=$(nullb_create main 64)
nspare=$(nullb_create spare 64)
sz=$(dev_sectors "$main")
spare=$(rfail_create sp "$nspare")
table="0 $sz remap $main $spare"
dmsetup create r --table "$table 1 format"
dev=/dev/mapper/r
pattern write $dev 0 1m 1

# 8 remaps, committed by the first table.
nullb_badblocks main + 1000 1007
pattern write $dev $((1000 * 512)) 4k 2 -b 4k
# The new table reads the metadata now; then the old one commits 8 more.
dmsetup reload r --table "$table"
nullb_badblocks main + 1500 1507
pattern write $dev $((1500 * 512)) 4k 3 -b 4k
assert_eq "$(status_field r 6)" 16 "remapped blocks in the old table"

a256=$(meta_sector "$nspare" a 256)
b256=$(meta_sector "$nspare" b 256)
assert_eq "$(meta_sector "$nspare" a 0)" 16 "sector of metadata block 0, copy A"
echo "metadata block 256: copy A at sector $a256, copy B at sector $b256 (spare: $(dmr-meta show "$nspare" | tr '\n' ' '))"
rfail_set sp "$nspare" "$a256-$((a256 + 7))" "$b256-$((b256 + 7))"

if dmsetup resume r 2>err; then
	echo "first resume succeeded (it did not need the unreadable block)"
	rfail_set sp "$nspare"
else
	echo "first resume failed: $(cat err)"
	rfail_set sp "$nspare"
	dmsetup resume r 2>err || fail "the second resume, with the spare readable again, failed: $(cat err)"
	echo "second resume succeeded"
fi
echo "status after resume: $(dm_status r)"
echo "list: $(dmsetup message r 0 list | tr '\n' ' ')"

# Remapped ranges of 8 blocks, "first_block:seed", and a check of them all
# plus the fill pattern between them.
remaps="1000:2 1500:3"
check_all() {
	for cb in $remaps; do
		cb_blk=${cb%:*} cb_seed=${cb#*:}
		rc=0
		pattern verify $dev $((cb_blk * 512)) 4k "$cb_seed" -b 4k 2>err || rc=$?
		[ $rc = 0 ] || fail "acknowledged write to blocks $cb_blk-$((cb_blk + 7)) lost $1 (verify exit $rc: $(cat err))"
	done
	pattern verify $dev 0 $((1000 * 512)) 1
	pattern verify $dev $((1008 * 512)) $((492 * 512)) 1 -p $((1008 * 512))
	pattern verify $dev $((1508 * 512)) $((292 * 512)) 1 -p $((1508 * 512))
	pattern verify $dev $((1808 * 512)) $((240 * 512)) 1 -p $((1808 * 512))
	echo "ok: every remapped block reads back $1"
}
check_all "after the resume"
assert_eq "$(status_field r 6)" 16 "remapped after the resume"
assert_eq "$(status_field r 8)" 16 "spare blocks used after the resume"

# The next remap gets a spare block nobody uses.
nullb_badblocks main + 1800 1807
pattern write $dev $((1800 * 512)) 4k 4 -b 4k
remaps="$remaps 1800:4"
check_all "after one more remap"
assert_eq "$(status_field r 6)" 24 "remapped after one more remap"
dmsetup message r 0 list >list.out
assert_eq "$(grep -c ' remapped ' list.out)" 24 "remapped entries listed"
assert_eq "$(cut -d' ' -f3 list.out | sort -u | wc -l)" 24 "distinct spare blocks in the list"

dmsetup remove r
dmsetup create r --table "$table"
check_all "after remove and create"
assert_eq "$(status_field r 6)" 24 "remapped after remove and create"
dmsetup remove r
rfail_remove sp
