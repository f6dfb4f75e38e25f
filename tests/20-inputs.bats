# Bad inputs are refused locally (no request sent), each with its own error code and message, while the rest go on.

bats_require_minimum_version 1.5.0

load helper

EXTRA_ARGS=()

setup_file() {
	emu_start
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	CARDS="$(cards)"
}

# requests: how many gateway requests the emulator saw since the reset.

# code N: the error code of the Nth (0-based) record on stdout.
code() { jq -rs ".[$1].error.code" <<<"$output"; }

# assert_local_refusal FILE CODE [MESSAGE-PART]: one bad file alone gives exit
# 1, one record with CODE, a message naming the file, and no request.
# EXTRA_ARGS (an array) goes before the file, e.g. (--no-resize).
assert_local_refusal() {
	local file="$1" want="$2" part="${3:-}"
	run --separate-stderr "$FAIZ" --rate 50 --retries 1 "${EXTRA_ARGS[@]}" "$file"
	assert_equal "$status" 1
	assert_equal "$(jq -s 'length' <<<"$output")" 1
	assert_equal "$(jq -r '.file' <<<"$output")" "$file"
	assert_equal "$(code 0)" "$want"
	assert_equal "$(jq -r '.side' <<<"$output")" null
	assert_equal "$(jq -c '.images' <<<"$output")" '{}'
	[[ "$(jq -r '.error.message' <<<"$output")" != "" ]]
	grep -qF -- "faiz-idcard: $file: " <<<"$stderr"
	if [ -n "$part" ]; then
		assert_equal "$(jq -r '.error.message' <<<"$output")" "$part"
		grep -qF -- "faiz-idcard: $file: $part" <<<"$stderr"
	fi
	assert_equal "$(nreq)" 0
}

# big_side OUT SIDE: a copy of the zhangsan front whose SOF0 says SIDE x SIDE pixels.
big_side() {
	"$PYTHON" - "$CARDS/front_zhangsan.jpg" "$1" "$2" <<'EOF'
import struct, sys
data = bytearray(open(sys.argv[1], "rb").read())
side = int(sys.argv[3])
i = 2
while True:
    assert data[i] == 0xFF, "lost sync at %d" % i
    m = data[i + 1]
    seglen = int.from_bytes(data[i + 2:i + 4], "big")
    if m == 0xC0:
        data[i + 5:i + 9] = struct.pack(">HH", side, side)
        break
    i += 2 + seglen
open(sys.argv[2], "wb").write(bytes(data))
EOF
}

@test "an empty file is refused locally as empty" {
	cp "$CARDS/empty.jpg" empty.jpg
	assert_local_refusal empty.jpg empty "empty file"
}

@test "a PNG renamed .jpg is refused locally as not_jpeg" {
	cp "$CARDS/notjpeg.jpg" png.jpg
	assert_local_refusal png.jpg not_jpeg
}

@test "a truncated JPEG (no EOI) is refused locally as truncated" {
	cp "$CARDS/truncated.jpg" cut.jpg
	assert_local_refusal cut.jpg truncated
}

@test "a JPEG without an SOF header is refused locally as bad_jpeg" {
	cp "$CARDS/nosof.jpg" nosof.jpg
	assert_local_refusal nosof.jpg bad_jpeg
}

@test "a directory named in a path list is refused locally as not_regular" {
	mkdir dir.jpg
	run --separate-stderr "$FAIZ" --rate 50 - <<<"dir.jpg"
	assert_equal "$status" 1
	assert_equal "$(code 0)" not_regular
	assert_equal "$(jq -r '.error.message' <<<"$output")" "is a directory"
	grep -qF "faiz-idcard: dir.jpg: is a directory" <<<"$stderr"
	assert_equal "$(nreq)" 0
}

@test "a FIFO is refused as not_regular and the run does not hang" {
	mkfifo pipe.jpg
	run --separate-stderr timeout 10 "$FAIZ" --rate 50 --retries 1 pipe.jpg
	assert_equal "$status" 1
	assert_equal "$(code 0)" not_regular
	assert_equal "$(jq -r '.file' <<<"$output")" pipe.jpg
	grep -qF "faiz-idcard: pipe.jpg: " <<<"$stderr"
	assert_equal "$(nreq)" 0
}

@test "a FIFO among good files does not hang and the good files are recognised" {
	mkfifo pipe.jpg
	run --separate-stderr timeout 10 "$FAIZ" --rate 50 --retries 1 "$CARDS/front_zhangsan.jpg" pipe.jpg \
		"$CARDS/back_zhangsan.jpg"
	assert_equal "$status" 1
	assert_equal "$(code 0)" null
	assert_equal "$(code 1)" not_regular
	assert_equal "$(code 2)" null
	assert_equal "$(nreq)" 2
}

@test "a nonexistent file is unreadable: No such file or directory" {
	assert_local_refusal missing.jpg unreadable "No such file or directory"
}

@test "a dangling symlink is unreadable: No such file or directory" {
	ln -s /nonexistent/target.jpg dangling.jpg
	assert_local_refusal dangling.jpg unreadable "No such file or directory"
}

@test "with --no-resize a file over 3145728 bytes (card + 3.1 MB after EOI) is too_large without any request" {
	cp "$CARDS/front_zhangsan.jpg" big.jpg
	head -c 3100000 /dev/zero >>big.jpg
	[ "$(stat -c %s big.jpg)" -gt 3145728 ]
	EXTRA_ARGS=(--no-resize)
	assert_local_refusal big.jpg too_large
}

@test "a file of exactly 3145728 bytes is not too_large" {
	cp "$CARDS/front_zhangsan.jpg" edge.jpg
	head -c $((3145728 - $(stat -c %s edge.jpg))) /dev/zero >>edge.jpg
	assert_equal "$(stat -c %s edge.jpg)" 3145728
	run --separate-stderr "$FAIZ" --rate 50 --retries 1 edge.jpg
	assert_equal "$(code 0)" null
	assert_equal "$status" 0
	assert_equal "$(nreq)" 1
}

@test "with --no-resize a JPEG whose SOF says 5000 px is refused locally as image_size" {
	big_side huge.jpg 5000
	EXTRA_ARGS=(--no-resize)
	assert_local_refusal huge.jpg image_size
	grep -qF 5000 <<<"$stderr"
}

@test "a file root can read only via its 0700 directory is unreadable for nobody: Permission denied" {
	local base bin
	base="$(mktemp -d /tmp/faiz-perm.XXXXXX)"
	chmod 0755 "$base"
	cp "$FAIZ" "$base/faiz-idcard"
	chmod 0755 "$base/faiz-idcard"
	mkdir -m 0700 "$base/private"
	cp "$CARDS/front_zhangsan.jpg" "$base/private/card.jpg"
	# The ASan runtime must be able to start as nobody too: no log files in unwritable places.
	run --separate-stderr env HOME=/nonexistent XDG_CONFIG_HOME=/nonexistent \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$base/faiz-idcard" --rate 50 --retries 1 "$base/private/card.jpg"
	rm -rf "$base"
	assert_equal "$status" 1
	assert_equal "$(code 0)" unreadable
	assert_equal "$(jq -r '.error.message' <<<"$output")" "Permission denied"
	assert_equal "$(jq -r '.file' <<<"$output")" "$base/private/card.jpg"
	grep -qF "faiz-idcard: $base/private/card.jpg: Permission denied" <<<"$stderr"
	assert_equal "$(nreq)" 0
}

@test "a run of only bad files sends no request and gives each file its own error" {
	cp "$CARDS/empty.jpg" empty.jpg
	cp "$CARDS/notjpeg.jpg" png.jpg
	cp "$CARDS/truncated.jpg" cut.jpg
	cp "$CARDS/nosof.jpg" nosof.jpg
	mkfifo pipe.jpg
	ln -s /nonexistent/x.jpg dangling.jpg
	cp "$CARDS/front_zhangsan.jpg" big.jpg
	head -c 3100000 /dev/zero >>big.jpg
	big_side huge.jpg 5000
	local files=(empty.jpg png.jpg cut.jpg nosof.jpg pipe.jpg missing.jpg dangling.jpg big.jpg huge.jpg)
	local codes=(empty not_jpeg truncated bad_jpeg not_regular unreadable unreadable too_large image_size)
	run --separate-stderr timeout 10 "$FAIZ" --no-resize --rate 50 --retries 1 "${files[@]}"
	assert_equal "$status" 1
	assert_equal "$(jq -s 'length' <<<"$output")" "${#files[@]}"
	local i
	for i in "${!files[@]}"; do
		assert_equal "$(jq -rs ".[$i].file" <<<"$output")" "${files[$i]}"
		assert_equal "$(code "$i")" "${codes[$i]}"
		grep -qF "faiz-idcard: ${files[$i]}: " <<<"$stderr"
	done
	# Every error line on stderr names the file it is about.
	assert_equal "$(grep -c '^faiz-idcard: [^:]*\.jpg: ' <<<"$stderr")" "${#files[@]}"
	assert_equal "$(nreq)" 0
	assert_equal "$(emu_stats | jq -r '.charged')" 0
}

@test "a file name with spaces is recognised and the record's file is the path as given" {
	cp "$CARDS/front_zhangsan.jpg" "my card front.jpg"
	run --separate-stderr "$FAIZ" --rate 50 --retries 1 "my card front.jpg"
	assert_equal "$status" 0
	assert_equal "$(jq -r '.file' <<<"$output")" "my card front.jpg"
	assert_equal "$(jq -r '.id_number' <<<"$output")" 440105199208220038
	assert_equal "$(code 0)" null
}

@test "a file name with Chinese characters and a space is recognised and file is the path as given" {
	mkdir -p "证件 目录"
	cp "$CARDS/front_zhangsan.jpg" "证件 目录/身份证 正面.jpg"
	run --separate-stderr "$FAIZ" --rate 50 --retries 1 "证件 目录/身份证 正面.jpg"
	assert_equal "$status" 0
	assert_equal "$(jq -r '.file' <<<"$output")" "证件 目录/身份证 正面.jpg"
	assert_equal "$(jq -r '.side' <<<"$output")" front
	assert_equal "$(jq -r '.id_number' <<<"$output")" 440105199208220038
}

@test "[good, empty, good]: exit 1, two recognised, input order, exactly one empty-file line" {
	cp "$CARDS/empty.jpg" empty.jpg
	run --separate-stderr "$FAIZ" --rate 50 --retries 1 "$CARDS/front_zhangsan.jpg" empty.jpg \
		"$CARDS/front_lisi.jpg"
	assert_equal "$status" 1
	assert_equal "$(jq -s 'length' <<<"$output")" 3
	assert_equal "$(jq -rs '.[0].file' <<<"$output")" "$CARDS/front_zhangsan.jpg"
	assert_equal "$(jq -rs '.[1].file' <<<"$output")" empty.jpg
	assert_equal "$(jq -rs '.[2].file' <<<"$output")" "$CARDS/front_lisi.jpg"
	assert_equal "$(jq -rs '.[0].id_number' <<<"$output")" 440105199208220038
	assert_equal "$(jq -rs '.[2].id_number' <<<"$output")" 11010119851127100X
	assert_equal "$(jq -s '[.[] | select(.error == null)] | length' <<<"$output")" 2
	assert_equal "$(code 1)" empty
	assert_equal "$(grep -cxF 'faiz-idcard: empty.jpg: empty file' <<<"$stderr")" 1
	assert_equal "$(grep -c 'empty' <<<"$stderr")" 1
	assert_equal "$(nreq)" 2
}
