# suppress off: the writer sees EIO and the failed blocks become pending;
# suppress on again: the next write to them succeeds on the spare.  Also the
# table option and the module parameter that sets the default.
. "$DMR_LIB"

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
sz=$(dev_sectors "$main")
mm=$(majmin "$main") sm=$(majmin "$spare")
dmsetup create r --table "0 $sz remap $main $spare 2 format no_suppress_writes"
dev=/dev/mapper/r
assert_eq "$(dm_table r)" "$mm $sm 1 no_suppress_writes" "table"
assert_eq "$(status_field r 13)" off "suppress field"

nullb_badblocks main + 2048 2055
expect_fail "Input/output error" pattern write $dev 1m 4k 1
assert_eq "$(status_field r 5)" 1 "write errors"
assert_eq "$(status_field r 7)" 8 "pending blocks"
assert_eq "$(status_field r 6)" 0 "remapped blocks"
assert_eq "$(status_field r 11)" 0 "errors suppressed"

dmsetup message r 0 suppress on
assert_eq "$(dm_table r)" "$mm $sm 1 suppress_writes" "table after suppress on"
pattern write $dev 1m 4k 2
pattern verify $dev 1m 4k 2
assert_eq "$(status_field r 6)" 8 "remapped blocks"
assert_eq "$(status_field r 7)" 0 "pending blocks"
dmsetup message r 0 suppress off
assert_eq "$(status_field r 13)" off "suppress field after off"
expect_fail "Invalid argument" dmsetup message r 0 suppress maybe
dmsetup remove r

# The module parameter is the default for new devices.
p=/sys/module/dm_remap/parameters/suppress_write_errors
assert_eq "$(cat $p)" Y "module parameter default"
echo N >$p
dmsetup create r --table "0 $sz remap $main $spare 1 format"
assert_eq "$(dm_table r)" "$mm $sm 1 no_suppress_writes" "table with parameter N"
dmsetup remove r
dmsetup create r --table "0 $sz remap $main $spare 1 suppress_writes"
assert_eq "$(status_field r 13)" on "option overrides the parameter"
dmsetup remove r
echo Y >$p
