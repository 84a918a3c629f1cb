# dmr-timeout: 1800
# Two identical dm-linear devices x and y over one null_blk, measured in
# alternation (4k randread qd32 and randwrite qd32): under -icount they
# differ by a fixed amount.  Then the hypotheses, one at a time: the bdev
# page cache (pages cached in one device's mapping make every O_DIRECT I/O
# call filemap_write_and_wait_range() and, for writes, invalidate), by
# reading a few pages of x through the page cache and then dropping them
# (blockdev --flushbufs and drop_caches); the device's identity itself, by
# swapping the two tables between the devices.  Prints BENCH lines.
. "$DMR_LIB"

main=$(nullb_create main 2048 memory_backed=0)
sz=$(dev_sectors "$main")
dmsetup create x --table "0 $sz linear $main 0"
dmsetup create y --table "0 $sz linear $main 0"
echo "BENCH env cpus=$(nproc) kernel=$(uname -r)"

measure() {	# measure STATE ROUNDS
	for r in $(seq 1 "$2"); do
		for d in x y; do
			for j in randread randwrite; do
				echo "BENCH ident state=$1 dev=$d job=$j round=$r buffers_kb=$(meminfo Buffers) $(fio_run /dev/mapper/$d $j 4k 32 0 256M)"
			done
		done
	done
}
measure fresh 2
# 16 pages of x in its page cache (a buffered read, as blkid or a partition
# scan would leave them).
dd if=/dev/mapper/x of=/dev/null bs=4k count=16 2>/dev/null
measure x-cached 2
blockdev --flushbufs /dev/mapper/x
blockdev --flushbufs /dev/mapper/y
echo 3 >/proc/sys/vm/drop_caches
measure dropped 2
# Same device, reloaded (the A/A control of bench-ratio): x onto x.
reload x "0 $sz linear $main 0"
measure x-reloaded 1
