#!/bin/bash
# The boot lane's checks inside the guest (run by dmr-boot-test.service once
# the boot has finished; see tests/boot/run for the disks of each boot).
# Reports on /dev/ttyS1: "@@BOOT N", "PASS bN-NAME", "FAIL bN-NAME: why",
# "INFO ...", "LOG ..." (journal and udev evidence), "@@DONE"; then powers off.
set -u
exec 3>/dev/ttyS1
BOOT=$(sed -n 's/.*dmr\.boot=\([0-9]*\).*/\1/p' /proc/cmdline)
state=/var/lib/dmr-boot
mkdir -p "$state"
say() { printf '%s\n' "$*" >&3; }
info() { say "INFO $*"; }
logs() { sed 's/^/LOG /' >&3; }
# Each result after a LOG line with the uptime (where the checks' time goes).
stamp() { say "LOG at $(cut -d' ' -f1 /proc/uptime) s:"; }
pass() { stamp; say "PASS b$BOOT-$1"; }
fail() { stamp; say "FAIL b$BOOT-$1: $(printf '%s' "${2:-}" | tr '\n' ' ' | cut -c1-400)"; }
# check NAME CMD...: PASS if CMD succeeds, FAIL with its output otherwise.
check() {
	local n=$1 out
	shift
	if out=$("$@" 2>&1); then pass "$n"; else fail "$n" "$out"; fi
}
die() { fail "$1" "$2"; finish; }
finish() {
	journalctl -b --no-pager -o short-monotonic >"$state/journal-$BOOT.txt" 2>&1
	udevadm info --export-db >"$state/udev-$BOOT.txt" 2>&1
	journalctl -b --no-pager -o short-monotonic |
		grep -Ei 'dmremap|dm-remap|srv-safe|srv-vault|by-dmremap|Startup finished' | tail -n 80 | logs
	info "checks done at $(cut -d' ' -f1 /proc/uptime) s of uptime"
	say "@@DONE"
	sync
	systemctl poweroff
	exit 0
}

# Device timeouts of the test's dmremaptab and fstab: generous in boots 1
# and 2 (under TCG the coldplug starts 45 s into a loaded boot), shorter in
# boot 3, which waits for a main that never appears (boot 2 sets them).  The
# dmremaptab timeout also bounds the wait for the spare, which boot 3 still
# has and which must appear within B3_WAIT: under load the coldplug found it
# 37 s after its job started, and 30 s timed it out.
WAIT=90 MOUNT_WAIT=120 B3_WAIT=60 B3_MOUNT_WAIT=20
MAIN_A=/dev/disk/by-id/virtio-DMR-MAIN-A SPARE_A=/dev/disk/by-id/virtio-DMR-SPARE-A
MAIN_V=/dev/disk/by-path/pci-0000:00:07.0 SPARE_V=/dev/disk/by-id/wwn-0x5000c50015ea71ac
say "@@BOOT $BOOT"
sysstate=$(systemctl is-system-running --wait 2>&1)
info "system state: $sysstate"
info "boot time: $(systemd-analyze time 2>&1 | head -n 1)"
info "checks start at $(cut -d' ' -f1 /proc/uptime) s of uptime"
# blame takes 17-54 s under TCG (measured): boot 1 only, the units are the
# same in the others.
[ "$BOOT" != 1 ] || systemd-analyze blame 2>/dev/null | head -n 30 | sed 's/^/blame: /' | logs
stamp
udevadm settle -t 60 || info "udevadm settle: events still queued after 60 s"
info "udev settled at $(cut -d' ' -f1 /proc/uptime) s of uptime"

# format_id of a spare, from its superblock (u64 at byte 24, after the magic).
format_id() {
	[ "$(dd if="$1" bs=8 skip=1 count=1 status=none)" = DMRREMAP ] || return 1
	od -An -tx8 -j24 -N8 "$1" | tr -d ' \n'
}
remapped() { dmsetup status "$1" | awk '{ print $9 }'; }
# sums DIR: sha256 of the files there
sums() { (cd "$1" && sha256sum -- *.bin); }
# phys FILE LBLK: the file system block holding block LBLK of FILE
phys() {
	filefrag -v "$1" | awk -v l="$2" '$1 ~ /^[0-9]+:$/ {
		lo = $2; sub(/\.\./, "", lo); hi = $3; sub(/:/, "", hi); p = $4; sub(/\.\./, "", p)
		if (l + 0 >= lo + 0 && l + 0 <= hi + 0) { print p + (l - lo); exit }
	}'
}
devnode() { readlink -f "$1"; }
prop() { udevadm info --query=property --name="$1" | sed -n "s/^$2=//p"; }

# The remapped blocks of a file lie on the spare: reading them through the
# dm device differs from reading the raw main (the file was rewritten there
# after the remap).
spare_serves() {	# spare_serves DM MAIN FILE_OF_BLOCKS
	local b n=0
	while read -r b; do
		[ "$b" -gt 3 ] || continue	# the ext4 superblock: rewritten at mount on both
		cmp -s <(dd if="$1" bs=512 skip="$b" count=1 iflag=direct status=none) \
			<(dd if="$2" bs=512 skip="$b" count=1 iflag=direct status=none) &&
			{ echo "block $b reads the same on $1 and $2"; return 1; }
		n=$((n + 1))
	done <"$3"
	echo "$n remapped blocks differ between $1 and $2"
}

boot1() {
	local fa fv b
	for l in "$MAIN_A" "$SPARE_A" "$MAIN_V" "$SPARE_V" /dev/disk/by-dmremap-serial/DMR-MAIN-A; do
		[ -b "$l" ] || die disks "$l missing: $(ls /dev/disk/by-id /dev/disk/by-path | tr '\n' ' ')"
	done
	pass disks
	info "safe main $(devnode "$MAIN_A"), spare $(devnode "$SPARE_A"); vault main $(devnode "$MAIN_V"), spare $(devnode "$SPARE_V")"
	devnode "$MAIN_A" >"$state/main-a-boot1"
	check create-safe dmremapctl create safe "$MAIN_A" "$SPARE_A" --format --yes
	check create-vault dmremapctl create vault "$MAIN_V" "$SPARE_V" --format --yes
	fa=$(format_id "$SPARE_A") || die format-id "no dm-remap superblock on $SPARE_A"
	fv=$(format_id "$SPARE_V") || die format-id "no dm-remap superblock on $SPARE_V"
	info "format ids: safe $fa, vault $fv"
	echo "$fa" >"$state/fid-a"
	mkfs.ext4 -q -b 4096 -L dmrsafe /dev/mapper/safe && mkfs.ext4 -q -b 4096 -L dmrvault /dev/mapper/vault ||
		die mkfs "mkfs.ext4 failed"
	blkid -s UUID -o value /dev/mapper/safe >"$state/uuid-safe"
	mkdir -p /srv/safe /srv/vault
	mount /dev/mapper/safe /srv/safe && mount /dev/mapper/vault /srv/vault || die mount "mount failed"
	dd if=/dev/urandom of=/srv/safe/a.bin bs=1M count=16 status=none
	dd if=/dev/urandom of=/srv/safe/b.bin bs=1M count=4 status=none
	dd if=/dev/urandom of=/srv/vault/c.bin bs=1M count=4 status=none
	sync
	# Remap blocks of a.bin and c.bin (512-byte main blocks), and the ext4
	# superblock (bytes 1024-2047: blocks 2 and 3) of safe.
	# main blocks (512 bytes) per file system block (4096)
	local bpf=$(( $(stat -f -c %S /srv/safe) / 512 ))
	: >"$state/blocks-safe"
	for off in 0 100 1000 3000; do
		fa=$(phys /srv/safe/a.bin $off)
		[ -n "$fa" ] || die phys "no block $off in a.bin: $(filefrag -v /srv/safe/a.bin)"
		for k in 0 5; do echo $((fa * bpf + k)) >>"$state/blocks-safe"; done
	done
	printf '2\n3\n' >>"$state/blocks-safe"
	: >"$state/blocks-vault"
	for off in 0 500; do
		fv=$(phys /srv/vault/c.bin $off)
		[ -n "$fv" ] || die phys "no block $off in c.bin"
		echo $((fv * bpf + 1)) >>"$state/blocks-vault"
	done
	local failed=""
	while read -r b; do dmremapctl remap safe "$b" >/dev/null 2>&1 || failed+=" safe:$b"; done <"$state/blocks-safe"
	while read -r b; do dmremapctl remap vault "$b" >/dev/null 2>&1 || failed+=" vault:$b"; done <"$state/blocks-vault"
	[ -z "$failed" ] && pass remap || fail remap "dmremapctl remap failed for$failed"
	# Rewrite the remapped file blocks: the new data exists on the spare only.
	for off in 0 100 1000 3000; do
		dd if=/dev/urandom of=/srv/safe/a.bin bs=4096 seek=$off count=1 conv=notrunc status=none
	done
	for off in 0 500; do
		dd if=/dev/urandom of=/srv/vault/c.bin bs=4096 seek=$off count=1 conv=notrunc status=none
	done
	sync
	{ sums /srv/safe; } >"$state/sums-safe"
	{ sums /srv/vault; } >"$state/sums-vault"
	remapped safe >"$state/remaps-safe"
	remapped vault >"$state/remaps-vault"
	info "remapped: safe $(cat "$state/remaps-safe"), vault $(cat "$state/remaps-vault")"
	[ "$(cat "$state/remaps-safe")" = "$(wc -l <"$state/blocks-safe")" ] &&
		[ "$(cat "$state/remaps-vault")" = "$(wc -l <"$state/blocks-vault")" ] && pass remap-count ||
		fail remap-count "remapped safe $(cat "$state/remaps-safe") vault $(cat "$state/remaps-vault")"
	check spare-serves-safe spare_serves /dev/mapper/safe "$MAIN_A" "$state/blocks-safe"
	umount /srv/safe /srv/vault
	check remove sh -c 'dmremapctl remove safe && dmremapctl remove vault'
	# From now on the boot assembles them.
	cat >/etc/dmremaptab <<-EOF
	# dm-remap devices assembled at boot (dmremaptab(5))
	safe   SERIAL=DMR-MAIN-A   FORMAT_ID=$(cat "$state/fid-a")   nofail,x-systemd.device-timeout=$WAIT
	vault  $MAIN_V   WWN=0x5000C50015EA71AC   nofail,x-systemd.device-timeout=$WAIT
	EOF
	cat >>/etc/fstab <<-EOF
	/dev/mapper/safe  /srv/safe   ext4  nofail,x-systemd.device-timeout=$MOUNT_WAIT  0 2
	LABEL=dmrvault    /srv/vault  ext4  nofail,x-systemd.device-timeout=$MOUNT_WAIT  0 2
	EOF
	systemctl daemon-reload
	check generated test -f /run/systemd/generator/dmremap@safe.service -a \
		-L /run/systemd/generator/dev-mapper-safe.device.requires/dmremap@safe.service -a \
		-f /run/systemd/generator/dmremap@vault.service
	sed 's/^/unit: /' /run/systemd/generator/dmremap@safe.service | logs
	udevadm trigger --settle --subsystem-match=block
	# The units assemble them now (and disassemble them at shutdown).
	check units-start systemctl start dmremap@safe.service dmremap@vault.service
	check mounts-start systemctl start srv-safe.mount srv-vault.mount
	check sums-boot1 cmp <(sums /srv/safe) "$state/sums-safe"
}

boot2() {
	local m s
	sed -i "s/x-systemd.device-timeout=$WAIT/x-systemd.device-timeout=$B3_WAIT/" /etc/dmremaptab
	sed -i "s/x-systemd.device-timeout=$MOUNT_WAIT/x-systemd.device-timeout=$B3_MOUNT_WAIT/" /etc/fstab
	m=$(devnode "$MAIN_A") s=$(devnode "$SPARE_A")
	info "safe main is $m now (was $(cat "$state/main-a-boot1")), spare $s"
	[ "$m" != "$(cat "$state/main-a-boot1")" ] && pass reordered || fail reordered "main is $m in both boots"
	check units-active systemctl is-active dmremap@safe.service dmremap@vault.service
	check mounted-safe test "$(findmnt -n -o SOURCE /srv/safe)" = /dev/mapper/safe
	check mounted-vault test "$(findmnt -n -o SOURCE /srv/vault)" = /dev/mapper/vault
	check sums-safe cmp <(sums /srv/safe) "$state/sums-safe"
	check sums-vault cmp <(sums /srv/vault) "$state/sums-vault"
	check remaps-safe test "$(remapped safe)" = "$(cat "$state/remaps-safe")"
	check remaps-vault test "$(remapped vault)" = "$(cat "$state/remaps-vault")"
	check spare-serves-safe spare_serves /dev/mapper/safe "$m" "$state/blocks-safe"
	check main-not-mounted sh -c "! grep -q '^$m ' /proc/mounts && ! findmnt -n -S $m"
	udevadm info --query=property --name="$m" | grep -E '^(ID_FS|SYSTEMD_READY|UDISKS|DMREMAP|DEVLINKS)' | sed 's/^/main: /' | logs
	udevadm info --query=property --name="$s" | grep -E '^(ID_FS|SYSTEMD_READY|DMREMAP|DEVLINKS)' | sed 's/^/spare: /' | logs
	check main-marks test "$(prop "$m" ID_FS_TYPE)/$(prop "$m" SYSTEMD_READY)/$(prop "$m" UDISKS_IGNORE)/$(prop "$m" ID_FS_USAGE)" = dm_remap_member/0/1/other
	check main-no-fs-props test -z "$(prop "$m" ID_FS_UUID)$(prop "$m" ID_FS_LABEL)"
	check main-no-fs-links sh -c "! udevadm info --query=symlink --name=$m | grep -E 'by-uuid|by-label'"
	check main-device-unit-hidden test "$(systemctl show -p ActiveState --value "$(systemd-escape --path "$m").device")" = inactive
	local mv
	mv=$(devnode "$MAIN_V")
	check vault-main-marks test "$(prop "$mv" ID_FS_TYPE)/$(prop "$mv" SYSTEMD_READY)" = dm_remap_member/0
	check vault-main-no-fs-links sh -c "! udevadm info --query=symlink --name=$mv | grep -E 'by-uuid|by-label'"
	check spare-marks test "$(prop "$s" ID_FS_TYPE)" = dm_remap_spare
	check spare-link test "$(devnode "/dev/disk/by-dmremap-id/$(cat "$state/fid-a")")" = "$s"
	local uuid dm
	uuid=$(cat "$state/uuid-safe") dm=$(devnode /dev/mapper/safe)
	check by-uuid-on-dm test "$(devnode "/dev/disk/by-uuid/$uuid")" = "$dm"
	check by-label-on-dm test "$(devnode /dev/disk/by-label/dmrvault)" = "$(devnode /dev/mapper/vault)"
	# blkid -l (tag lookup, as mount UUID= and findfs do) asks udev first.
	check blkid-lookup-dm test "$(readlink -f "$(blkid -l -o device -t "UUID=$uuid")")" = "$dm"
	info "blkid -t UUID=$uuid (probing every disk itself): $(blkid -o device -t "UUID=$uuid" | tr '\n' ' ')"
	check findfs-dm test "$(readlink -f "$(findfs "UUID=$uuid")")" = "$dm"
	blkid 2>&1 | sed 's/^/blkid: /' | logs
	lsblk -o NAME,FSTYPE,LABEL,UUID,MOUNTPOINT 2>&1 | sed 's/^/lsblk: /' | logs
	journalctl -b -1 --no-pager -u dmremap@safe.service -u dmremap@vault.service | sed 's/^/previous boot: /' | tail -n 12 | logs
	check shutdown-disassembled sh -c "journalctl -b -1 --no-pager -u dmremap@safe.service | grep -q 'Stopped\|Deactivated'"
}

boot3() {
	local s
	s=$(devnode "$SPARE_A")
	check boot-completed test "$sysstate" = degraded
	check safe-not-assembled sh -c '! dmsetup info safe >/dev/null 2>&1 && ! test -e /dev/mapper/safe'
	check vault-not-assembled sh -c '! dmsetup info vault >/dev/null 2>&1 && ! test -e /dev/mapper/vault'
	check units-failed test "$(systemctl is-failed dmremap@safe.service dmremap@vault.service | tr '\n' ' ')" = "failed failed "
	journalctl -b --no-pager -u dmremap@safe.service -u dmremap@vault.service | tail -n 20 | sed 's/^/why: /' | logs
	check journal-safe-why sh -c "journalctl -b --no-pager -u dmremap@safe.service | grep -q 'main /dev/disk/by-dmremap-serial/DMR-MAIN-A did not appear within $B3_WAIT s'"
	check journal-vault-why sh -c "journalctl -b --no-pager -u dmremap@vault.service | grep -q 'belongs to another main: it expects serial:DMR-MAIN-V'"
	check not-mounted sh -c '! findmnt /srv/safe && ! findmnt /srv/vault'
	check spare-still-spare test "$(prop "$s" ID_FS_TYPE)" = dm_remap_spare
}

case $BOOT in
1) boot1 ;;
2) boot2 ;;
3) boot3 ;;
*) fail boot "no dmr.boot= on the kernel command line" ;;
esac
finish
