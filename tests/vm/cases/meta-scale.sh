# dmr-timeout: 600
# A table of 1M remaps (written straight into the metadata with the codec)
# activates, and the time the constructor takes is reported.  Spare and main
# are sparse null_blk devices: only the metadata is ever written.
. "$DMR_LIB"

n=1048576
main=$(nullb_create main 1024)
spare=$(nullb_create spare 640)
sz=$(dev_sectors "$main")
dmsetup create r --table "0 $sz remap $main $spare 1 format"
dmsetup remove r
dmr-meta fill "$spare" $n
sync
dmr-meta show "$spare"

uptime_cs() { tr -d . </proc/uptime | cut -d' ' -f1; }
t0=$(uptime_cs)
dmsetup create r --table "0 $sz remap $main $spare"
t1=$(uptime_cs)
echo "activation of $n entries: $(((t1 - t0) * 10)) ms (guest clock, TCG)"
assert_eq "$(status_field r 6)" $n "remapped"
assert_eq "$(dmsetup message r 0 list 777777 1 | head -n 1)" "777777 remapped 777777" "an entry"
t0=$(uptime_cs)
dmsetup remove r
t1=$(uptime_cs)
echo "removal: $(((t1 - t0) * 10)) ms"
