# Pinned records: a representative set of runs against the emulator whose records, messages, exit codes and saved images must stay byte for byte the same.
#
# The expected outputs live in tests/pinned/, one file per run. They were
# made by the client before the batch was split into a run loop and
# recogniser backends, and pin that the split changed no behaviour. Only
# what legitimately varies is normalised: the gateway's random sid, the
# emulator's port and the seconds in timings. Ages and validity periods are
# pinned with --as-of. When a change of behaviour is intended, regenerate
# with PIN_UPDATE=1 bats tests/88-pinned.bats and review the diff.

bats_require_minimum_version 1.5.0

load helper

PINNED="$BATS_TEST_DIRNAME/pinned"

setup_file() {
	emu_start
	local cards in="$BATS_FILE_TMPDIR/in"
	cards="$(cards)"
	mkdir -p "$in/sub" "$in/people/p1" "$in/people/p2" "$in/people/p3"
	cp "$cards"/*.jpg "$in/"
	cp "$FIXTURES/card_back.jpg" "$in/"
	cp "$cards/front_lisi.jpg" "$in/sub/front_zhangsan.jpg"
	cp "$cards/back_zhangsan.jpg" "$in/people/p1/card.jpg"
	cp "$cards/front_zhangsan.jpg" "$in/people/p2/card.jpg"
	cp "$cards/temporary_wangwu.jpg" "$in/people/p3/card.jpg"
	"$PYTHON" "$MKCARDS" front -o "$in/rot6.jpg" --exif-orientation 6
	"$PYTHON" "$MKCARDS" back -o "$in/back_rot3.jpg" --exif-orientation 3
	"$PYTHON" "$MKCARDS" front -o "$in/narrow.jpg" --width 500
	# Over 3 MiB and 4000 px wide: re-encoded to fit, or refused with --no-resize.
	"$PYTHON" "$MKCARDS" front -o "$in/big.jpg" --width 4000 --noise
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	mkdir -p got
	# Relative paths in records: the inputs are reached through ./in.
	ln -s "$BATS_FILE_TMPDIR/in" in
}

# norm: the legitimately varying parts made constant.
norm() {
	sed -E -e 's/wcr[0-9a-f]{21}/wcr-SID/g' \
		-e "s/127\\.0\\.0\\.1:$EMU_PORT/127.0.0.1:PORT/g" \
		-e 's/, [0-9]+\.[0-9]+ s(, [a-z]+ engine)?$/, T s\1/' \
		-e 's/, [0-9]+\.[0-9]{3} s$/, T s/'
}

# pin NAME ARGS...: run the client, keep normalised stdout, stderr and status.
pin() {
	local name="$1" rc=0 ORDERED_ERR="${ORDERED_ERR:-0}"
	shift
	"$FAIZ" --rate 50 --as-of 2026-06-01 "$@" >"got/$name.out" 2>"got/$name.err" || rc=$?
	echo "$rc" >"got/$name.status"
	norm <"got/$name.out" >"got/$name.tmp" && mv "got/$name.tmp" "got/$name.out"
	# With uploads in parallel, a local failure's message may come before
	# or after an answer that arrives meanwhile: only -j 1 keeps its order.
	if [ "$ORDERED_ERR" = 1 ]; then
		norm <"got/$name.err" >"got/$name.tmp"
	else
		norm <"got/$name.err" | LC_ALL=C sort >"got/$name.tmp"
	fi
	mv "got/$name.tmp" "got/$name.err"
}

# pin_seq NAME ARGS...: pin for a run with -j 1, stderr kept in its order.
pin_seq() {
	ORDERED_ERR=1 pin "$@"
}

# saved NAME DIR: names, modes and SHA-256 of every saved image.
saved() {
	(cd "$2" && find . -type f -printf '%P %m\n' | LC_ALL=C sort |
		while read -r f m; do printf '%s %s %s\n' "$f" "$m" "$(sha256sum <"$f" | cut -c1-64)"; done) >"got/$1.saved"
}

# compare: every expected file of this test matches what the run gave.
compare() {
	local f base ok=0
	if [ -n "${PIN_UPDATE:-}" ]; then
		cp got/* "$PINNED/"
		return 0
	fi
	for f in got/*; do
		base="${f#got/}"
		if ! cmp -s "$f" "$PINNED/$base"; then
			echo "differs from tests/pinned/$base:" >&2
			diff -u "$PINNED/$base" "$f" | head -40 >&2
			ok=1
		fi
	done
	return "$ok"
}

@test "pinned: ndjson, recursive, --save-images, the card set and its failures" {
	pin ndjson -f ndjson -r --save-images img in
	saved ndjson img
	compare
}

@test "pinned: json --raw, csv with --images portrait, table" {
	pin json-raw -f json --raw -j 3 -r in
	# The raw answers carry the images in base64: only their digest is kept.
	sha256sum <got/json-raw.out | cut -c1-64 >got/json-raw.sha256
	rm got/json-raw.out
	pin csv -f csv -r --save-images img --images portrait in
	saved csv img
	pin table -f table -r in
	compare
}

@test "pinned: --pair --mask, --dry-run, --no-resize -v" {
	pin pair -f json --pair --mask -r in
	pin dry -f ndjson --dry-run -r in
	pin_seq noresize -f ndjson --no-resize -j 1 -v -r in
	compare
}

@test "pinned: --resume skips, --unordered, -o FILE" {
	"$FAIZ" --rate 50 --as-of 2026-06-01 -f ndjson in/front_lisi.jpg in/plain.jpg in/people/p2/card.jpg >resume.ndjson 2>/dev/null || true
	pin resume -f ndjson --resume resume.ndjson -r in
	norm <resume.ndjson >got/resume.file
	pin unordered -f ndjson --unordered -j 4 -r in
	LC_ALL=C sort got/unordered.out >got/unordered.sorted
	rm got/unordered.out
	pin outfile -f csv -o records.csv -r --save-images img2 in
	norm <records.csv >got/outfile.file
	stat -c %a records.csv >>got/outfile.file
	compare
}

@test "pinned: retries, refusals, save failures and a stop (one upload at a time)" {
	emu_faults '["502","1414","ok","50000","bad-base64","ok","not-jpeg-image","50002","50002","50002"]'
	pin_seq faults -f ndjson -j 1 --retries 2 --save-images img in/people/p1/card.jpg in/people/p2/card.jpg in/people/p3/card.jpg in/front_lisi.jpg in/rot6.jpg in/narrow.jpg
	saved faults img
	emu_reset
	emu_faults '["ok","quota"]'
	pin_seq quota -f ndjson -j 1 in/front_lisi.jpg in/people/p1/card.jpg in/people/p2/card.jpg in/people/p3/card.jpg
	emu_reset
	emu_faults '["401"]'
	pin_seq blacklist -f ndjson -j 1 in/front_lisi.jpg in/people/p1/card.jpg
	emu_reset
	emu_faults '["ok","403","403"]'
	pin_seq auth -f ndjson -j 1 in/front_lisi.jpg in/people/p1/card.jpg in/people/p2/card.jpg
	compare
}
