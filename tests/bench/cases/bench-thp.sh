# dmr-timeout: 1800
# What makes fio figures drift under -icount: transparent huge pages.
# The guest kernel (Debian 12) has THP "always", so whether fio's buffers sit
# in a huge page depends on where malloc put them, and pinning them for
# O_DIRECT (get_user_pages) takes another number of instructions per I/O.
# Two identical dm-linear devices whose names differ in length (which moves
# fio's heap), THP always and never, 1M sequential read and 4k randread.
# Prints BENCH lines.
. "$DMR_LIB"

main=$(nullb_create main 2048 memory_backed=0)
sz=$(dev_sectors "$main")
dmsetup create x --table "0 $sz linear $main 0"
dmsetup create yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy --table "0 $sz linear $main 0"
thp=/sys/kernel/mm/transparent_hugepage/enabled
for mode in always never; do
	echo $mode >$thp
	for r in 1 2; do
		for d in x yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy; do
			echo "BENCH thp thp=$mode dev=${d%"${d#?}"} job=seq round=$r $(fio_run /dev/mapper/$d read 1M 4 0 256M)"
			echo "BENCH thp thp=$mode dev=${d%"${d#?}"} job=rr32 round=$r $(fio_run /dev/mapper/$d randread 4k 32 0 256M)"
		done
	done
done
echo always >$thp
