# zpool create on one dm-remap device whose main fails writes where ZFS
# writes its labels and uberblocks (first and last 512 KiB) and scattered
# through the data area: zpool create on that main fails, on dm-remap it
# works; data written, synced, exported, remap device re-created, imported,
# scrubbed: 0 read/write/checksum errors, data identical, labels on the
# spare, remap counters = the bad blocks ZFS wrote (zfs_faulty_create_run).
# dmr-needs: zfs
# dmr-timeout: 600
# dmr-smp: 2
# (Two CPUs for speed, not correctness: on one CPU the ZFS cases pass too
# (zfs-create-mirror in 360-510 s on a guest of its own), but a one-CPU
# guest sharing a loaded machine ran 5-7 times slower and hit the time
# limit, which looked like a hang.  On two CPUs they
# take 110-480 s, depending on the load of the machine.)
# dmr-lanes: stock trixie
# Not on the debug lane: ZFS over the same remap paths that remap-fio-verify
# and remap-fs-ext4 take under the debug kernel; ZFS itself is what KASAN
# slows.
. "$DMR_LIB"
. /dmr/lib-logwrites.sh
. /dmr/lib-zfs.sh

zfs_load
zfs_faulty_create_run 1
