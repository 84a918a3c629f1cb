#!/bin/sh
# Guest case (busybox sh), debug-kernel lane self-test: load the deliberately
# buggy module so that KASAN, lockdep and kmemleak each produce a report.
# This case itself exits 0; the HARNESS must flag it from dmesg/kmemleak:
#   KASAN    : "BUG: KASAN: slab-out-of-bounds in dmr_selftest_oob"
#   lockdep  : "WARNING: possible circular locking dependency detected"
#   kmemleak : "unreferenced object" (the end-of-boot scan, after the cases)
# Lockdep disables itself after its first report, and also after any KASAN
# report (taint: "Disabling lock debugging due to kernel taint"): run this case
# in its own boot (or last), otherwise later cases run without lockdep.
# The module triggers lockdep first, then the leak, then KASAN, for that reason.
# Env: DMR_SELFTEST_KO = path of dmr_selftest_buggy.ko inside the guest;
#      if unset, $DMR_EXTRA/dmr_selftest_buggy.ko (tests/vm/run --extra-module
#      tests/vm/selftest/buggy ships it in /dmr/extra).
set -u

ko=${DMR_SELFTEST_KO:-${DMR_EXTRA:+$DMR_EXTRA/dmr_selftest_buggy.ko}}
if [ -z "$ko" ] || [ ! -f "$ko" ]; then
	echo "detectors: DMR_SELFTEST_KO not set or not a file: '$ko'" >&2
	exit 1
fi

if [ ! -e /sys/kernel/debug/kmemleak ]; then
	mountpoint -q /sys/kernel/debug 2>/dev/null ||
		mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
fi
[ -e /sys/kernel/debug/kmemleak ] ||
	echo "detectors: warning: /sys/kernel/debug/kmemleak missing (no kmemleak?)" >&2

echo "detectors: insmod $ko (oob=1 abba=1 leak=1)"
if ! insmod "$ko" oob=1 abba=1 leak=1; then
	echo "detectors: insmod failed" >&2
	exit 1
fi
grep -q '^dmr_selftest_buggy ' /proc/modules || {
	echo "detectors: module not listed in /proc/modules" >&2
	exit 1
}
echo "detectors: bugs triggered; reports are expected in dmesg/kmemleak"
exit 0
