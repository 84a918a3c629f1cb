#!/bin/bash
# Kernel provider for the DEBUG lane of tests/vm/run (KASAN, lockdep,
# kmemleak, DEBUG_OBJECTS, DEBUG_LIST, hung-task detector).
#
# Executed (not sourced). Ensures the debug kernel is built/cached via
# tests/vm/debug/build-kernel.sh (its progress goes to stderr; a cached run
# takes well under a second) and prints on stdout exactly these six lines,
# values single-quoted, so the caller can `eval "$(tests/vm/lib/kernel-debug.sh)"`
# (then TSCALE and CASE_ENV, see tests/vm/README.md):
#   KVER='<uname -r in the guest>'
#   VMLINUZ='<bzImage>'
#   MODROOT='<dir with lib/modules/$KVER, depmod done, modules stripped>'
#   KDIR='<O= build dir for: make -C "$KDIR" $KMAKE M=<dir> modules>'
#   KMAKE='CC=<cache>/bin/cc'
#   KAPPEND='<extra kernel cmdline for this lane>'
#
# KMAKE choice: the kernel is built with CC="ccache gcc", but that string
# would be split into two words by an unquoted $KMAKE. So the build uses a
# generated one-word wrapper <cache>/bin/cc (= `CCACHE_DIR=... exec ccache gcc`,
# falling back to plain gcc if ccache is unusable) for EVERY make call, and
# KMAKE carries the same single word: safe to word-split, same compiler string
# for kernel and M= modules, ccache shared. No spaces are possible in it
# (build-kernel.sh rejects a DMREMAP_CACHE containing whitespace).
#
# Exits non-zero, with a message on stderr, if the kernel cannot be provided.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$HERE/../debug/build-kernel.sh

die() { printf 'kernel-debug: ERROR: %s\n' "$*" >&2; exit 1; }

[ -x "$BUILD" ] || die "missing $BUILD"
KD=$("$BUILD" | tail -n1) || die "debug kernel build failed (build-kernel.sh exit status non-zero)"
[ -n "$KD" ] && [ -d "$KD" ] || die "build-kernel.sh did not report a cache dir"
[ -f "$KD/complete" ] || die "$KD is not complete (no stamp)"

KVER=$(cat "$KD/kver")
VMLINUZ=$KD/bzImage
MODROOT=$KD/modroot
KDIR=$KD/build
KMAKE="CC=$KD/bin/cc"
# kasan_multi_shot: report every KASAN bug, not only the first one.
# log_buf_len: KASAN/lockdep reports are long; keep all of them in dmesg.
KAPPEND='kasan_multi_shot log_buf_len=4M'

[ -n "$KVER" ] || die "empty KVER in $KD/kver"
[ -f "$VMLINUZ" ] || die "missing $VMLINUZ"
[ -f "$MODROOT/lib/modules/$KVER/modules.dep" ] || die "missing $MODROOT/lib/modules/$KVER/modules.dep"
[ -f "$KDIR/Module.symvers" ] || die "missing $KDIR/Module.symvers (needed for M= builds)"
[ -x "$KD/bin/cc" ] || die "missing CC wrapper $KD/bin/cc"

q() { printf "%s='%s'\n" "$1" "${2//\'/\'\\\'\'}"; }
q KVER "$KVER"
q VMLINUZ "$VMLINUZ"
q MODROOT "$MODROOT"
q KDIR "$KDIR"
q KMAKE "$KMAKE"
q KAPPEND "$KAPPEND"
# KASAN, lockdep and kmemleak make the cases about 4 times slower.
q TSCALE 4
# meta-crash checks every 4th crash point here (plus the first after each
# mark and the final state); the stock lane checks all of them.
q CASE_ENV DMR_CRASH_STRIDE=4
