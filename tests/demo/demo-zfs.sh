# dmr-needs: zfs
# dmr-timeout: 300
# dm-remap demo, ZFS act (`make demo` runs it when the ZFS build for the
# guest kernel is already cached): zpool create fails on a disk whose
# label areas cannot be written, and works through dm-remap.
. "$DMR_LIB"
. /dmr/lib-logwrites.sh
. /dmr/lib-zfs.sh

step "ZFS: a 256 MiB disk (4 KiB sectors) whose first and last 512 KiB,"
echo "    where ZFS writes its labels and uberblocks, cannot be written"
zfs_load
main=$(nullb_create zmain 256 blocksize=4096)
spare=$(nullb_create zspare 32 blocksize=4096)
sz=$(dev_sectors "$main")
disk=$(wfail_create zfailing "$main" 0-1023 200000-200255 $((sz - 1024))-$((sz - 1)))
echo "# zpool create demo $disk   (directly on the failing disk)"
if zpool create -o cachefile=none demo "$disk" >/tmp/zpool.log 2>&1; then
	fail "zpool create succeeded on the failing disk"
fi
sed 's/^/    /' /tmp/zpool.log | head -n 3

step "Through dm-remap the pool is created, written and scrubbed cleanly"
show dmremapctl create zr "$disk" "$spare" --format
show zpool create -o ashift=12 -o cachefile=none -O mountpoint=/mnt/zdemo demo /dev/mapper/zr
dd if=/dev/urandom of=/tmp/zfile bs=1M count=64 2>/dev/null
show cp /tmp/zfile /mnt/zdemo/file
show zpool sync demo
echo "# zpool scrub -w demo"
assert_eq "$(zpool_scrub demo)" 0B "scrub repaired"
zpool_assert_clean demo "after the scrub"
show zpool status demo
assert_eq "$(sha256sum </mnt/zdemo/file)" "$(sha256sum </tmp/zfile)" "file checksum"
show zpool destroy demo

step "What dm-remap did under ZFS"
remapped=$(dmremapctl status --json zr | jq '.devices[0].remapped')
[ "$remapped" -gt 0 ] || fail "nothing was remapped"
show dmremapctl status --json --pretty zr
