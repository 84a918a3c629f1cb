# The remap table is a B+tree of (main block, entry) pairs, up to 254 in a
# leaf (kernel/dm-remap-table.c); activation builds it bottom-up with its
# leaves equally full, so 3000 entries make 12 leaves of 250.  What only a
# B+tree gets wrong: a bio over a run of remapped blocks goes on from a
# leaf's end into the next leaf; a bio that starts after a leaf's
# last entry must find the next leaf's first one; an entry added to a full
# leaf splits it while the table is in use; a table loaded from slots that
# are not in main-block order must be sorted.
#
# 512-byte blocks; main and the spare's data area hold different patterns.
# The oracle is a dm-linear device with the mapping the table should have
# (a line per remapped block): every bio read from the remap device must
# equal the same bio from it.
#  1. main block k on spare block k, k < 3000: the first 4 MiB in 1 MiB
#     bios (across every leaf end and the table's end), and 4 KiB bios from
#     3 blocks before each leaf end and before the table's end;
#  2. main block 2k on spare block k: the same, and 4 KiB bios from the
#     block after each leaf's last entry, and from its last entry;
#  3. then "remap <block>" for the 50 odd blocks 501..599 (leaf 1, full:
#     it splits), and new data written over blocks 500..599 through the
#     device: it reads back, main still holds its old data there (every
#     write went to the spare), the list has every entry once and in
#     order; and the same after re-creation, which loads the messages'
#     slots after the fill's (not in main-block order).
. "$DMR_LIB"
. /dmr/lib-logwrites.sh		# remap_list
T=$DMR_TMP
n=3000

main=$(nullb_create main 16)
sz=$(dev_sectors "$main")
pattern write "$main" 0 16m 1 -b 1m

# same OFF LEN [COUNT]: COUNT (1) O_DIRECT reads of LEN bytes from byte OFF
# read the same from both devices.
same() {
	dd if=/dev/mapper/r of="$T/got" bs="$2" count="${3:-1}" skip="$1" iflag=skip_bytes,direct 2>/dev/null
	dd if=/dev/mapper/ref of="$T/want" bs="$2" count="${3:-1}" skip="$1" iflag=skip_bytes,direct 2>/dev/null
	[ "$(wc -c <"$T/got")" = $(($2 * ${3:-1})) ] && cmp -s "$T/got" "$T/want"
}

# oracle STRIDE N [BLOCK:SPAREBLOCK...]: dm-linear "ref" mapping as the
# table should (main block k*STRIDE on spare block k, k < N, and each pair)
# over $main and $o_spare, whose data area starts at sector $o_ds.
oracle() {
	{
		i=0
		while [ $i -lt "$2" ]; do echo "$((i * $1)) $i"; i=$((i + 1)); done
		shift 2
		for p in "$@"; do echo "${p%:*} ${p#*:}"; done
	} | sort -n | awk -v main="$main" -v spare="$o_spare" -v ds="$o_ds" -v sz="$sz" '
		{ if ($1 > at) print at, $1 - at, "linear", main, at
		  print $1, 1, "linear", spare, ds + $2; at = $1 + 1 }
		END { if (at < sz) print at, sz - at, "linear", main, at }' >"$T/ref.table"
	dmsetup remove ref 2>/dev/null || true
	dmsetup create ref "$T/ref.table"
}

# layout TAG STRIDE: a fresh spare with N entries of STRIDE, "r" and "ref".
layout() {
	o_spare=$(nullb_create spare$1 16)
	dmsetup create r --table "0 $sz remap $main $o_spare 1 format"
	dmsetup remove r
	o_ds=$(dmr-meta show "$o_spare" | tr ' ' '\n' | sed -n 's/^data_start=//p')
	pattern write "$o_spare" $((o_ds * 512)) $((n * 512)) 2 -b 1m
	dmr-meta fill "$o_spare" $n "$2"
	sync
	dmsetup create r --table "0 $sz remap $main $o_spare"
	assert_eq "$(status_field r 6)" $n "$1: remapped"
	oracle "$2" $n
}

# 1. k -> k
layout seq 1
check "seq: 4 MiB in 1 MiB bios" same 0 1048576 4
for L in 1 2 3 4 5 6 7 8 9 10 11 12; do
	check "seq: 4 KiB bio over the end of leaf $L" same $(((250 * L - 3) * 512)) 4096
done
check "seq: 4 KiB bio over the table's end" same $(((n - 5) * 512)) 4096
dmsetup remove r

# 2. 2k -> k
layout odd 2
check "odd: 4 MiB in 1 MiB bios" same 0 1048576 4
for L in 1 2 3 4 5 6 7 8 9 10 11; do
	check "odd: 4 KiB bio from after leaf $L's last entry" same $(((500 * L - 1) * 512)) 4096
	check "odd: 4 KiB bio from leaf $L's last entry" same $(((500 * L - 2) * 512)) 4096
done

# 3. A full leaf splits while in use; then loaded out of order.
extra=
b=501
while [ $b -le 599 ]; do
	r=$(dmsetup message r 0 remap $b)
	case "$r" in
	"block $b remapped to spare block "*) extra="$extra $b:${r##* }" ;;
	*) fail "remap $b: $r" ;;
	esac
	b=$((b + 2))
done
# shellcheck disable=SC2086
oracle 2 $n $extra
assert_eq "$(status_field r 6)" $((n + 50)) "split: remapped"
check "split: 4 MiB in 1 MiB bios" same 0 1048576 4
pattern write /dev/mapper/r $((500 * 512)) 51200 3 -b 51200
for pass in live re-created; do
	check "split ($pass): new data over blocks 500-599" \
		pattern verify /dev/mapper/r $((500 * 512)) 51200 3 -b 51200
	check "split ($pass): ... not on main" \
		pattern verify "$main" $((500 * 512)) 51200 1 -p $((500 * 512))
	remap_list r >"$T/list"
	cut -d' ' -f1 "$T/list" >"$T/blocks"
	check_eq "$(wc -l <"$T/blocks")" $((n + 50)) "split ($pass): list lines"
	sort -n -u "$T/blocks" >"$T/sorted"
	check "split ($pass): list in block order, each once" cmp -s "$T/sorted" "$T/blocks"
	check_eq "$(grep -c ' remapped ' "$T/list")" $((n + 50)) "split ($pass): remapped entries"
	check "split ($pass): 4 KiB bio over the split leaf" same $((549 * 512)) 4096
	dmsetup remove r
	dmsetup create r --table "0 $sz remap $main $o_spare"
done
dmsetup remove r
dmsetup remove ref
[ "$nfail" = 0 ] || fail "$nfail checks failed"
