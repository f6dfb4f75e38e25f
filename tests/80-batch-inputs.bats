# Batch inputs (issue B): directory operands, -r, path lists from "-" and --files-from (-0), notes and skips.
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
	C="$(cards)"
	# photos/: three JPEGs in mixed case, a dotfile, a text file, a PNG-named JPEG, a subtree.
	mkdir -p photos/a/c photos/sub
	cp "$C/front_zhangsan.jpg" photos/b.JPG
	cp "$C/front_lisi.jpg" photos/a.jpeg
	cp "$C/back_zhangsan.jpg" photos/c.jpg
	cp "$C/temporary_wangwu.jpg" photos/.hidden.jpg
	echo 'not an image' >photos/x.txt
	cp "$C/front_zhangsan.jpg" photos/x.png
	# Other bytes than the cards above: each content is sent once.
	distinct "$C/front_lisi.jpg" photos/a/b.jpg b
	distinct "$C/temporary_wangwu.jpg" photos/a/c/d.jpg d
	distinct "$C/back_zhangsan.jpg" photos/sub/s.jpg s
}

# --- helpers ---------------------------------------------------------------------


faiz() { run --separate-stderr "$FAIZ" --rate 50 --retries 1 -j 1 "$@"; }

# The files of the last run's records, one per line.
rec_files() { printf '%s\n' "${lines[@]}" | jq -r .file; }

# Every record of the last run is valid JSON and recognised.
assert_all_ok() {
	local l
	[ "${#lines[@]}" -gt 0 ]
	for l in "${lines[@]}"; do
		printf '%s\n' "$l" | jq -e '.error == null and (.side | type) == "string"' >/dev/null || {
			echo "record not recognised: $l" >&2
			return 1
		}
	done
}

# stderr has exactly the line "faiz-idcard: TEXT".
assert_note() {
	printf '%s\n' "$stderr" | grep -Fxq -- "faiz-idcard: $1" || {
		echo "no stderr line 'faiz-idcard: $1' in:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	}
}

# No stderr line contains TEXT.
refute_stderr_has() {
	! printf '%s\n' "$stderr" | grep -Fq -- "$1" || {
		echo "stderr unexpectedly mentions '$1':" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	}
}

# The emulator received, in order, the files given (compared by SHA-256 of the body).
assert_sent() {
	local want got f
	want="$(for f in "$@"; do sha256sum <"$f" | cut -d' ' -f1; done)"
	got="$(emu_requests | jq -r '.[].body_sha256')"
	assert_equal "$got" "$want"
}

ID_ZHANG=440105199208220038
ID_LI=11010119851127100X

# --- directories -----------------------------------------------------------------

@test "directory: its .jpg/.JPG/.jpeg files in byte order, dotfiles silent, other files and subdirectories noted" {
	faiz photos
	assert_equal "$status" 0
	assert_equal "$(rec_files)" "$(printf '%s\n' photos/a.jpeg photos/b.JPG photos/c.jpg)"
	assert_all_ok
	# Each record is the right file's recognition.
	assert_equal "$(printf '%s\n' "${lines[0]}" | jq -r .id_number)" "$ID_LI"
	assert_equal "$(printf '%s\n' "${lines[1]}" | jq -r .id_number)" "$ID_ZHANG"
	assert_equal "$(printf '%s\n' "${lines[2]}" | jq -r .side)" back
	assert_equal "$(nreq)" 3
	assert_sent photos/a.jpeg photos/b.JPG photos/c.jpg
	assert_note "photos/x.txt: skipped, not a .jpg or .jpeg file"
	assert_note "photos/x.png: skipped, not a .jpg or .jpeg file"
	printf '%s\n' "$stderr" | grep -Eq '^faiz-idcard: photos/a: skipped directory \(use -r\)$'
	printf '%s\n' "$stderr" | grep -Eq '^faiz-idcard: photos/sub: skipped directory \(use -r\)$'
	# The dotfile is skipped silently, and nothing under the subdirectories is touched.
	refute_stderr_has hidden
	refute_stderr_has photos/a/b.jpg
	refute_stderr_has photos/a/c
	refute_stderr_has photos/sub/s.jpg
}

@test "-r: subdirectories searched, the whole tree in byte order of the full path (a/b.jpg before a/c/d.jpg)" {
	faiz -r photos
	assert_equal "$status" 0
	assert_equal "$(rec_files)" \
		"$(printf '%s\n' photos/a.jpeg photos/a/b.jpg photos/a/c/d.jpg photos/b.JPG photos/c.jpg photos/sub/s.jpg)"
	assert_all_ok
	assert_equal "$(nreq)" 6
	assert_sent photos/a.jpeg photos/a/b.jpg photos/a/c/d.jpg photos/b.JPG photos/c.jpg photos/sub/s.jpg
	assert_equal "$(printf '%s\n' "${lines[2]}" | jq -r .side)" temporary
	refute_stderr_has "use -r"
	refute_stderr_has hidden
	assert_note "photos/x.txt: skipped, not a .jpg or .jpeg file"
}

@test "directory operand with a trailing slash: paths are dir/name, without a doubled slash" {
	faiz photos/
	assert_equal "$status" 0
	assert_equal "$(rec_files)" "$(printf '%s\n' photos/a.jpeg photos/b.JPG photos/c.jpg)"
	assert_note "photos/x.txt: skipped, not a .jpg or .jpeg file"
	refute_stderr_has "//"
}

@test "a directory with a subdirectory named x.png: without -r it is a skipped directory, with -r searched" {
	mkdir photos/y.png
	cp "$C/front_zhangsan.jpg" photos/y.png/e.jpg
	faiz photos
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 3
	printf '%s\n' "$stderr" | grep -Eq '^faiz-idcard: photos/y.png: skipped directory \(use -r\)$'
	faiz -r photos
	assert_equal "$status" 0
	rec_files | grep -Fxq photos/y.png/e.jpg
}

@test "an empty directory: exit 1 (issue F.17), 'no JPEG images to process', no record, no request" {
	mkdir empty
	faiz empty
	assert_equal "$status" 1
	assert_equal "$output" ""
	printf '%s\n' "$stderr" | grep -q '^faiz-idcard: no JPEG images to process (nothing found in the directories given)$'
	assert_equal "$(nreq)" 0
}

@test "a directory holding only non-JPEG files: each noted, nothing sent, exit 1 (issue F.17)" {
	mkdir other
	echo a >other/a.txt
	cp "$C/front_lisi.jpg" other/b.png
	faiz other
	assert_equal "$status" 1
	assert_equal "$output" ""
	assert_note "other/a.txt: skipped, not a .jpg or .jpeg file"
	assert_note "other/b.png: skipped, not a .jpg or .jpeg file"
	printf '%s\n' "$stderr" | grep -q '^faiz-idcard: no JPEG images to process: skipped 2 files not .jpg or .jpeg$'
	assert_equal "$(nreq)" 0
}

@test "-q hides the skip notes and the summary, the files are still processed" {
	faiz -q photos
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 3
	assert_all_ok
	assert_equal "$stderr" ""
	assert_equal "$(nreq)" 3
}

# --- explicit operands -----------------------------------------------------------

@test "an explicit operand is always tried: a non-JPEG named x.png is not_jpeg, exit 1, nothing sent for it" {
	cp "$C/notjpeg.jpg" x.png
	faiz x.png photos/c.jpg
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 2
	assert_equal "$(printf '%s\n' "${lines[0]}" | jq -r .file)" x.png
	assert_equal "$(printf '%s\n' "${lines[0]}" | jq -r .error.code)" not_jpeg
	assert_equal "$(printf '%s\n' "${lines[1]}" | jq -r .error)" null
	assert_equal "$(nreq)" 1
	printf '%s\n' "$stderr" | grep -q '^faiz-idcard: x.png: '
	refute_stderr_has "skipped, not a .jpg"
}

@test "an explicit JPEG operand named .png is sent and recognised (the name does not matter)" {
	faiz photos/x.png
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 1
	assert_equal "$(printf '%s\n' "${lines[0]}" | jq -r .id_number)" "$ID_ZHANG"
	assert_equal "$(nreq)" 1
}

# --- path lists ------------------------------------------------------------------

@test "-: a newline list from stdin, CRLF line ends and empty lines tolerated, in the given order" {
	printf 'photos/c.jpg\r\n\r\n\nphotos/a/b.jpg\r\nphotos/b.JPG\n\n' >list
	faiz - <list
	assert_equal "$status" 0
	assert_equal "$(rec_files)" "$(printf '%s\n' photos/c.jpg photos/a/b.jpg photos/b.JPG)"
	assert_all_ok
	assert_sent photos/c.jpg photos/a/b.jpg photos/b.JPG
}

@test "-: a directory named in a list is not searched" {
	printf 'photos/a\nphotos/c.jpg\n' >list
	faiz - <list
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 2
	assert_equal "$(printf '%s\n' "${lines[0]}" | jq -r .file)" photos/a
	assert_equal "$(printf '%s\n' "${lines[0]}" | jq -r .error.code)" not_regular
	assert_equal "$(printf '%s\n' "${lines[1]}" | jq -r .error)" null
	assert_equal "$(nreq)" 1
}

@test "-0 -: the NUL list of find -print0, names with spaces and newlines kept whole" {
	mkdir -p odd
	cp "$C/front_lisi.jpg" "odd/with space.jpg"
	cp "$C/front_zhangsan.jpg" "odd/new
line.jpg"
	cp "$C/back_zhangsan.jpg" odd/plain.jpg
	find odd -name '*.jpg' -print0 | LC_ALL=C sort -z >list0
	faiz -0 - <list0
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 3
	assert_all_ok
	assert_equal "$(printf '%s\n' "${lines[0]}" | jq -r .file)" "odd/new
line.jpg"
	assert_equal "$(printf '%s\n' "${lines[1]}" | jq -r .file)" "odd/plain.jpg"
	assert_equal "$(printf '%s\n' "${lines[2]}" | jq -r .file)" "odd/with space.jpg"
	assert_equal "$(printf '%s\n' "${lines[0]}" | jq -r .id_number)" "$ID_ZHANG"
	assert_equal "$(printf '%s\n' "${lines[2]}" | jq -r .id_number)" "$ID_LI"
	assert_equal "$(nreq)" 3
}

@test "--files-from FILE: its paths come after the operands; no operand needed" {
	printf 'photos/c.jpg\r\n\nphotos/a.jpeg\n' >list
	faiz --files-from list photos/b.JPG
	assert_equal "$status" 0
	assert_equal "$(rec_files)" "$(printf '%s\n' photos/b.JPG photos/c.jpg photos/a.jpeg)"
	assert_sent photos/b.JPG photos/c.jpg photos/a.jpeg
	faiz --files-from list
	assert_equal "$status" 0
	assert_equal "$(rec_files)" "$(printf '%s\n' photos/c.jpg photos/a.jpeg)"
	assert_all_ok
}

@test "--files-from - reads standard input; with -0 NUL-separated" {
	printf 'photos/a/b.jpg\nphotos/c.jpg\n' >list
	faiz --files-from - <list
	assert_equal "$status" 0
	assert_equal "$(rec_files)" "$(printf '%s\n' photos/a/b.jpg photos/c.jpg)"
	assert_all_ok
	printf 'photos/c.jpg\0photos/b.JPG\0' >list0
	faiz -0 --files-from - <list0
	assert_equal "$status" 0
	assert_equal "$(rec_files)" "$(printf '%s\n' photos/c.jpg photos/b.JPG)"
	assert_all_ok
}

@test "standard input read twice (- -, or - with --files-from -): usage error, exit 2, nothing sent" {
	printf 'photos/c.jpg\n' >list
	faiz - - <list
	assert_equal "$status" 2
	assert_equal "$output" ""
	printf '%s\n' "$stderr" | grep -q '^faiz-idcard: .*standard input'
	faiz --files-from - - <list
	assert_equal "$status" 2
	assert_equal "$output" ""
	assert_equal "$(nreq)" 0
}

@test "--files-from a missing file: exit 2, nothing sent" {
	faiz --files-from nosuch.list photos/c.jpg
	assert_equal "$status" 2
	assert_equal "$output" ""
	printf '%s\n' "$stderr" | grep -q '^faiz-idcard: .*nosuch.list'
	assert_equal "$(nreq)" 0
}
