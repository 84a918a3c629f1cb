# zpool create on one dm-remap device whose main fails writes where ZFS
# writes its labels and uberblocks (first and last 512 KiB) and scattered
# through the data area: zpool create on that main fails, on dm-remap it
# works; data written, synced, exported, remap device re-created, imported,
# scrubbed: 0 read/write/checksum errors, data identical, labels on the
# spare, remap counters = the bad blocks ZFS wrote (zfs_faulty_create_run).
# dmr-needs: zfs
# dmr-timeout: 600
# dmr-smp: 2
# (On a one-CPU guest, zpool create over dm-remap devices whose main fails
# writes hangs: txg_sync waits in zio_wait for good, the case times out.
# ZFS over dm-remap without failing writes, and these cases on two CPUs,
# pass.  A bug to find (dm-remap's remap path or ZFS on one CPU); until
# then the ZFS cases get two CPUs.)
# dmr-lanes: stock trixie
# Not on the debug lane: ZFS over the same remap paths that remap-fio-verify
# and remap-fs-ext4 take under the debug kernel; ZFS itself is what KASAN
# slows.
. "$DMR_LIB"
. /dmr/lib-logwrites.sh
. /dmr/lib-zfs.sh

zfs_load
zfs_faulty_create_run 1
