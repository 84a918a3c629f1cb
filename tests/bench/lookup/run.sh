#!/bin/bash
# The lookup microbenchmark: ns and callgrind instructions per lookup.
#   run.sh OUTDIR quick|full    writes OUTDIR/lookup.tsv
# Also: instructions per entry of building the table as activation does,
# in OUTDIR/build.tsv (variant kernel: sort and bottom-up build of the
# B+tree; xarray: xa_load, then xa_store into md.rev and the table).
# Columns: entries stride blocks kind variant ns_per_lookup ir_per_lookup
#          nodes node_bytes
# variant: kernel (today's map: the region map, then one descent of the
# B+tree of kernel/dm-remap-table.c; rt-lookup.c), xarray (the map of
# 4cca085: region map, one xa_state walk) or before (the code of 5ed8d67:
# xa_find + xa_load per following block; both xa-lookup.c).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1 mode=${2:-quick}
mkdir -p "$out"
bins=$("$here/build.sh" "$out/lookup-build")
n_ns=1000000 n_cg=20000
[ "$mode" = full ] && n_ns=4000000 n_cg=100000
tsv=$out/lookup.tsv
printf 'entries\tstride\tblocks\tkind\tvariant\tns\tir\tnodes\tnode_bytes\n' >"$tsv"
one() {	# one ENTRIES STRIDE BLOCKS KIND VARIANT
	local x="" line ir v=$5 bin=$bins/xa-lookup
	[ "$v" = before ] && x=-o
	[ "$v" = kernel ] && bin=$bins/rt-lookup
	line=$("$bin" $x -s "$2" -b "$3" -n $n_ns "$1" "$4")
	# callgrind counts lookups() only: one warm-up call and one timed pass.
	valgrind --tool=callgrind --toggle-collect=lookups \
		--callgrind-out-file="$out/lookup-cg.out" \
		"$bin" $x -r 1 -s "$2" -b "$3" -n $n_cg "$1" "$4" >/dev/null 2>"$out/lookup-cg.log"
	ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$out/lookup-cg.log")
	set -- $line
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$v" "$6" \
		"$(awk -v i="$ir" -v n=$n_cg 'BEGIN { printf "%.0f", i / (2 * n) }')" "$7" "$8" >>"$tsv"
}
for v in kernel xarray before; do
	for b in 8 1; do
		for n in 0 1000 100000 1048576; do
			one $n 1 $b miss $v
			[ $n = 0 ] || one $n 1 $b hit $v
		done
		# Scattered: one entry per 64 blocks (a leaf node each); slow
		# under callgrind (a 600 MB table), so full mode only.
		[ "$mode" = quick ] && continue
		one 1048576 64 $b miss $v
		one 1048576 64 $b hit $v
	done
done 2>&1 | sed 's/^/lookup: /' >&2
printf 'entries\tstride\tvariant\tir_per_entry\n' >"$out/build.tsv"
strides="1"
[ "$mode" = quick ] || strides="1 64"
for s in $strides; do
	for v in kernel xarray; do
		bin=$bins/xa-lookup
		[ $v = kernel ] && bin=$bins/rt-lookup
		valgrind --tool=callgrind --toggle-collect=build --callgrind-out-file="$out/build-cg.out" \
			"$bin" -a -r 1 -n 10 -s $s 1048576 miss >/dev/null 2>"$out/build-cg.log"
		ir=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$out/build-cg.log")
		printf '1048576\t%s\t%s\t%s\n' $s $v $((ir / 1048576)) >>"$out/build.tsv"
		echo "lookup: activation's table build ($v), 1M entries, stride $s: $((ir / 1048576)) instructions per entry"
	done
done
# The line above only relays errors; results are in the file.
awk -F'\t' 'NR > 1 { printf "lookup: %7s entries stride %-2s %s-block %-4s %-6s %7.1f ns %5d instructions\n", $1, $2, $3, $4, $5, $6, $7 }' "$tsv"
