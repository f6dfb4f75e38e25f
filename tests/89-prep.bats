# Issue F, files and preparation: undecodable JPEGs refused before any upload, safe -o targets, the progress line, no-JPEG runs, -v redaction.
bats_require_minimum_version 1.5.0
load helper

setup_file() {
	emu_start
	mkdir -p "$BATS_FILE_TMPDIR/bad"
	"$PYTHON" "$HELPER_DIR/mkbadjpeg.py" "$BATS_FILE_TMPDIR/bad" >&2
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	BAD="$BATS_FILE_TMPDIR/bad"
}

# --- F.7: decode before sending -------------------------------------------

# assert_undecodable NAME MESSAGE-PART [ARGS]: NAME.jpg alone exits 1 with
# an undecodable record whose message has MESSAGE-PART, and nothing is sent.
assert_undecodable() {
	local name="$1" part="$2"
	shift 2
	cp "$BAD/$name.jpg" "$name.jpg"
	run --separate-stderr "$FAIZ" --rate 50 --retries 1 "$@" "$name.jpg"
	assert_equal "$status" 1
	assert_equal "$(jq -r '.error.code' <<<"$output")" undecodable
	[[ "$(jq -r '.error.message' <<<"$output")" == *"$part"* ]]
	grep -qF -- "faiz-idcard: $name.jpg: " <<<"$stderr"
	assert_equal "$(nreq)" 0
}

@test "F.7: a 12-bit JPEG is refused locally and never sent" {
	assert_undecodable twelve-bit "12-bit JPEG"
}

@test "F.7: an arithmetic-coded JPEG is refused locally and never sent" {
	assert_undecodable arithmetic "arithmetic-coded JPEG (SOF9)"
}

@test "F.7: a lossless JPEG is refused locally and never sent" {
	assert_undecodable lossless "lossless JPEG (SOF3)"
}

@test "F.7: corrupt entropy-coded data is refused locally and never sent" {
	assert_undecodable corrupt-scan "corrupt JPEG data"
}

@test "F.7: a 10000x10000 header on a 19 kB file is refused locally and never sent" {
	assert_undecodable huge-header "premature end of data segment"
}

@test "F.7: with --no-resize an undecodable file is refused too" {
	assert_undecodable corrupt-scan "corrupt JPEG data" --no-resize
}

@test "F.7: the refusal shows in a dry run, and a good file still goes" {
	cp "$BAD/good.jpg" good.jpg
	cp "$BAD/lossless.jpg" lossless.jpg
	run --separate-stderr "$FAIZ" --dry-run -f ndjson good.jpg lossless.jpg
	assert_equal "$status" 1
	assert_equal "$(jq -sr 'map(.error.code // "none") | join(",")' <<<"$output")" "none,undecodable"
	grep -qF "dry run: 1 images would be sent, costing 10 points; 1 refused locally" <<<"$stderr"
	run --separate-stderr "$FAIZ" --rate 50 -f ndjson good.jpg lossless.jpg
	assert_equal "$(nreq)" 1
}
