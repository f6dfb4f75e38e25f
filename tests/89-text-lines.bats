#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# --text-lines: the text lines the local OCR reads in any JPEG, as ndjson;
# --models and FAIZ_MODELS; unreadable images, missing or altered models,
# and the options that cannot go with it. No emulator: nothing is sent.

load helper

BACK=/work/shared/samples/card_back.jpg

setup_file() {
	local d="$BATS_FILE_TMPDIR"
	"$PYTHON" "$MKCARDS" front -o "$d/front.jpg" --name 李四 \
		--id-number 440105199208220038 >&2
	# Stored turned, shown upright by EXIF orientation 6.
	"$PYTHON" "$MKCARDS" front -o "$d/turned.jpg" --name 李四 \
		--id-number 440105199208220038 --exif-orientation 6 >&2
	"$PYTHON" -c 'import sys; from PIL import Image
Image.new("RGB", (320, 200), (255, 255, 255)).save(sys.argv[1], quality=90)' "$d/blank.jpg"
}

# The width and height of a picture as shown (EXIF orientation applied).
upright_size() {
	"$PYTHON" -c 'import sys; from PIL import Image, ImageOps
w, h = ImageOps.exif_transpose(Image.open(sys.argv[1])).size; print(w, h)' "$1"
}

# Every line of output is one object with exactly the documented members,
# the lines of each file numbered 1, 2, ... in order, boxes of four integer
# corners inside a W x H picture, confidences in (0, 1].
assert_lines_valid() { # w h
	printf '%s\n' "$output" | jq -se --argjson w "$1" --argjson h "$2" '
		length > 0 and all(.[];
			(keys_unsorted == ["file", "line", "box", "text", "confidence"]) and
			(.text | type == "string" and length > 0) and
			(.confidence > 0 and .confidence <= 1) and
			(.box | length == 4 and all(.[];
				length == 2 and all(.[]; type == "number" and . == floor) and
				.[0] >= 0 and .[0] < $w and .[1] >= 0 and .[1] < $h))) and
		(group_by(.file) | all(.[]; [.[].line] == [range(1; length + 1)]))' >/dev/null ||
		fail "text lines not as documented: $output"
}

@test "--text-lines: the real card back gives its authority and validity with boxes inside the picture" {
	local size
	run --separate-stderr "$FAIZ" --text-lines "$BACK"
	assert_success
	size="$(upright_size "$BACK")"
	assert_lines_valid $size
	printf '%s\n' "$output" | jq -se 'any(.[]; .text | contains("瑞金市公安局"))' >/dev/null ||
		fail "no line with 瑞金市公安局: $output"
	printf '%s\n' "$output" | jq -se 'any(.[]; .text | contains("2017.07.19-2027.07.19"))' >/dev/null ||
		fail "no line with the validity: $output"
	# Reading order: the authority comes before the validity below it.
	run jq -rs '[.[].text] | (map(contains("公安局")) | index(true)) <
		(map(contains("2027.07.19")) | index(true))' <<<"$output"
	assert_output true
	[[ "$stderr" == *"1 image read, 0 failed"* ]] || fail "summary: $stderr"
}

@test "--text-lines: a synthetic front gives its printed name and number, upright also when EXIF turns it" {
	local f size
	for f in front turned; do
		run --separate-stderr "$FAIZ" --text-lines "$BATS_FILE_TMPDIR/$f.jpg"
		assert_success
		size="$(upright_size "$BATS_FILE_TMPDIR/$f.jpg")"
		[ "$size" = "1200 757" ] || fail "upright size of $f.jpg is $size"
		assert_lines_valid $size
		jq -se 'any(.[]; .text == "李四")' <<<"$output" >/dev/null || fail "$f: no 李四: $output"
		jq -se 'any(.[]; .text | contains("440105199208220038"))' <<<"$output" >/dev/null ||
			fail "$f: no ID number: $output"
		jq -se --arg f "$BATS_FILE_TMPDIR/$f.jpg" 'all(.[]; .file == $f)' <<<"$output" >/dev/null ||
			fail "$f: file member: $output"
	done
}

@test "--text-lines: a picture with no text prints nothing for it and exits 0" {
	run --separate-stderr "$FAIZ" --text-lines "$BATS_FILE_TMPDIR/blank.jpg"
	assert_success
	assert_output ""
	[[ "$stderr" == *"1 image read, 0 failed, 0 text lines"* ]] || fail "summary: $stderr"
}

@test "--text-lines: a non-JPEG, a truncated and a missing file are named, the good file still prints, exit 1" {
	printf 'not a picture\n' >notjpeg.jpg
	head -c 20000 "$BACK" >truncated.jpg
	run --separate-stderr "$FAIZ" --text-lines notjpeg.jpg truncated.jpg missing.jpg "$BACK"
	assert_failure 1
	assert_equal "$(jq -r .file <<<"$output" | sort -u)" "$BACK"
	jq -se 'any(.[]; .text | contains("瑞金市公安局"))' <<<"$output" >/dev/null || fail "$output"
	[[ "$stderr" == *"faiz-idcard: notjpeg.jpg: not a JPEG"* ]] || fail "stderr: $stderr"
	[[ "$stderr" == *"faiz-idcard: truncated.jpg: truncated JPEG"* ]] || fail "stderr: $stderr"
	[[ "$stderr" == *"faiz-idcard: missing.jpg: No such file or directory"* ]] || fail "stderr: $stderr"
	[[ "$stderr" == *"1 image read, 3 failed"* ]] || fail "summary: $stderr"
}

@test "--text-lines: a directory gives its JPEGs in name order; -q leaves stderr empty" {
	mkdir -p pics/sub
	cp "$BATS_FILE_TMPDIR/blank.jpg" pics/a.jpg
	cp "$BACK" pics/sub/b.jpg
	run --separate-stderr "$FAIZ" --text-lines -q -r pics
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(jq -r .file <<<"$output" | sort -u)" "pics/sub/b.jpg"
}

@test "--text-lines -o FILE: the same lines, mode 0600, an existing file kept without --force" {
	run --separate-stderr "$FAIZ" --text-lines "$BACK"
	assert_success
	printf '%s\n' "$output" >expected
	run "$FAIZ" --text-lines -q -o lines.ndjson "$BACK"
	assert_success
	assert_output ""
	cmp expected lines.ndjson
	assert_equal "$(stat -c %a lines.ndjson)" 600
	run "$FAIZ" --text-lines -q -o lines.ndjson "$BACK"
	assert_failure 2
	assert_output --partial "lines.ndjson"
	cmp expected lines.ndjson
	run "$FAIZ" --text-lines -q --force -o lines.ndjson "$BATS_FILE_TMPDIR/blank.jpg"
	assert_success
	[ ! -s lines.ndjson ] || fail "lines.ndjson not replaced by the blank picture's (no) lines"
}

@test "--text-lines: no credentials and no configuration are needed" {
	# The helper clears FAIZ_* but FAIZ_MODELS and isolates HOME: no keys anywhere.
	[ -z "${FAIZ_ACCESS_KEY:-}" ] && [ -z "${FAIZ_SECRET_KEY:-}" ]
	[ ! -e "$HOME/.config/faiz" ]
	run --separate-stderr "$FAIZ" --text-lines "$BACK"
	assert_success
	[ "${#lines[@]}" -ge 2 ]
}

@test "--models DIR: an empty directory fails with every file it looked for, exit 2, nothing printed" {
	mkdir empty
	run --separate-stderr "$FAIZ" --text-lines --models empty "$BACK"
	assert_failure 2
	assert_output ""
	[[ "$stderr" == *"no usable OCR models: --models empty ("* ]] || fail "stderr: $stderr"
	[[ "$stderr" == *"ch_PP-OCRv4_det_infer.onnx missing"* ]] || fail "stderr: $stderr"
	[[ "$stderr" == *"ch_PP-OCRv4_rec_infer.onnx missing"* ]] || fail "stderr: $stderr"
	[[ "$stderr" == *"ppocr_keys_v1.txt missing"* ]] || fail "stderr: $stderr"
	# A directory named explicitly is the only place looked at, even with
	# good models in FAIZ_MODELS.
	run --separate-stderr "$FAIZ" --text-lines --models nowhere "$BACK"
	assert_failure 2
	[[ "$stderr" == *"--models nowhere (no such directory)"* ]] || fail "stderr: $stderr"
	[[ "$stderr" != *"FAIZ_MODELS"* ]] || fail "stderr: $stderr"
	# With -o nothing is left behind.
	run "$FAIZ" --text-lines -q --models empty -o out.ndjson "$BACK"
	assert_failure 2
	[ ! -e out.ndjson ]
}

@test "--models DIR: a copy of the models works; an altered model is named, exit 2" {
	local f
	mkdir good bad
	for f in "$FAIZ_MODELS"/*.onnx "$FAIZ_MODELS"/*.txt; do
		ln -s "$f" "good/${f##*/}"
		cp "$f" "bad/${f##*/}"
	done
	run --separate-stderr env -u FAIZ_MODELS "$FAIZ" --text-lines --models good "$BACK"
	assert_success
	jq -se 'any(.[]; .text | contains("瑞金市公安局"))' <<<"$output" >/dev/null || fail "$output"
	# One byte changed: same size, wrong digest.
	printf 'X' | dd of=bad/ppocr_keys_v1.txt bs=1 seek=100 conv=notrunc status=none
	run --separate-stderr "$FAIZ" --text-lines --models bad "$BACK"
	assert_failure 2
	assert_output ""
	[[ "$stderr" == *"--models bad (ppocr_keys_v1.txt wrong SHA-256)"* ]] || fail "stderr: $stderr"
}

@test "FAIZ_MODELS: used when set, and when wrong it is named in the message, exit 2" {
	run --separate-stderr "$FAIZ" --text-lines "$BACK"
	assert_success
	printf '%s\n' "$output" >expected
	mkdir elsewhere
	ln -s "$FAIZ_MODELS"/* elsewhere/
	run --separate-stderr env FAIZ_MODELS="$PWD/elsewhere" "$FAIZ" --text-lines "$BACK"
	assert_success
	assert_equal "$output" "$(cat expected)"
	mkdir empty
	run --separate-stderr env FAIZ_MODELS="$PWD/empty" "$FAIZ" --text-lines "$BACK"
	assert_failure 2
	assert_output ""
	[[ "$stderr" == *"no usable OCR models: FAIZ_MODELS $PWD/empty ("* ]] || fail "stderr: $stderr"
	# --models wins over FAIZ_MODELS.
	run --separate-stderr env FAIZ_MODELS="$PWD/empty" "$FAIZ" --text-lines --models elsewhere "$BACK"
	assert_success
	assert_equal "$output" "$(cat expected)"
}

@test "--text-lines: gateway options, record options and other formats are usage errors (exit 2)" {
	local args
	for args in "--rate 2" "--endpoint http://127.0.0.1:1" "--timeout 9" "--dry-run" \
		"--raw" "--insecure" "--no-resize"; do
		# shellcheck disable=SC2086
		run "$FAIZ" --text-lines $args "$BACK"
		assert_failure 2
		assert_line --index 0 --regexp "^faiz-idcard: --text-lines: --[a-z-]+ is an option of the faiz engine: it cannot be used with the local engine\$"
		assert_output --partial "usage: faiz-idcard"
	done
	for args in "-f csv" "-f table" "--pair" "--mask" "--strict" "--check-id" \
		"--save-images d" "--resume r.ndjson" "-j 2" "--unordered" "--as-of 2024-01-01"; do
		# shellcheck disable=SC2086
		run "$FAIZ" --text-lines $args "$BACK"
		assert_failure 2
		assert_line --index 0 --partial "faiz-idcard: --text-lines prints ndjson text lines: it cannot be used with"
	done
	run "$FAIZ" --text-lines
	assert_failure 2
	assert_line --index 0 "faiz-idcard: no input files"
	# -f ndjson is what it prints anyway.
	run --separate-stderr "$FAIZ" --text-lines -f ndjson "$BATS_FILE_TMPDIR/blank.jpg"
	assert_success
}

@test "--models with the faiz engine is a usage error (exit 2)" {
	run "$FAIZ" --engine faiz --models "$FAIZ_MODELS" "$BACK"
	assert_failure 2
	assert_line --index 0 "faiz-idcard: --models is an option of the local engine: it cannot be used with the faiz engine"
	run "$FAIZ" --models ''  --text-lines "$BACK"
	assert_failure 2
	assert_line --index 0 "faiz-idcard: --models: empty directory name"
}

@test "--text-lines -v: one note per image with its number of lines" {
	run --separate-stderr "$FAIZ" --text-lines -v "$BATS_FILE_TMPDIR/blank.jpg" "$BACK"
	assert_success
	[[ "$stderr" == *"blank.jpg: 0 text lines, "* ]] || fail "stderr: $stderr"
	[[ "$stderr" == *"$BACK: $(printf '%s\n' "$output" | grep -c .) text lines, "* ]] || fail "stderr: $stderr"
}
