# dmremapctl spare-move: 300 remapped blocks and 3 pending ones move to a
# larger spare.  Cut after every write of the move (the test hook
# DMREMAP_TEST_CUT_WRITES: the writes stop as in a crash), exactly one of
# the two spares activates, with every remap and all the data; running the
# move again finishes it (old spare retired, dmremaptab line updated).
# Then the move of an active device (removed, created again on the new
# spare) and the refusals.
# dmr-lanes: stock trixie
# Not on the debug lane: dmremapctl over the table lines and messages the
# kernel cases send under the debug kernel: pure userspace there.
# dmr-timeout: 480
. "$DMR_LIB"

main=$(nullb_create main 8)		# 16384 blocks
old=$(nullb_create old 4)
new=$(nullb_create new 8)
dmremapctl create r "$main" "$old" --format
nullb_badblocks main + 10000 10299
pattern write /dev/mapper/r 0 8m 1
nullb_badblocks main + 15000 15002
expect_fail "Input/output error" pattern read /dev/mapper/r $((15000 * 512)) 1536
assert_eq "$(status_field r 6) $(status_field r 7)" "300 3" "remapped and pending"
total_old=$(status_field r 9)
fid=$(stat_value r format_id)
printf '# the device of this test\nr  %s  FORMAT_ID=%s  nofail\n' "$main" "$fid" >tab.orig
dmremapctl remove r
dd if="$old" of=old.img bs=1M 2>/dev/null

# verify DEV: all the data but the pending blocks (main cannot read them).
verify() {
	pattern verify "$1" 0 $((15000 * 512)) 1
	pattern verify "$1" $((15003 * 512)) $((8388608 - 15003 * 512)) 1 -p $((15003 * 512))
}
# try SPARE: create r on it (0, the entries and the data checked) or not (1).
try() {
	if dmremapctl create r "$main" "$1" 2>try.err; then
		assert_eq "$(status_field r 6) $(status_field r 7)" "300 3" "entries on $1"
		verify /dev/mapper/r
		dmremapctl remove r
		return 0
	fi
	echo "($1 refused: $(cat try.err))"
	return 1
}
reset() {
	dd if=old.img of="$old" bs=1M conv=fsync 2>/dev/null
	dd if=/dev/zero of="$new" bs=1M count=8 conv=fsync 2>/dev/null
	cp tab.orig tab
}

n=1
while :; do
	reset
	rc=0
	DMREMAP_TEST_CUT_WRITES=$n dmremapctl spare-move r "$new" --tab tab 2>cut.err || rc=$?
	[ "$rc" -eq 0 ] && break
	assert_eq "$rc" 5 "exit status of the move cut after $n writes"
	grep -q "stopped after $n writes" cut.err || fail "$(cat cut.err)"
	o=0 w=0
	try "$old" && o=1
	try "$new" && w=1
	[ $((o + w)) -eq 1 ] || fail "cut after $n writes: old spare usable: $o, new spare usable: $w"
	echo "ok: cut after $n writes: only the $([ $o = 1 ] && echo old || echo new) spare activates, with all data"
	dmremapctl spare-move r "$new" --tab tab 2>again.err || fail "finishing after cut $n: $(cat again.err)"
	try "$old" && fail "the old spare still activates after the move (cut $n)"
	try "$new" || fail "the new spare does not activate after the move (cut $n)"
	n=$((n + 1))
done
echo "ok: the move makes $((n - 1)) writes, each cut survived"
[ "$n" -ge 14 ] || fail "only $((n - 1)) writes"
try "$old" && fail "the old spare activates after an uncut move"
try "$new"
newfid=$(dmremapctl dump --json "$new" | jq -r '.spare.format_id')
[ "$newfid" != "$fid" ] || fail "the new spare has the old format id"
assert_eq "$(cat tab)" "$(printf '# the device of this test\nr  %s  FORMAT_ID=%s  nofail' "$main" "$newfid")" \
	"dmremaptab line"
assert_eq "$(dmremapctl dump --json "$new" | jq -r '.spare | "\(.format_version) \(.remapped) \(.pending) \(.retired) \(.uuid)"')" \
	"2 300 3 0 DMREMAP-$newfid-r" "the new spare"
expect_exit 4 "no dm-remap superblock" dmremapctl dump "$old"
# Done already: again is a no-op.
dmremapctl spare-move r "$new" --tab tab 2>noop.err
grep -q "finished before\|already" noop.err || fail "$(cat noop.err)"

# An active device: removed, moved, created again on the new spare.
reset
dmremapctl create r "$main" "$old"
dmremapctl spare-move r "$new" --tab tab
assert_eq "$(dm_table r | cut -d' ' -f1-2)" "$(majmin "$main") $(majmin "$new")" "r now uses the new spare"
assert_eq "$(status_field r 6) $(status_field r 7)" "300 3" "entries after the live move"
[ "$(status_field r 9)" -gt "$total_old" ] || fail "the larger spare has no more spare blocks"
verify /dev/mapper/r
newfid=$(stat_value r format_id)
assert_eq "$(dmsetup info -c --noheadings -o uuid r)" "DMREMAP-$newfid-r" "uuid follows the format id"
grep -q "FORMAT_ID=$newfid" tab || fail "tab: $(cat tab)"
# New remaps go to the new spare and survive re-activation.
nullb_badblocks main + 12000 12003
pattern write /dev/mapper/r $((12000 * 512)) 2k 2
dmremapctl remove r
dmremapctl assemble r --tab tab
assert_eq "$(status_field r 6)" 304 "remapped after re-assembly"
pattern verify /dev/mapper/r $((12000 * 512)) 2k 2

# Refusals: too small, the spare it has, in use; another device's spare.
dd if=/dev/zero of=small.img bs=512 count=200 2>/dev/null
small=$(loop_create small.img)
expect_exit 4 "spare blocks and" dmremapctl spare-move r "$small" --tab tab
expect_exit 5 "already uses" dmremapctl spare-move r "$new" --tab tab
other=$(nullb_create other 8)
exec 3</dev/mapper/r
expect_exit 5 "in use" dmremapctl spare-move r "$other" --tab tab
exec 3<&-
assert_eq "$(dm_table r | cut -d' ' -f2)" "$(majmin "$new")" "r untouched by the refused moves"
dmremapctl remove r
losetup -d "$small"
# The old spare back as it was: NEWSPARE now holds another format's table.
# old.img predates the remaps of blocks 12000-12003: main reads them again
# (their failed writes left pattern 1 there).
dd if=old.img of="$old" bs=1M conv=fsync 2>/dev/null
nullb_badblocks main - 12000 12003
expect_exit 5 "the spare of another device" \
	dmremapctl spare-move r "$new" --main "$main" --spare "$old" --no-tab
expect_exit 5 "not used without confirmation" \
	dmremapctl spare-move r "$new" --main "$main" --spare "$old" --no-tab --force
dmremapctl spare-move r "$new" --main "$main" --spare "$old" --no-tab --force --yes
try "$old" && fail "old spare activates after the forced move"
try "$new"
