# Data written through the remap target lands on main at the same offset
# and reads back identically, for O_DIRECT I/O of several sizes and offsets.
. "$DMR_LIB"

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
sz=$(dev_sectors "$main")
dmsetup create r --table "0 $sz remap $main $spare 1 format"

seed=1
for io in "0 4k" "4k 4k" "512 512" "1m 1m" "3m 68k" "17s 33s" "63m 1m"; do
	set -- $io
	pattern write /dev/mapper/r "$1" "$2" $seed
	pattern verify /dev/mapper/r "$1" "$2" $seed
	pattern verify "$main" "$1" "$2" $seed
	echo "ok: offset $1 length $2"
	seed=$((seed + 1))
done

# Large multi-bio write with small and large I/O sizes.
pattern write /dev/mapper/r 8m 16m 99 -b 128k
pattern verify "$main" 8m 16m 99 -b 4m
pattern verify /dev/mapper/r 8m 16m 99 -b 4k

# Buffered I/O through the page cache reaches main too.
pattern write /dev/mapper/r 40m 2m 123 -B
pattern verify "$main" 40m 2m 123

# Nothing went to the spare's data area.
ss=$(stat_value r spare_start)
assert_eq "$(dd if="$spare" bs=512 skip="$ss" 2>/dev/null | tr -d '\000' | wc -c)" 0 "non-zero bytes in the spare's data area"
dmsetup remove r
