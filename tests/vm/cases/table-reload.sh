# dmr-timeout: 120
# Table life cycle: reload a new table (bigger, on a newly formatted spare),
# swap it in with suspend/resume, check the live/inactive tables and the
# device size at each step and that data survives; failed reloads (bad
# table, spare formatted for another length) leave the live table working;
# the suppress option follows the table; suspend with I/O in flight holds
# the I/O; remove and re-create.
. "$DMR_LIB"

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
spare2=$(nullb_create spare2 16)
sz=$(dev_sectors "$main")
half=$((sz / 2))
M=$(majmin "$main") S=$(majmin "$spare") S2=$(majmin "$spare2")
present() { dmsetup info r | sed -n 's/^Tables present: *//p'; }
state() { dmsetup info r | sed -n 's/^State: *//p'; }
data_ok() {	# data_ok WHAT: the two first regions read back through dm and on main
	for dev in /dev/mapper/r "$main"; do
		pattern verify "$dev" 0 4m 1 -b 256k
		pattern verify "$dev" 28m 4m 2
	done
	echo "ok: data intact ($*)"
}
reload_fails() {	# reload_fails MESSAGE TABLE: refused with MESSAGE, live table kept
	live=$(dmsetup table r)
	dmesg -c >/dev/null
	expect_fail "Invalid argument" dmsetup reload r --table "$2"
	dmesg | grep -qF "remap: $1 (-EINVAL)" || fail "kernel did not say '$1': $(dmesg | tail -n 3)"
	assert_eq "$(present)" "LIVE" "tables present after failed reload"
	assert_eq "$(dmsetup table r)" "$live" "live table after failed reload"
}

dmsetup create r --table "0 $half remap $main $spare 1 format"
pattern write /dev/mapper/r 0 4m 1 -b 256k
pattern write /dev/mapper/r 28m 4m 2          # up to the end of the half-size table

# The spare is formatted for $half sectors: a bigger table on it is refused.
reload_fails "Spare was formatted for a main device of another size" "0 $sz remap $main $spare"
reload_fails "Main and spare are the same device" "0 $sz remap $main $main"
data_ok "after failed reloads"

# Reload a bigger table on a fresh spare: live table unchanged until resume.
dmsetup reload r --table "0 $sz remap $main $spare2 1 format"
assert_eq "$(present)" "LIVE & INACTIVE" "tables present after reload"
assert_eq "$(dmsetup table r)" "0 $half remap $M $S 1 suppress_writes" "live table after reload"
assert_eq "$(dmsetup table --inactive r)" "0 $sz remap $M $S2 1 suppress_writes" "inactive table after reload"
assert_eq "$(dev_sectors /dev/mapper/r)" $half "size before resume"
dmsetup suspend r
assert_eq "$(state)" "SUSPENDED" "state after suspend"
dmsetup resume r
assert_eq "$(state)" "ACTIVE" "state after resume"
assert_eq "$(present)" "LIVE" "tables present after resume"
assert_eq "$(dmsetup table r)" "0 $sz remap $M $S2 1 suppress_writes" "live table after resume"
assert_eq "$(dev_sectors /dev/mapper/r)" $sz "size after resume"
echo "note: status after table swap: $(dm_status r)"
data_ok "grown table"
pattern write /dev/mapper/r 40m 4m 3
pattern verify "$main" 40m 4m 3
echo "ok: new space past the old end maps to main"

# Back to the half-size table on its own spare, in one step (resume swaps
# the inactive table in), with the suppress option changed.
dmsetup reload r --table "0 $half remap $main $spare 1 no_suppress_writes"
dmsetup resume r
assert_eq "$(dmsetup table r)" "0 $half remap $M $S 1 no_suppress_writes" "live table after shrink"
assert_eq "$(status_field r 13)" off "suppress field of status"
assert_eq "$(dev_sectors /dev/mapper/r)" $half "size after shrink"
data_ok "shrunk table"

# Suspend while a writer is busy: the write counter holds still while
# suspended, the writer finishes after resume and its data is intact.
pattern write /dev/mapper/r 0 16m 4 -b 64k &
writer=$!
usleep 200000
dmsetup suspend r
w1=$(status_field r 3)
usleep 500000
w2=$(status_field r 3)
assert_eq "$w2" "$w1" "write counter while suspended"
dmsetup resume r
wait $writer || fail "writer failed across suspend/resume"
pattern verify /dev/mapper/r 0 16m 4
pattern verify "$main" 0 16m 4
echo "ok: writer ran across suspend/resume ($w1 writes counted before suspend returned)"

# Swap to a plain linear table and back: the data does not depend on remap.
dmsetup reload r --table "0 $half linear $main 0"
dmsetup resume r
pattern verify /dev/mapper/r 0 16m 4
dmsetup reload r --table "0 $half remap $main $spare"
dmsetup resume r
assert_eq "$(dmsetup table r)" "0 $half remap $M $S 1 suppress_writes" "table after remap -> linear -> remap"
pattern verify /dev/mapper/r 0 16m 4
echo "ok: remap -> linear -> remap"

# Remove, then create again: same data, no holders left in between.
dmsetup remove r
[ ! -e /dev/mapper/r ] || fail "/dev/mapper/r still exists after remove"
assert_eq "$(ls /sys/block/main/holders /sys/block/spare/holders /sys/block/spare2/holders | grep -c dm-)" 0 "holders after remove"
dmsetup create r --table "0 $half remap $main $spare"
assert_eq "$(dmsetup table r)" "0 $half remap $M $S 1 suppress_writes" "table after re-create"
total=$(status_field r 9)
assert_eq "$(dm_status r | cut -d' ' -f1-16)" "3 0 0 0 0 0 0 0 $total 0 0 0 on ok 0 none" "status after re-create"
pattern verify /dev/mapper/r 0 16m 4
echo "ok: re-created device shows the same data"
dmsetup remove r
