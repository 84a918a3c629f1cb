#!/bin/bash
# Build tests/bench/lookup/rt-lookup.c (the remap table, kernel/dm-remap-table.c)
# and xa-lookup.c (the xarray it replaced) against the kernel's own lib/xarray.c,
# compiled in userspace with the shims of the kernel's
# tools/testing/radix-tree (liburcu), with XA_CHUNK_SHIFT 6 and -O2 like the
# kernel (that Makefile's defaults are SHIFT 3 and -Og with sanitizers).
#   build.sh OUTDIR      prints OUTDIR (rt-lookup and xa-lookup in it)
# The source is found at run time: $DMR_BENCH_KSRC, or the subset of Debian's
# linux-source-6.1 tarball (/usr/src/linux-source-6.1.tar.xz) extracted once
# into $DMREMAP_CACHE/bench/ (default /var/cache/dm-remap-test/bench).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
cache=${DMREMAP_CACHE:-/var/cache/dm-remap-test}/bench
tarball=${DMR_BENCH_KTAR:-/usr/src/linux-source-6.1.tar.xz}
src=${DMR_BENCH_KSRC:-$cache/linux-source-6.1}
if [ ! -e "$src/.complete" ] && [ -z "${DMR_BENCH_KSRC:-}" ]; then
	[ -r "$tarball" ] || { echo "build: $tarball missing (apt-get install linux-source-6.1)" >&2; exit 1; }
	echo "build: extracting lib/, include/linux/ and tools/ of $tarball into $cache (once)" >&2
	mkdir -p "$cache"
	rm -rf "$src"
	tar -xJf "$tarball" -C "$cache" --wildcards \
		'linux-source-6.1/tools/testing/radix-tree/*' 'linux-source-6.1/tools/include/*' 'linux-source-6.1/tools/lib/*.c' \
		'linux-source-6.1/lib/*.c' 'linux-source-6.1/lib/*.h' \
		'linux-source-6.1/include/linux/*' 'linux-source-6.1/Makefile'
	touch "$src/.complete"
fi
rt=$src/tools/testing/radix-tree
gen=$out/gen
mkdir -p "$gen/generated"
echo "#define XA_CHUNK_SHIFT 6" >"$gen/generated/map-shift.h"
echo "#define CONFIG_64BIT 1" >"$gen/generated/bit-length.h"
printf '#include "bit-length.h"\n#define CONFIG_XARRAY_MULTI 1\n' >"$gen/generated/autoconf.h"
sed -e 's/^static //' -e 's/__always_inline //' -e 's/inline //' \
	"$src/lib/radix-tree.c" >"$gen/radix-tree.c"
# lib/xarray.c alone (the test shim also pulls in lib/test_xarray.c).
printf '#include "test.h"\n#define dump_stack() assert(0)\n#include "%s"\n' \
	"$src/lib/xarray.c" >"$gen/xarray.c"
cflags=(-O2 -g -Wall -D_LGPL_SOURCE -I"$gen" -I"$rt" -I"$src/tools/include" -include "$gen/generated/autoconf.h")
for f in "$gen/xarray.c" "$gen/radix-tree.c" "$rt/linux.c" "$src/tools/lib/find_bit.c" \
	"$rt/bitmap.c" "$here/xa-lookup.c"; do
	gcc "${cflags[@]}" -w -c -o "$gen/$(basename "$f" .c).o" "$f"
done
gcc -o "$out/xa-lookup" "$gen"/*.o -lpthread -lurcu
sed -n 's/^\(VERSION\|PATCHLEVEL\|SUBLEVEL\) = \(.*\)/\2/p' "$src/Makefile" | paste -sd. >"$out/xa-lookup.kver"
# The table of today (kernel/dm-remap-table.c) over tests/unit/kshim.
gcc -O2 -g -Wall -I"$here/../../unit/kshim" -o "$out/rt-lookup" "$here/rt-lookup.c"
echo "$out"
