# zpool create of a mirror of two dm-remap devices whose mains fail writes
# where ZFS writes its labels and uberblocks (first and last 512 KiB) and,
# on each side at different places, through the data area; then the round
# trip of zfs-create on both sides (zfs_faulty_create_run).
# dmr-needs: zfs
# dmr-timeout: 600
. "$DMR_LIB"
. /dmr/lib-logwrites.sh
. /dmr/lib-zfs.sh

zfs_load
zfs_faulty_create_run 2
