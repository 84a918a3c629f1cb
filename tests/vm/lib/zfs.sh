#!/bin/bash
# ZFS for the test guest: OpenZFS kernel modules built from Debian's
# zfs-dkms source for the guest kernel, and the zpool/zfs tools of Debian's
# zfsutils-linux.  Both come from Debian's contrib section, fetched with
# `apt-get download` through an apt configuration of its own under the cache
# (the machine's apt sources are not touched; nothing is installed).
#
#   zfs.sh build    environment KVER, KDIR, KMAKE (the kernel profile's);
#                   builds (or finds in the cache) the modules and the tools
#                   and prints the payload directory on stdout
#   zfs.sh stage PAYLOAD STAGING
#                   copies the payload into an initramfs staging tree:
#                   modules to /dmr/zfs/ (with /dmr/zfs/load.order), tools to
#                   /dmr/bin/, their shared libraries where ldd finds them
#
# Cache: ${DMREMAP_CACHE:-/var/cache/dm-remap-test}/zfs/
#   apt/                 the separate apt configuration, lists and .debs
#   <kver>-<zfsver>/     one payload per kernel release and ZFS version
#                        (built under the lock <kver>-<zfsver>.lock; if the
#                        build fails, <kver>-<zfsver>.failed says why and
#                        later runs fail at once with that reason)
# Exit status: 0 done, 1 error (one line on stderr says which).
set -euo pipefail

cache=${DMREMAP_CACHE:-/var/cache/dm-remap-test}/zfs
# Modules in load order (each needs only the ones before it).
modules=(spl znvpair zavl zunicode zcommon icp zlua zzstd zfs)
tools=(zpool zfs zdb zgenhostid)
userland=(zfsutils-linux libzfs4linux libnvpair3linux libuutil3linux libzpool5linux)

die() { echo "zfs: $*" >&2; exit 1; }

# The Debian mirror and release of this machine, for our own sources.list.
apt_setup() {
	a=$cache/apt
	mkdir -p "$a/state/lists/partial" "$a/cache/archives/partial"
	exec 8>"$cache/apt.lock"
	flock 8
	mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -Eo 'https?://[^ ]*/debian/?( |$)' | head -n1 | tr -d ' ' || true)
	mirror=${mirror:-http://deb.debian.org/debian}
	. /etc/os-release
	[ -n "${VERSION_CODENAME:-}" ] || die "no VERSION_CODENAME in /etc/os-release"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $VERSION_CODENAME main contrib" \
		>"$a/sources.list.new"
	cmp -s "$a/sources.list.new" "$a/sources.list" || {
		mv "$a/sources.list.new" "$a/sources.list"
		rm -f "$a/state/.updated"
	}
	rm -f "$a/sources.list.new"
	aptopts=(-o "Dir::Etc::SourceList=$a/sources.list" -o Dir::Etc::SourceParts=-
		-o "Dir::State=$a/state" -o "Dir::Cache=$a/cache"
		-o APT::Sandbox::User=root -q)
	if [ ! -f "$a/state/.updated" ]; then
		echo "zfs: apt-get update (contrib, own configuration in $a)" >&2
		apt-get "${aptopts[@]}" update >&2 || die "apt-get update of $a/sources.list failed"
		touch "$a/state/.updated"
	fi
	exec 8>&-
}

# candidate PKG: the version apt would download.
candidate() {
	apt-cache "${aptopts[@]}" policy "$1" | sed -n 's/^ *Candidate: //p'
}

# build_failed REASON: remember why this payload cannot be built (the same
# kernel and ZFS version fail the same way), then die with REASON.
build_failed() {
	echo "$1" >"$dir.failed"
	rm -rf "$dir/src" "$dir/deb" "$dir/userland"
	die "$1"
}

build() {
	[ -n "${KVER:-}" ] && [ -n "${KDIR:-}" ] || die "KVER and KDIR must be set"
	[ -f "$KDIR/Makefile" ] || die "no kernel build tree for $KVER on this host at $KDIR"
	apt_setup
	zver=$(candidate zfs-dkms)
	[ -n "$zver" ] && [ "$zver" != "(none)" ] || die "zfs-dkms not found in $cache/apt/sources.list"
	dir=$cache/$KVER-$zver
	# One build per payload at a time; a second run waits for it.
	exec 9>"$dir.lock"
	flock 9
	if [ -f "$dir/.complete" ]; then
		echo "$dir"
		return
	fi
	[ ! -f "$dir.failed" ] || die "$(cat "$dir.failed") (cached: remove $dir.failed to retry)"
	echo "zfs: building ZFS $zver for $KVER in $dir" >&2
	t0=$(date +%s)
	rm -rf "$dir"
	mkdir -p "$dir/deb" "$dir/src" "$dir/root/dmr/zfs"
	for p in zfs-dkms "${userland[@]}"; do
		(cd "$dir/deb" && apt-get "${aptopts[@]}" download "$p=$zver" >&2) ||
			die "apt-get download $p=$zver failed"
	done
	dpkg-deb -x "$dir"/deb/zfs-dkms_*.deb "$dir/src"
	src=$(echo "$dir"/src/usr/src/zfs-*)
	[ -x "$src/configure" ] || die "no configure in zfs-dkms $zver"

	# The source tree of the headers: Debian's -amd64 tree includes the
	# -common one from its Makefile; an O= build tree links it as "source".
	if [ -e "$KDIR/source" ]; then
		ksrc=$(readlink -f "$KDIR/source")
	else
		ksrc=$(sed -n 's/^include \(.*\)\/Makefile$/\1/p' "$KDIR/Makefile" | head -n1)
		ksrc=${ksrc:-$KDIR}
	fi
	# The configure flags of zfs-dkms's own dkms.conf.
	(cd "$src" && ./configure --prefix=/usr --with-config=kernel \
		--with-linux="$ksrc" --with-linux-obj="$KDIR" >"$dir/configure.log" 2>&1) ||
		build_failed "configure for $KVER failed: $(sed -n '/error:/,$p' "$dir/configure.log" |
			grep '\*\*\*' | head -n 2 | sed 's/^[[:space:]]*\*\*\* *//' | tr '\n' ' ')(log: $dir/configure.log)"
	t1=$(date +%s)
	# shellcheck disable=SC2086 # KMAKE is a list of make arguments
	make -C "$src" -j2 ${KMAKE:-} >"$dir/make.log" 2>&1 ||
		build_failed "module build for $KVER failed: $(grep -m1 'error' "$dir/make.log" || tail -n1 "$dir/make.log") (log: $dir/make.log)"
	t2=$(date +%s)
	for m in "${modules[@]}"; do
		ko=$(find "$src/module" -name "$m.ko" | head -n1)
		[ -n "$ko" ] || die "$m.ko was not built"
		strip --strip-debug -o "$dir/root/dmr/zfs/$m.ko" "$ko"
	done
	printf '%s\n' "${modules[@]}" >"$dir/root/dmr/zfs/load.order"

	for p in "${userland[@]}"; do
		dpkg-deb -x "$dir"/deb/"${p}"_*.deb "$dir/userland"
	done
	mkdir -p "$dir/root/dmr/bin" "$dir/root/usr/lib/x86_64-linux-gnu"
	for t in "${tools[@]}"; do
		p=$(find "$dir/userland" -type f \( -path "*/sbin/$t" -o -path "*/bin/$t" \) | head -n1)
		[ -n "$p" ] || die "$t not in ${userland[*]}"
		install -m 0755 "$p" "$dir/root/dmr/bin/$t"
	done
	# The ZFS libraries themselves; the others come from the host (stage).
	find "$dir/userland" -name 'lib*.so.*' \( -type f -o -type l \) -exec cp -a {} "$dir/root/usr/lib/x86_64-linux-gnu/" \;
	rm -rf "$dir/src" "$dir/deb" "$dir/userland"
	echo "zfs: configure $((t1 - t0)) s, make $((t2 - t1)) s, payload $(du -sh "$dir/root" | cut -f1)" >&2
	touch "$dir/.complete"
	echo "$dir"
}

stage() {
	payload=$1 st=$2
	[ -f "$payload/.complete" ] || die "$payload is not a complete ZFS payload"
	cp -a "$payload/root/." "$st/"
	for t in "${tools[@]}"; do
		LD_LIBRARY_PATH=$payload/root/usr/lib/x86_64-linux-gnu ldd "$st/dmr/bin/$t" |
			awk '/not found/ { print "missing " $1 } /=>/ && $3 ~ /^\// { print $3 } /^\t\/lib64/ { print $1 }'
	done | sort -u | while read -r lib rest; do
		[ "$lib" != missing ] || die "library $rest of the ZFS tools is not installed on the host"
		case $lib in "$payload"/*) continue ;; esac
		[ -e "$st$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$st$lib"
	done
}

case "${1:-}" in
build) build ;;
stage) [ $# = 3 ] || die "usage: zfs.sh stage PAYLOAD STAGING"; stage "$2" "$3" ;;
*) echo "usage: zfs.sh build | zfs.sh stage PAYLOAD STAGING" >&2; exit 2 ;;
esac
