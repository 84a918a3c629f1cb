#!/bin/bash
# The body of `make check` (LANE=stock), `make check-debug` (LANE=debug) and
# `make check-trixie` (LANE=trixie, Debian 13's 6.12 kernel):
# run every suite, keep going after a failing one, and end with one line
# "N passed, N failed" summing all of them.
set -uo pipefail

lane=${1:-stock}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mkdir -p build
passed=0 failed=0

suite() {	# suite NAME CMD...: run, echo, and add its closing counts
	local name=$1 log=build/suite-$1.log t0 line
	shift
	echo "=== $name: $*"
	t0=$(date +%s)
	"$@" 2>&1 | tee "$log"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$line" ]; then
		echo "=== $name: no result line: counted as one failure"
		failed=$((failed + 1))
		return
	fi
	set -- $line
	passed=$((passed + $1))
	failed=$((failed + ${3%,}))
	echo "=== $name: $line ($(($(date +%s) - t0)) s)"
}

case "$lane" in
stock)
	suite unit tests/unit/run
	suite lib tests/lib/run
	suite cli tests/cli/run
	suite harness tests/vm/selftest/next-case
	suite vm-stock tests/vm/run --kernel stock --cases tests/lib/vm
	;;
debug)
	suite selftest tests/vm/selftest/run
	suite vm-debug tests/vm/run --kernel debug --cases tests/lib/vm
	;;
trixie)
	suite vm-trixie tests/vm/run --kernel trixie --cases tests/lib/vm
	;;
*)
	echo "check: unknown lane '$lane'" >&2
	exit 2
	;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
