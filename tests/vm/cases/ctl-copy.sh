# dmremapctl copy: every readable byte reaches DEST (checksummed, remapped
# blocks from the spare included), the mapfile (GNU ddrescue's format) maps
# exactly the unreadable ones, the unreadable blocks are left alone on DEST,
# SIGINT and resume, --retry-bad once the disk reads again, and the refusals:
# DEST too small, in use, holding a filesystem (unless --yes).
# dmr-lanes: stock trixie
# Not on the debug lane: dmremapctl over the table lines and messages the
# kernel cases send under the debug kernel: pure userspace there.
# dmr-timeout: 240
. "$DMR_LIB"

main=$(nullb_create main 32)		# 65536 blocks
spare=$(nullb_create spare 8)
dmremapctl create r "$main" "$spare" --format
dev=/dev/mapper/r
# Blocks 3000-3007 fail writes: the pattern puts them on the spare.
nullb_badblocks main + 3000 3007
pattern write $dev 0 32m 1
assert_eq "$(status_field r 6)" 8 "remapped blocks"
# Then the disk stops reading 20000-20015 and 40000.
nullb_badblocks main + 20000 20015
nullb_badblocks main + 40000 40000

dest=$(nullb_create dest 40)
# DEST starts as 0x5a everywhere, so untouched blocks are recognisable.
tr '\000' 'Z' </dev/zero | head -c $((40 << 20)) >"$dest"
sync
rc=0
dmremapctl copy r "$dest" --mapfile map --retries 1 >copy.json 2>copy.err || rc=$?
assert_eq "$rc" 7 "exit status (unreadable blocks)"
cat map
assert_eq "$(grep -v '^#' map | sed -n 2,99p | tr -s ' ' | tr '\n' ';')" \
	"0x00000000 0x009C4000 +;0x009C4000 0x00002000 -;0x009C6000 0x009C2000 +;0x01388000 0x00000200 -;0x01388200 0x00C77E00 +;" \
	"mapfile blocks"
assert_eq "$(grep -v '^#' map | sed -n 1p | tr -s ' ')" "0x02000000 + 1" "mapfile status line"
assert_eq "$(jq -r 'select(.event == "unreadable") | "\(.block)+\(.blocks)"' copy.json | tr '\n' ' ')" \
	"20000+16 40000+1 " "unreadable lines"
# Every readable byte, by checksum (read_bytes reads whole pages: the page
# of block 40000 only by pattern) and by pattern; the unreadable ones
# untouched.
for r in "0 10240000" "10248192 10231808" "20484096 13070336"; do
	set -- $r
	a=$(read_bytes $dev "$1" "$2" | sha256sum | cut -d' ' -f1)
	b=$(read_bytes "$dest" "$1" "$2" | sha256sum | cut -d' ' -f1)
	assert_eq "$b" "$a" "sha256 of bytes $1+$2"
done
for r in "0 10240000" "10248192 10231808" "20480512 13073920"; do
	set -- $r
	pattern verify "$dest" "$1" "$2" 1 -p "$1"
done
pattern verify "$dest" $((3000 * 512)) 4k 1 -p $((3000 * 512))
assert_eq "$(read_bytes "$dest" 10240000 8192 | tr -d 'Z' | wc -c)" 0 "unreadable blocks left as they were"
assert_eq "$(read_bytes "$dest" 20480000 512 | tr -d 'Z' | wc -c)" 0 "unreadable block left as it was"
assert_eq "$(read_bytes "$dest" 33554432 1024 | tr -d 'Z' | wc -c)" 0 "DEST past the copy untouched"

# Again: nothing to copy, the same map; the disk reads again: --retry-bad.
cp map map.1
rc=0
dmremapctl copy r "$dest" --mapfile map >again.json 2>&1 || rc=$?
assert_eq "$rc" 7 "exit status again"
grep -v '^#' map.1 >m.1
grep -v '^#' map >m.2
cmp m.1 m.2 || fail "map changed"
nullb_badblocks main - 20000 20015
nullb_badblocks main - 40000 40000
dmremapctl copy r "$dest" --mapfile map --retry-bad >retry.json
assert_eq "$(grep -v '^#' map | sed -n 2p | tr -s ' ')" "0x00000000 0x02000000 +" "map after --retry-bad"
assert_eq "$(read_bytes $dev 0 33554432 | sha256sum | cut -d' ' -f1)" \
	"$(read_bytes "$dest" 0 33554432 | sha256sum | cut -d' ' -f1)" "whole copy"

# SIGINT and resume (into a fresh DEST: --restart for the map).
dest2=$(nullb_create dest2 32)
nullb_badblocks main + 20000 20015
dmremapctl copy r "$dest2" --mapfile map2 --rate 4 --interval 1 >part.json 2>&1 &
pid=$!
sleep 3
kill -INT $pid
rc=0
wait $pid || rc=$?
assert_eq "$rc" 8 "exit status when stopped"
grep -q '^0x[0-9A-F]* *? *1$' map2 || fail "status line of a stopped copy: $(cat map2)"
done1=0
for sz in $(grep -v '^#' map2 | awk 'NR > 1 && $3 == "+" { print $2 }'); do
	done1=$((done1 + sz))
done
[ "$done1" -gt 0 ] || fail "nothing copied before the stop"
rc=0
dmremapctl copy r "$dest2" --mapfile map2 >rest.json 2>rest.err || rc=$?
assert_eq "$rc" 7 "exit status of the resumed copy"
grep -q "resuming from mapfile" rest.err || fail "not resumed: $(cat rest.err)"
assert_eq "$(grep -v '^#' map2 | awk '$3 == "-"' | tr -s ' ')" "0x009C4000 0x00002000 -" "resumed: unreadable"
pattern verify "$dest2" 0 10240000 1
pattern verify "$dest2" 10248192 23306240 1 -p 10248192

# Refusals: too small, in use, a filesystem without --yes.
small=$(nullb_create small 16)
expect_exit 4 "is smaller than r" dmremapctl copy r "$small" --mapfile m3
expect_exit 5 "in use" dmremapctl copy r "$main" --mapfile m4
fs=$(nullb_create fsdest 33)
mkfs.ext4 -q -F "$fs" >mkfs.out 2>&1 || fail "mkfs.ext4 $fs: $(cat mkfs.out)"
expect_exit 5 "holds an ext4 filesystem" dmremapctl copy r "$fs" --mapfile m5
assert_eq "$(read_bytes "$fs" 1080 2 | xxd -p)" 53ef "refused DEST untouched (ext4 magic)"
rc=0
dmremapctl copy r "$fs" --mapfile m5 --yes >yes.json 2>yes.err || rc=$?
assert_eq "$rc" 7 "with --yes"
grep -q "confirmed with --yes" yes.err || fail "$(cat yes.err)"
dmremapctl remove r
