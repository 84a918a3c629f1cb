#!/bin/bash
# Run make inside a chroot that holds a kernel's headers and compiler (the
# BUILD_MODULE hook printed by tests/vm/lib/kernel-trixie.sh).
#   chroot-kbuild.sh ROOT MAKE-ARGUMENTS...
# The directory of the M=DIR argument is built in place: its parent is
# bind-mounted at /mnt/dmr-src in the chroot, in a private mount namespace
# that ends with the build, so the module also sees ../VERSION.
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: chroot-kbuild.sh ROOT MAKE-ARGUMENTS..." >&2; exit 2; }
root=$1
shift
args=() src=""
for a in "$@"; do
	case $a in
	M=*)
		src=$(cd "${a#M=}" && pwd)
		a=M=/mnt/dmr-src/$(basename "$src") ;;
	esac
	args+=("$a")
done
[ -n "$src" ] || { echo "chroot-kbuild: no M=DIR argument" >&2; exit 2; }
[ -d "$root/mnt" ] || { echo "chroot-kbuild: $root is not a root file system" >&2; exit 2; }

# shellcheck disable=SC2016 # expanded by the inner shell
exec unshare --mount --propagation private sh -ec '
	root=$1 parent=$2
	shift 2
	mkdir -p "$root/mnt/dmr-src"
	mount --bind "$parent" "$root/mnt/dmr-src"
	exec chroot "$root" make "$@"' sh "$root" "$(dirname "$src")" "${args[@]}"
