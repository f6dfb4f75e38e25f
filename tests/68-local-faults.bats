# Input and disk faults: a huge sparse file, devices and FIFOs, the save directory removed mid-batch, a full disk, stdout closed early.
bats_require_minimum_version 1.5.0
load helper

setup_file() {
	emu_start
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	cp "$(cards)/front_zhangsan.jpg" front.jpg
	cp "$(cards)/front_lisi.jpg" lisi.jpg
}

teardown() {
	if [ -n "${BG_PID:-}" ]; then
		kill "$BG_PID" 2>/dev/null
		wait "$BG_PID" 2>/dev/null
	fi
	if [ -n "${MNT:-}" ]; then
		umount "$MNT" 2>/dev/null
	fi
	return 0
}

rec() { # N FILTER: jq FILTER on the Nth ndjson record of $output
	printf '%s\n' "$output" | jq -sr ".[$1] | $2"
}

# ASan reserves terabytes of address space, so ulimit -v cannot apply to it.
is_asan() {
	grep -q __asan_init "$FAIZ"
}

# A 200 KiB tmpfs at DIR (the suite runs as root in CI; a failed mount fails the test).
mount_small() {
	mkdir -p "$1"
	mount -t tmpfs -o size=200k,mode=0755 tmpfs "$1" || {
		echo "cannot mount a tmpfs at $1 (needs root)" >&2
		return 1
	}
	MNT="$1"
}

# Fill the file system holding DIR to the last byte.
fill_disk() {
	dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null || true
	dd if=/dev/zero of="$1/filler2" bs=1 2>/dev/null || true
	[ "$(df --output=avail "$1" | tail -1 | tr -d ' ')" -eq 0 ]
}

@test "a 5 GB sparse file: too_large, refused without being read" {
	truncate -s 5G big.jpg
	if is_asan; then
		run --separate-stderr /usr/bin/time -f 'maxrss %M' "$FAIZ" --rate 50 big.jpg front.jpg
		rss=$(sed -n 's/^maxrss //p' <<<"$stderr")
		[ "$rss" -lt 400000 ]
	else
		run --separate-stderr bash -c 'ulimit -v 400000 && exec "$0" --rate 50 big.jpg front.jpg' "$FAIZ"
	fi
	assert_equal "$status" 1
	assert_equal "$(rec 0 .error.code)" too_large
	assert_equal "$(rec 0 .sha256)" null
	assert_equal "$(rec 1 .id_number)" 440105199208220038
	assert_equal "$(emu_stats | jq .requests)" 1
}

@test "/dev/zero and a FIFO as operands: not_regular, nothing read or sent for them, no hang" {
	mkfifo pipe.jpg
	run --separate-stderr timeout 20 "$FAIZ" --rate 50 /dev/zero pipe.jpg front.jpg
	assert_equal "$status" 1
	assert_equal "$(rec 0 .file)" /dev/zero
	assert_equal "$(rec 0 .error.code)" not_regular
	assert_equal "$(rec 1 .file)" pipe.jpg
	assert_equal "$(rec 1 .error.code)" not_regular
	assert_equal "$(rec 2 .error)" null
	assert_equal "$(emu_stats | jq .requests)" 1
}

@test "--save-images directory removed mid-batch: later images save_failed naming the path, every record printed" {
	for i in 1 2 3 4 5 6; do distinct front.jpg "card$i.jpg" "$i"; done
	"$FAIZ" --rate 3 --save-images out card1.jpg card2.jpg card3.jpg card4.jpg card5.jpg card6.jpg \
		>records.ndjson 2>errors.txt 3>&- &
	BG_PID=$!
	for _ in $(seq 100); do
		[ -e out/card1.cropped.jpg ] && break
		sleep 0.05
	done
	[ -e out/card1.cropped.jpg ]
	rm -rf out
	st=0
	wait "$BG_PID" || st=$?
	unset BG_PID
	assert_equal "$st" 1
	output=$(cat records.ndjson)
	assert_equal "$(jq -s length records.ndjson)" 6
	assert_equal "$(rec 0 .error)" null
	assert_equal "$(rec 0 .images.cropped)" out/card1.cropped.jpg
	# The last images came after the removal: each a clear error naming the directory.
	assert_equal "$(rec 5 .error.code)" save_failed
	rec 5 .error.message | grep -q '^out: No such file or directory'
	n=$(jq -s '[.[] | select(.error.code == "save_failed")] | length' records.ndjson)
	[ "$n" -ge 1 ]
	# The records that failed still carry what was recognised, and name no saved file.
	assert_equal "$(rec 5 .id_number)" 440105199208220038
	assert_equal "$(rec 5 .images)" '{}'
	grep -q 'card6.jpg: out: No such file or directory' errors.txt
	# The directory is not silently re-created somewhere.
	[ ! -e out ]
}

@test "-o FILE on a full disk: a clear error naming the file, exit 1, no temporary file left" {
	mount_small full
	fill_disk full
	run --separate-stderr "$FAIZ" --rate 50 -o full/out.ndjson front.jpg lisi.jpg
	assert_equal "$status" 1
	grep -q '^faiz-idcard: full/out.ndjson: .*No space left on device' <<<"$stderr"
	[ ! -e full/out.ndjson ]
	assert_equal "$(ls -A full | grep -v '^filler' || true)" ""
}

@test "--save-images on a full disk: save_failed, no partial or temporary files, earlier images intact" {
	mount_small full
	run --separate-stderr "$FAIZ" --rate 50 --save-images full/saved front.jpg
	assert_success
	before=$(cd full/saved && sha256sum front.*)
	fill_disk full
	run --separate-stderr "$FAIZ" --rate 50 --save-images full/saved lisi.jpg
	assert_equal "$status" 1
	assert_equal "$(rec 0 .error.code)" save_failed
	rec 0 .error.message | grep -q 'No space left on device'
	rec 0 .error.message | grep -q '^full/saved'
	assert_equal "$(rec 0 .id_number)" 11010119851127100X
	# Only the earlier images, byte for byte: no lisi.*, no .faiz-*.tmp.
	assert_equal "$(ls -A full/saved | sort)" "$(printf '%s\n' front.cropped.jpg front.id_number.jpg front.portrait.jpg)"
	assert_equal "$(cd full/saved && sha256sum front.*)" "$before"
}

@test "stdout closed early (| head -1): one record, no write error on stderr, sending stops" {
	cp front.jpg f2.jpg
	cp front.jpg f3.jpg
	run --separate-stderr bash -c '"$0" -f ndjson --rate 3 front.jpg f2.jpg f3.jpg | head -1' "$FAIZ"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | wc -l)" 1
	assert_equal "$(rec 0 .file)" front.jpg
	refute grep -qi 'broken pipe' <<<"$stderr"
	refute grep -qi 'stdout' <<<"$stderr"
	refute grep -qi 'write' <<<"$stderr"
	# Give a run that would go on sending the time to do so, then count.
	sleep 1
	emu_requests | jq -c '[.[].outcome]' >&2
	[ "$(emu_stats | jq .requests)" -le 2 ]
}
