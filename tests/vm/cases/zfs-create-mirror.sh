# zpool create of a mirror of two dm-remap devices whose mains fail writes
# where ZFS writes its labels and uberblocks (first and last 512 KiB) and,
# on each side at different places, through the data area; then the round
# trip of zfs-create on both sides (zfs_faulty_create_run).
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
zfs_faulty_create_run 2
