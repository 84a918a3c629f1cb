# A spare is used only with the device it was formatted for, and formatted
# only when asked.
. "$DMR_LIB"

ctr_fails() {	# ctr_fails MESSAGE TABLE [dmsetup options]
	msg=$1 table=$2
	shift 2
	dmesg -c >/dev/null
	expect_fail "Invalid argument" dmsetup create r "$@" --table "$table"
	dmesg | grep -qF "remap: $msg" || fail "kernel did not say '$msg': $(dmesg | tail -n 3)"
	[ -z "$(dmsetup ls | grep -v 'No devices')" ] || fail "device left behind"
}

main=$(nullb_create main 64)
spare=$(nullb_create spare 16)
sz=$(dev_sectors "$main")
ctr_fails "Spare has no dm-remap metadata (add the 'format' option to initialise it)" \
	"0 $sz remap $main $spare"

dd if=/dev/zero of=/tmp/case/small bs=512 count=40 2>/dev/null
small=$(loop_create /tmp/case/small)
ctr_fails "Spare device too small for metadata and one spare block" \
	"0 $sz remap $main $small 1 format"

dmsetup create r --uuid DMREMAP-first --table "0 $sz remap $main $spare 1 format"
dmsetup remove r
ctr_fails "Spare belongs to another dm-remap device (UUID mismatch)" \
	"0 $sz remap $main $spare" --uuid DMREMAP-second
ctr_fails "Spare was formatted for a main device of another size" \
	"0 $((sz / 2)) remap $main $spare"
main4k=$(nullb_create main4k 64 blocksize=4096)
ctr_fails "Spare was formatted for a main device with another block size" \
	"0 $sz remap $main4k $spare"
# `format` never reformats a spare that has metadata.
ctr_fails "Spare was formatted for a main device of another size" \
	"0 $((sz / 2)) remap $main $spare 1 format"
# The right device (same UUID, or none given) still works.
dmsetup create r --uuid DMREMAP-first --table "0 $sz remap $main $spare"
dmsetup remove r
dmsetup create r --table "0 $sz remap $main $spare"
dmsetup remove r

# While one device uses the spare, another may not.
main2=$(nullb_create main2 64)
dmsetup create r --table "0 $sz remap $main $spare"
ctr_fails_other() {
	dmesg -c >/dev/null
	expect_fail "Device or resource busy" dmsetup create r2 --table "0 $sz remap $main2 $spare"
	dmesg | grep -qF "remap: Spare device is in use by another dm-remap device" ||
		fail "no 'in use' message: $(dmesg | tail -n 3)"
}
ctr_fails_other
dmsetup remove r
