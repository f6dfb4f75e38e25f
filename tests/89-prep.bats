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

# --- F.13: -o never replaces anything but a regular file -------------------

# assert_not_replaced TARGET WHAT: --force -o TARGET is refused with exit 2
# and a message naming WHAT, before any upload.
assert_not_replaced() {
	cp "$BAD/good.jpg" good.jpg
	run --separate-stderr "$FAIZ" --rate 50 --force -o "$1" good.jpg
	assert_equal "$status" 2
	grep -qF -- "faiz-idcard: $1: $2: not replaced" <<<"$stderr"
	assert_equal "$(nreq)" 0
}

@test "F.13: --force -o FIFO leaves the FIFO in place" {
	mkfifo fifo
	assert_not_replaced fifo "a FIFO"
	[ -p fifo ]
}

@test "F.13: --force -o SYMLINK replaces neither the link nor its target" {
	echo keep >target
	ln -s target link
	assert_not_replaced link "a symbolic link"
	[ -L link ]
	assert_equal "$(cat target)" keep
}

@test "F.13: --force -o on /dev/null's device node leaves it alone" {
	# The real /dev/null is never the target: a tool that wrongly replaced
	# it would break the machine. Its node is bind-mounted on a file here,
	# in a mount namespace of this test's own, where a rename over it
	# would fail (EBUSY) rather than replace anything.
	cp "$BAD/good.jpg" good.jpg
	: >devnull
	run --separate-stderr unshare -m sh -c 'mount --make-rprivate / &&
		mount --bind /dev/null devnull && [ -c devnull ] &&
		"$0" --rate 50 --force -o devnull good.jpg; rc=$?;
		[ -c devnull ] || rc=99; exit $rc' "$FAIZ"
	assert_equal "$status" 2
	grep -qF -- "faiz-idcard: devnull: a device: not replaced" <<<"$stderr"
	assert_equal "$(nreq)" 0
	[ -c /dev/null ]
}

@test "F.13: --force -o DIRECTORY is refused" {
	mkdir out.csv
	assert_not_replaced out.csv "a directory"
	[ -d out.csv ]
}

@test "F.13: --force still replaces a regular file" {
	cp "$(cards)/front_zhangsan.jpg" good.jpg
	echo old >out.ndjson
	run --separate-stderr "$FAIZ" --rate 50 --force -o out.ndjson good.jpg
	assert_equal "$status" 0
	assert_equal "$(jq -r .file out.ndjson)" good.jpg
}

@test "F.13: -o - writes to standard output" {
	cp "$(cards)/front_zhangsan.jpg" good.jpg
	run --separate-stderr "$FAIZ" --rate 50 -o - good.jpg
	assert_equal "$status" 0
	assert_equal "$(jq -r .file <<<"$output")" good.jpg
	[ ! -e ./- ]
}

@test "F.13: the format follows -o's extension when -f is not given" {
	cp "$BAD/good.jpg" good.jpg
	"$FAIZ" --dry-run -o out.csv good.jpg
	assert_equal "$(head -c 10 out.csv)" "file,side,"
	"$FAIZ" --dry-run -o out.json good.jpg
	assert_equal "$(jq -r 'type' out.json)" array
	"$FAIZ" --dry-run -o out.jsonl good.jpg
	assert_equal "$(jq -r 'type' out.jsonl)" object
	"$FAIZ" --dry-run -o out.ndjson good.jpg
	assert_equal "$(jq -r 'type' out.ndjson)" object
	"$FAIZ" --dry-run -o out.xlsx good.jpg
	assert_equal "$(head -c 2 out.xlsx)" PK
}

@test "F.13: an extension that disagrees with -f is a warning, -f wins" {
	cp "$BAD/good.jpg" good.jpg
	run --separate-stderr "$FAIZ" --dry-run -f ndjson -o out.csv good.jpg
	assert_equal "$status" 0
	grep -qF "faiz-idcard: warning: out.csv: the name ends in .csv, but the file is written in the format -f gives" <<<"$stderr"
	assert_equal "$(jq -r 'type' out.csv)" object
}

# --- F.17: no JPEG found ---------------------------------------------------

@test "F.17: an empty folder exits 1 and says so" {
	mkdir empty
	run --separate-stderr "$FAIZ" --rate 50 empty
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_equal "$stderr" "faiz-idcard: no JPEG images to process (nothing found in the directories given)"
	assert_equal "$(nreq)" 0
}

@test "F.17: a folder of .png and .HEIC exits 1 saying what was skipped and why, even with -q" {
	mkdir photos
	: >photos/a.png
	: >photos/b.HEIC
	mkdir photos/sub
	run --separate-stderr "$FAIZ" -q --rate 50 photos
	assert_equal "$status" 1
	assert_equal "$stderr" "faiz-idcard: no JPEG images to process: skipped 2 files not .jpg or .jpeg, 1 directory (use -r)"
	assert_equal "$(nreq)" 0
}

@test "F.17: 3000 skipped files give one summarised note, not 3000" {
	mkdir photos
	(cd photos && for i in $(seq 3000); do : >"$i.HEIC"; done)
	cp "$(cards)/front_zhangsan.jpg" photos/card.jpg
	run --separate-stderr "$FAIZ" --rate 50 photos
	assert_equal "$status" 0
	! grep -qF .HEIC <<<"$stderr"
	grep -qFx "faiz-idcard: photos: skipped 3000 files not .jpg or .jpeg" <<<"$stderr"
	assert_equal "$(jq -r .file <<<"$output")" photos/card.jpg
}

# --- F.15: the progress line and records on one terminal ---------------------

@test "F.15: on a terminal, each CSV row starts at the left margin, after the progress line is cleared" {
	local c
	c="$(cards)"
	cp "$c/front_zhangsan.jpg" a.jpg
	cp "$c/front_zhangsan.jpg" b.jpg
	cp "$c/front_zhangsan.jpg" c.jpg
	emu_config '{"latency": 0.3}'
	# script(1) runs the tool on a pseudo-terminal: stdout and stderr are that terminal.
	script -qefc "'$FAIZ' --rate 50 -j 1 -f csv a.jpg b.jpg c.jpg" /dev/null >tty.out
	# Three rows were written, and the progress line was shown.
	assert_equal "$(grep -c '\.jpg,' tty.out)" 3
	grep -q 'img/s' tty.out
	# What a row's line shows after the last "erase line" is the row itself.
	while IFS= read -r line; do
		case $line in *.jpg,*) ;; *) continue ;; esac
		# CSV ends rows with CR LF, and the terminal adds a CR of its own.
		while [[ $line == *$'\r' ]]; do line="${line%$'\r'}"; done
		shown="${line##*$'\033[K'}"
		shown="${shown##*$'\r'}"
		case $shown in [abc].jpg,*) ;; *) echo "row after other text: $line" | cat -v >&2; return 1 ;; esac
	done <tty.out
}

# --- F.18: -v redacts credentials and counts only what was sent ------------

@test "F.18: -v never prints an endpoint's user:password" {
	cp "$(cards)/front_zhangsan.jpg" a.jpg
	local hostport="${EMU_URL#http://}"
	run --separate-stderr "$FAIZ" -v --rate 50 --endpoint "http://bob:hunter2@$hostport" a.jpg
	assert_equal "$status" 0
	! grep -qF hunter2 <<<"$stderr"
	! grep -qF bob <<<"$stderr"
	grep -qF "POST http://***@$hostport/api/ai/ocr/idcard: HTTP 200, $(stat -c %s a.jpg) bytes sent" <<<"$stderr"
}

@test "F.18: -v reports 0 bytes sent for a refused connection" {
	cp "$(cards)/front_zhangsan.jpg" a.jpg
	# A port that was free a moment ago: nothing listens there.
	local port
	port="$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
	run --separate-stderr "$FAIZ" -v --retries 0 --endpoint "http://127.0.0.1:$port" a.jpg
	assert_equal "$status" 4
	grep -qF "POST http://127.0.0.1:$port/api/ai/ocr/idcard: 0 bytes sent, " <<<"$stderr"
	! grep -qF "$(stat -c %s a.jpg) bytes sent" <<<"$stderr"
}
