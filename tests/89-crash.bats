# Issue F.3, F.5, F.10, F.12: kill -9 loses no paid record (the journal beside -o/--resume files), resume classes, --retry-failed, non-ndjson resume files refused.
bats_require_minimum_version 1.5.0
load helper

setup_file() {
	emu_start
	local d="$BATS_FILE_TMPDIR/more" i
	mkdir -p "$d"
	for i in 1 2 3 4 5 6; do
		"$PYTHON" "$MKCARDS" front -o "$d/$i.jpg" --name "测试$i" >&2
	done
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	mkdir -p work
	cp "$BATS_FILE_TMPDIR"/more/*.jpg work/
	cd work
	BG=
}

teardown() {
	if [ -n "${BG:-}" ] && kill -0 "$BG" 2>/dev/null; then
		kill -KILL "$BG" 2>/dev/null
		wait "$BG" 2>/dev/null
	fi
	return 0
}

faiz() { run --separate-stderr "$FAIZ" --rate 50 --retries 1 -j 1 "$@"; }

sha() { sha256sum <"$1" | cut -d' ' -f1; }
sent_shas() { emu_requests | jq -r '.[].body_sha256' | sort; }
shas_of() {
	local f
	for f in "$@"; do sha "$f"; done | sort
}
nreqs() { emu_stats | jq -r .requests; }

# kill9_at N CMD...: start CMD in the background with 1 s of latency and -j 1,
# kill -9 it once the emulator has received request N (so answers 1..N-1 came
# back to it, and request N is in flight), then wait until that request is
# answered too. Nothing is timed: the moment is a count the emulator reports.
kill9_at() {
	local n="$1" i
	shift
	emu_config '{"latency": 1}'
	"$FAIZ" --rate 50 --retries 1 -j 1 "$@" >bg.out 2>bg.err &
	BG=$!
	for i in $(seq 400); do
		[ "$(nreqs)" -ge "$n" ] && break
		sleep 0.05
	done
	assert_equal "$(nreqs)" "$n"
	kill -KILL "$BG"
	wait "$BG" || true
	BG=
	for i in $(seq 100); do
		[ "$(emu_stats | jq -r '.requests == .charged')" = true ] && break
		sleep 0.05
	done
	emu_config '{"latency": 0}'
}

# The files (by sha256) of the images the emulator was sent after mark.
sent_since() { emu_requests | jq -r --argjson m "$1" '.[$m:][].body_sha256' | sort; }

# Records in an output of format FMT, as "file error" lines in file order.
records_of() {
	local fmt="$1" f="$2"
	case $fmt in
	ndjson) jq -r '.file + " " + (.error | tostring)' "$f" ;;
	json) jq -r '.[] | .file + " " + (.error | tostring)' "$f" ;;
	csv) "$PYTHON" -c 'import csv,sys
r = list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))
for x in r: print(x["file"], "null" if x["error_code"] == "" else x["error_code"])' "$f" ;;
	xlsx) "$PYTHON" -c 'import openpyxl,sys
ws = openpyxl.load_workbook(sys.argv[1]).active
rows = list(ws.iter_rows(values_only=True))
h = list(rows[0])
for x in rows[1:]:
    e = x[h.index("error_code")]
    print(x[h.index("file")], "null" if e in (None, "") else e)' "$f" ;;
	esac
}

expected_six() { for i in 1 2 3 4 5 6; do echo "$i.jpg null"; done; }

# --- F.10: kill -9 with -o, every format -------------------------------------

kill_and_rerun() {
	local fmt="$1" out="out.$1" mark
	kill9_at 4 -f "$fmt" -o "$out" 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg
	[ ! -e "$out" ]
	# Records 1-3 came back before the kill: they are in the journal, mode 0600.
	assert_equal "$(stat -c %a ".$out.faiz-journal")" 600
	assert_equal "$(grep -c '"sha256"' ".$out.faiz-journal")" 3
	mark="$(nreqs)"
	faiz -f "$fmt" -o "$out" 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg
	assert_equal "$status" 0
	# Only 4 (in flight at the kill, never answered to the client), 5 and 6 are paid for.
	assert_equal "$(sent_since "$mark")" "$(shas_of 4.jpg 5.jpg 6.jpg)"
	assert_equal "$(records_of "$fmt" "$out")" "$(expected_six)"
	printf '%s\n' "$stderr" | grep -q '^faiz-idcard: 3 of the records were taken from the journal'
	# No journal, no temporary file left.
	assert_equal "$(ls -A | grep -c '^\.')" 0
}

@test "kill -9 during -o out.ndjson: the same command again recovers the 3 paid records without paying, no temporary file left" {
	kill_and_rerun ndjson
}

@test "kill -9 during -o out.csv: recovered without paying, in input order" {
	kill_and_rerun csv
}

@test "kill -9 during -o out.json: recovered without paying, one JSON array" {
	kill_and_rerun json
}

@test "kill -9 during -o out.xlsx: recovered without paying, a whole workbook" {
	kill_and_rerun xlsx
}

@test "kill -9 twice: the journal keeps the records of both runs; the third run pays only for the rest" {
	kill9_at 3 -o out.ndjson 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg
	kill9_at 6 -o out.ndjson 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg
	mark="$(nreqs)"
	faiz -o out.ndjson 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg
	assert_equal "$status" 0
	# Run 1 journaled 1-2 (3 in flight); run 2 took those, journaled 3-4 (5 in flight).
	assert_equal "$(sent_since "$mark")" "$(shas_of 5.jpg 6.jpg)"
	assert_equal "$(records_of ndjson out.ndjson)" "$(expected_six)"
	assert_equal "$(ls -A | grep -c '^\.')" 0
}

@test "kill -9 during --resume FILE: the journal beside FILE; the next --resume appends the lost records once, pays for none of them" {
	faiz --resume out.ndjson 1.jpg
	assert_equal "$status" 0
	kill9_at 5 --resume out.ndjson 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg
	[ -e .out.ndjson.faiz-journal ]
	mark="$(nreqs)"
	faiz --resume out.ndjson 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg
	assert_equal "$status" 0
	assert_equal "$(sent_since "$mark")" "$(shas_of 5.jpg 6.jpg)"
	# Each image exactly once in FILE, whatever the crash had flushed.
	assert_equal "$(jq -r .file out.ndjson | sort)" "$(printf '%s.jpg\n' 1 2 3 4 5 6)"
	[ ! -e .out.ndjson.faiz-journal ]
}

@test "a second run on the same -o while the first runs is refused (the journal is locked), nothing sent" {
	emu_config '{"latency": 1}'
	"$FAIZ" --rate 50 -j 1 -o out.ndjson 1.jpg 2.jpg >bg.out 2>bg.err &
	BG=$!
	for i in $(seq 100); do
		[ -e .out.ndjson.faiz-journal ] && [ "$(nreqs)" -ge 1 ] && break
		sleep 0.05
	done
	mark="$(nreqs)"
	faiz -o out.ndjson 3.jpg
	assert_equal "$status" 2
	printf '%s\n' "$stderr" | grep -Fq 'faiz-idcard: .out.ndjson.faiz-journal: another run is writing this output'
	wait "$BG"
	BG=
	assert_equal "$(sent_shas | grep -c "$(sha 3.jpg)")" 0
	assert_equal "$(records_of ndjson out.ndjson)" "$(printf '1.jpg null\n2.jpg null')"
}

# --- F.10: --resume with -o, every format -------------------------------------

@test "--resume FILE -o OUT: FILE's records and the new ones in OUT, in any format, only the new ones paid for" {
	faiz --resume done.ndjson 1.jpg 2.jpg 3.jpg
	assert_equal "$status" 0
	before="$(sha done.ndjson)"
	for fmt in ndjson json csv xlsx; do
		emu_reset
		faiz --resume done.ndjson -f "$fmt" -o "out.$fmt" 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg
		assert_equal "$status" 0
		assert_equal "$(sent_shas)" "$(shas_of 4.jpg 5.jpg 6.jpg)"
		assert_equal "$(records_of "$fmt" "out.$fmt")" "$(expected_six)"
		printf '%s\n' "$stderr" | grep -Eq '^faiz-idcard: 3 recognised, 0 failed, 3 skipped, '
	done
	# FILE is read, never written, with -o.
	assert_equal "$(sha done.ndjson)" "$before"
}

# --- F.3: charged failures ------------------------------------------------------

@test "--resume: a 40007 answer is a charged failure, skipped by default and kept once; --retry-failed sends it again" {
	emu_faults '["ec:40007"]'
	faiz --resume out.ndjson 1.jpg 2.jpg
	assert_equal "$status" 1
	assert_equal "$(jq -r '.file + " " + (.error.code // "null")' out.ndjson)" "$(printf '1.jpg 40007\n2.jpg null')"
	emu_reset
	faiz --resume out.ndjson 1.jpg 2.jpg 3.jpg
	assert_equal "$status" 0
	assert_equal "$(sent_shas)" "$(shas_of 3.jpg)"
	emu_reset
	faiz --resume out.ndjson 1.jpg 2.jpg 3.jpg
	assert_equal "$status" 0
	assert_equal "$(nreqs)" 0
	assert_equal "$(jq -r .file out.ndjson | sort | uniq -c | awk '{print $1}' | sort -u)" 1
	emu_reset
	faiz --resume out.ndjson --retry-failed 1.jpg 2.jpg 3.jpg
	assert_equal "$status" 0
	assert_equal "$(sent_shas)" "$(shas_of 1.jpg)"
	# The new record follows the old one; a later --resume takes the last.
	assert_equal "$(jq -r 'select(.file == "1.jpg") | .error.code // "null"' out.ndjson)" "$(printf '40007\nnull')"
	emu_reset
	faiz --resume out.ndjson --retry-failed 1.jpg 2.jpg 3.jpg
	assert_equal "$(nreqs)" 0
}

@test "--resume: images that came back bad (fields paid for) are a charged failure, not sent again without --retry-failed" {
	emu_faults '["not-jpeg-image"]'
	faiz --resume out.ndjson --save-images imgs 1.jpg
	assert_equal "$status" 1
	assert_equal "$(jq -r .error.code out.ndjson)" bad_image
	emu_reset
	faiz --resume out.ndjson --save-images imgs 1.jpg
	assert_equal "$status" 0
	assert_equal "$(nreqs)" 0
	assert_equal "$(wc -l <out.ndjson)" 1
}

@test "--resume: transient failures (a 5xx answer, 50004, 1414, not_sent) are sent again" {
	emu_faults '["502", "502", "50004", "50004", "1414", "1414"]'
	faiz --resume out.ndjson --retries 1 1.jpg 2.jpg 3.jpg
	assert_equal "$(jq -r '.error.code // "null"' out.ndjson | grep -c null)" 0
	assert_equal "$(wc -l <out.ndjson)" 3
	emu_reset
	faiz --resume out.ndjson 1.jpg 2.jpg 3.jpg
	assert_equal "$status" 0
	assert_equal "$(sent_shas)" "$(shas_of 1.jpg 2.jpg 3.jpg)"
}

@test "--retry-failed without --resume: usage error, exit 2" {
	faiz --retry-failed 1.jpg
	assert_equal "$status" 2
	printf '%s\n' "$stderr" | grep -Fq 'faiz-idcard: --retry-failed goes with --resume FILE'
}

# --- F.5: not ndjson --------------------------------------------------------------

@test "--resume on a pretty JSON array, a CSV file or a workbook: refused, exit 2, file untouched, nothing sent" {
	faiz -f json -o out.json 1.jpg 2.jpg
	faiz -f csv -o out.csv 1.jpg 2.jpg
	faiz -f xlsx -o out.xlsx 1.jpg 2.jpg
	emu_reset
	for f in out.json out.csv out.xlsx; do
		before="$(sha "$f")"
		faiz --resume "$f" 1.jpg 2.jpg 3.jpg
		assert_equal "$status" 2
		assert_equal "$output" ""
		printf '%s\n' "$stderr" | grep -Fq "faiz-idcard: $f: not an ndjson file of records"
		assert_equal "$(sha "$f")" "$before"
	done
	assert_equal "$(nreqs)" 0
}

# --- F.12: saved images ----------------------------------------------------------

@test "kill -9 with --save-images: the images saved before it belong to the records of the rerun; no exists, nothing paid twice" {
	kill9_at 4 -o out.ndjson --save-images imgs 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg
	mark="$(nreqs)"
	faiz -o out.ndjson --save-images imgs 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg
	assert_equal "$status" 0
	assert_equal "$(sent_since "$mark")" "$(shas_of 4.jpg 5.jpg 6.jpg)"
	assert_equal "$(records_of ndjson out.ndjson)" "$(expected_six)"
	# Every record names its three images, and they are there, 0600.
	assert_equal "$(jq -r '.images | length' out.ndjson | sort -u)" 3
	for p in $(jq -r '.images[]' out.ndjson); do
		assert_equal "$(stat -c %a "$p")" 600
	done
	assert_equal "$(ls imgs | wc -l)" 18
	assert_equal "$(ls -A imgs | grep -c '^\.')" 0
}

@test "images staged but not yet named when killed: the rerun gives them their names from the journal" {
	# The state kill -9 leaves between journaling a record and naming its
	# images: the image in a temporary file, the journal line naming it.
	faiz -o first.ndjson --save-images imgs 1.jpg
	assert_equal "$status" 0
	mv imgs/1.cropped.jpg imgs/.faiz-0123456789abcdef.tmp
	rm imgs/1.portrait.jpg imgs/1.id_number.jpg
	jq -c '.images = {cropped: .images.cropped} | . + {faiz_saving: {cropped: ".faiz-0123456789abcdef.tmp"}}' \
		first.ndjson >.out.ndjson.faiz-journal
	chmod 600 .out.ndjson.faiz-journal
	emu_reset
	faiz -o out.ndjson --save-images imgs 1.jpg
	assert_equal "$status" 0
	assert_equal "$(nreqs)" 0
	[ -f imgs/1.cropped.jpg ]
	[ ! -e imgs/.faiz-0123456789abcdef.tmp ]
	assert_equal "$(jq -r '.images.cropped' out.ndjson)" imgs/1.cropped.jpg
	assert_equal "$(jq -r 'has("faiz_saving")' out.ndjson)" false
}
