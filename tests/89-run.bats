# Issue F.2, F.4, F.11, F.21: signals keep what is paid for, one upload per content, --from-records, --summary.
bats_require_minimum_version 1.5.0
load helper

NCARDS=12

setup_file() {
	emu_start
	local d="$BATS_FILE_TMPDIR/cards12" i
	mkdir -p "$d"
	for i in $(seq "$NCARDS"); do
		"$PYTHON" "$MKCARDS" front -o "$d/$i.jpg" --name "测试$i" >&2
	done
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	C="$(cards)"
	mkdir -p work
	cp "$BATS_FILE_TMPDIR"/cards12/*.jpg work/
	BG=
}

teardown() {
	if [ -n "${BG:-}" ] && kill -0 "$BG" 2>/dev/null; then
		kill -KILL "$BG" 2>/dev/null
		wait "$BG" 2>/dev/null
	fi
	# An emulator a test started for itself (the file's own stays up).
	if [ "${EMU_SCOPE:-}" = test ]; then
		emu_stop
	fi
	return 0
}

# --- helpers ---------------------------------------------------------------------

faiz() { run --separate-stderr "$FAIZ" --rate 50 --retries 1 "$@"; }

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# The SHA-256 of the bodies the emulator received, sorted.
sent_shas() { emu_requests | jq -r '.[].body_sha256' | sort; }

# The 12 inputs, in order.
inputs() {
	local i
	for i in $(seq "$NCARDS"); do printf '%s.jpg ' "$i"; done
}

# Every line of FILE is a whole JSON record; prints the count.
whole_records() {
	local f="$1" n=0 line
	if [ -s "$f" ]; then
		assert_equal "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' ')" 0a
	fi
	while IFS= read -r line; do
		printf '%s\n' "$line" | jq -e 'type == "object" and has("file") and has("error")' >/dev/null || {
			echo "$f: not a whole record: $line" >&2
			return 1
		}
		n=$((n + 1))
	done <"$f"
	echo "$n"
}

# bg ARGS...: the client in work/ in the background, answers 3 s late (or $LATENCY), the signals at
# their default action as in a foreground job.
bg() {
	emu_config "{\"latency\": ${LATENCY:-3}}"
	(cd work && exec env --default-signal=INT,TERM,HUP "$FAIZ" --rate 50 -j 8 "$@") \
		>"$BATS_TEST_TMPDIR/bg.out" 2>"$BATS_TEST_TMPDIR/bg.err" 3>&- &
	BG=$!
}

# until_true SECONDS CMD...: poll CMD every 0.05 s; fail when it never succeeds.
until_true() {
	local n=$(($1 * 20)) i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	echo "never true: $*" >&2
	return 1
}

received_at_least() { [ "$(nreq)" -ge "$1" ]; }
client_ended() { ! kill -0 "$BG" 2>/dev/null; }
said() { grep -q "$1" "$BATS_TEST_TMPDIR/bg.err"; }
emu_answered_all() { [ "$(emu_requests | jq '[.[] | select(.status == null)] | length')" = 0 ]; }

# reap: the client has ended (at most 20 s); its status in BG_STATUS.
reap() {
	until_true 20 client_ended
	BG_STATUS=0
	wait "$BG" || BG_STATUS=$?
	BG=
}

# One signal while 8 uploads are in flight: all 8 answers are awaited and recorded, nothing more is
# sent, every image is counted, and --resume pays only for the 4 never sent.
one_signal() {
	local sig="$1" kept
	bg -o out.ndjson $(inputs)
	until_true 10 received_at_least 8
	kill -"$sig" "$BG"
	reap
	assert_equal "$BG_STATUS" 130
	until_true 10 emu_answered_all
	assert_equal "$(nreq)" 8
	# Every charged call has its record, and every record is a recognition.
	kept="$(whole_records work/out.ndjson)"
	assert_equal "$kept" "$(charged)"
	assert_equal "$kept" 8
	assert_equal "$(jq -s '[.[] | select(.error == null)] | length' work/out.ndjson)" 8
	assert_equal "$(stat -c %a work/out.ndjson)" 600
	assert_equal "$(cd work && ls -A | grep -c '^\.faiz-')" 0
	grep -q 'interrupted: waiting for 8 answers in flight (interrupt again to abandon them)' "$BATS_TEST_TMPDIR/bg.err"
	# Every image counted in the summary: 8 recognised, 4 not sent.
	grep -q ': 8 recognised, 0 failed, 0 skipped, 4 not sent, 0 refused, 80 points charged' "$BATS_TEST_TMPDIR/bg.err"

	first_shas="$(sent_shas)"
	emu_reset
	cd work
	faiz --resume out.ndjson $(inputs)
	cd ..
	assert_equal "$status" 0
	assert_equal "$(nreq)" 4
	assert_equal "$(comm -12 <(printf '%s\n' "$first_shas") <(sent_shas))" ""
	assert_equal "$(whole_records work/out.ndjson)" 12
	assert_equal "$(jq -r .file work/out.ndjson | sort -n | tr '\n' ' ')" "$(inputs)"
	[[ "$stderr" == *"8 skipped"* ]]
}

# --- F.2 signals -------------------------------------------------------------------

@test "F.2 SIGINT with 8 in flight: their 8 answers are kept, nothing more sent, --resume pays only for the 4 left" {
	one_signal INT
}

@test "F.2 SIGTERM with 8 in flight: the same" {
	one_signal TERM
}

@test "F.2 SIGHUP (a closed terminal) is handled like SIGINT" {
	one_signal HUP
}

@test "F.2 a second signal abandons the answers in flight at once: exit 130, a well-formed file, each image counted" {
	LATENCY=6 bg --summary sum.json -o out.ndjson $(inputs)
	until_true 10 received_at_least 8
	kill -INT "$BG"
	until_true 10 said 'interrupted: waiting for'
	kill -INT "$BG"
	reap
	# The client did not wait for the service: it still owed answers when the client had ended.
	assert_equal "$(emu_requests | jq '[.[] | select(.status == null)] | length')" 8
	assert_equal "$BG_STATUS" 130
	[ -f work/out.ndjson ]
	assert_equal "$(whole_records work/out.ndjson)" 0
	assert_equal "$(cd work && ls -A | grep -c '^\.faiz-')" 0
	grep -q '8 answers abandoned in flight: possibly charged, no record kept' "$BATS_TEST_TMPDIR/bg.err"
	grep -q ': 0 recognised, 0 failed, 0 skipped, 8 abandoned in flight, 4 not sent' "$BATS_TEST_TMPDIR/bg.err"
	assert_equal "$(jq -c '[.total, .recognised, .possibly_charged, .not_sent, .interrupted, .exit_status]' work/sum.json)" \
		'[12,0,8,4,true,130]'
	# The service still charges the 8: let it finish before the next test counts.
	until_true 15 emu_answered_all
	assert_equal "$(charged)" 8
}

@test "F.2 a signal while answers are paced: what waits for its turn is not sent, the one in flight is kept" {
	bg --rate 0.5 -j 2 -o out.ndjson 1.jpg 2.jpg 3.jpg 4.jpg
	until_true 10 received_at_least 1
	kill -TERM "$BG"
	reap
	assert_equal "$BG_STATUS" 130
	until_true 10 emu_answered_all
	assert_equal "$(nreq)" 1
	assert_equal "$(whole_records work/out.ndjson)" 1
	assert_equal "$(jq -r .file work/out.ndjson)" 1.jpg
	grep -q ': 1 recognised, 0 failed, 0 skipped, 3 not sent' "$BATS_TEST_TMPDIR/bg.err"
}

# --- F.4 duplicates ------------------------------------------------------------------

@test "F.4 a copy, a symbolic link and a name given twice: one charged call, a record for each path" {
	cd work
	cp 1.jpg copy.jpg
	ln -s 1.jpg link.jpg
	faiz -j 4 -o out.ndjson 1.jpg copy.jpg link.jpg 1.jpg 2.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 2
	assert_equal "$(charged)" 2
	assert_equal "$(jq -r .file out.ndjson | tr '\n' ' ')" "1.jpg copy.jpg link.jpg 1.jpg 2.jpg "
	assert_equal "$(jq -r '.duplicate_of // "-"' out.ndjson | tr '\n' ' ')" "- 1.jpg 1.jpg 1.jpg - "
	# The same fields in each record of the same content.
	assert_equal "$(jq -c 'select(.sha256 == "'"$(sha 1.jpg)"'") | [.name, .id_number, .side, .error]' out.ndjson | sort -u | wc -l)" 1
	assert_equal "$(jq -r 'select(.file == "link.jpg") | .name' out.ndjson)" 测试1
	[[ "$stderr" == *": 2 recognised, 0 failed, 0 skipped, 3 duplicates, 0 not sent, 0 refused, 20 points charged"* ]]
	# --resume over the lot sends nothing.
	emu_reset
	faiz --resume out.ndjson 1.jpg copy.jpg link.jpg 2.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 0
}

@test "F.4 a duplicate of an image that failed carries the same error and is not sent" {
	cd work
	cp 1.jpg copy.jpg
	emu_faults '["ec:40007"]'
	faiz -j 1 -f ndjson 1.jpg copy.jpg
	assert_equal "$status" 1
	assert_equal "$(nreq)" 1
	assert_equal "$(jq -r '[.file, .error.code, .duplicate_of // "-"] | join(" ")' <<<"$output" | tr '\n' ';')" \
		"1.jpg 40007 -;copy.jpg 40007 1.jpg;"
	[[ "$stderr" == *": 0 recognised, 1 failed, 0 skipped, 1 duplicates, 0 not sent"* ]]
}

@test "F.4 --save-images: a copy gets its own copies of the images, from the one upload" {
	cd work
	cp 1.jpg copy.jpg
	faiz -j 2 --save-images img -f ndjson 1.jpg copy.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 1
	assert_equal "$(jq -r '.images.portrait' <<<"$output" | tr '\n' ' ')" "img/1.portrait.jpg img/copy.portrait.jpg "
	for k in cropped portrait id_number; do
		cmp "img/1.$k.jpg" "img/copy.$k.jpg"
		assert_equal "$(stat -c %a "img/copy.$k.jpg")" 600
	done
}

@test "F.4 --dry-run plans one upload per content" {
	cd work
	cp 1.jpg copy.jpg
	env -u FAIZ_ACCESS_KEY -u FAIZ_SECRET_KEY "$FAIZ" --dry-run -f ndjson 1.jpg copy.jpg 2.jpg >out 2>err
	grep -q 'dry run: 2 images would be sent, costing 20 points' err
	assert_equal "$(jq -r '.duplicate_of // "-"' out | tr '\n' ' ')" "- 1.jpg - "
}

# --- F.11 --from-records -----------------------------------------------------------

# The session id and timings differ between two uploads of the same image.
NOT_PER_UPLOAD='walk(if type == "object" then del(.sid, .time_cost) else . end)'
csv_fixed() {
	/usr/bin/python3 -c '
import csv, sys
rows = list(csv.reader(sys.stdin))
keep = [i for i, h in enumerate(rows[0]) if h != "sid" and not h.startswith("time_cost")]
w = csv.writer(sys.stdout)
for r in rows:
    w.writerow([r[i] for i in keep])'
}

# Records of a front and a back of the same person, and of one more front; then no emulator and no
# credentials at all.
records_then_offline() {
	emu_start
	cp "$C/front_zhangsan.jpg" work/zhangsan_front.jpg
	cp "$C/back_zhangsan.jpg" work/zhangsan_back.jpg
	cd work
	faiz -j 2 -o rec.ndjson zhangsan_front.jpg zhangsan_back.jpg 3.jpg
	assert_equal "$status" 0
	# What a run renders directly, to compare with.
	"$FAIZ" --rate 50 --as-of 2026-01-01 --pair --mask -f json zhangsan_front.jpg zhangsan_back.jpg 3.jpg >direct.json
	"$FAIZ" --rate 50 --as-of 2026-01-01 --mask -f csv zhangsan_front.jpg zhangsan_back.jpg 3.jpg >direct.csv
	emu_stop
	unset FAIZ_ENDPOINT FAIZ_ACCESS_KEY FAIZ_SECRET_KEY
}

@test "F.11 --from-records renders ndjson as json, csv, table and xlsx with --pair and --mask, offline, with no credentials" {
	records_then_offline
	run --separate-stderr "$FAIZ" --from-records rec.ndjson --as-of 2026-01-01 --pair --mask -f json
	assert_equal "$status" 0
	# The same as rendered by the run itself, but for what differs from one upload to the next.
	assert_equal "$(jq -S "$NOT_PER_UPLOAD" <<<"$output")" "$(jq -S "$NOT_PER_UPLOAD" direct.json)"
	jq -e 'length == 2 and (.[0].files | length) == 2' <<<"$output" >/dev/null
	[[ "$output" != *4401051992082200* ]]
	[[ "$stderr" == *"3 records read: 3 recognised, 0 failed"* ]]

	run --separate-stderr "$FAIZ" --from-records rec.ndjson --as-of 2026-01-01 --mask -f csv
	assert_equal "$status" 0
	assert_equal "$(csv_fixed <<<"$output")" "$(csv_fixed <direct.csv)"

	run --separate-stderr "$FAIZ" --from-records rec.ndjson -f table --mask
	assert_equal "$status" 0
	[[ "$output" == *zhangsan_back.jpg* && "$output" == *3.jpg* ]]
	[[ "$output" != *4401051992082200* ]]

	run --separate-stderr "$FAIZ" --from-records rec.ndjson -f xlsx -o rec.xlsx --pair
	assert_equal "$status" 0
	assert_equal "$(stat -c %a rec.xlsx)" 600
	# The workbook: a header row, one person and one unpaired record.
	assert_equal "$(/usr/bin/python3 -c 'import openpyxl,sys; print(openpyxl.load_workbook(sys.argv[1]).active.max_row)' rec.xlsx)" 3
}

@test "F.11 --from-records: a -f json array reads back the same; the checks and -o work; nothing goes to the network" {
	records_then_offline
	"$FAIZ" --from-records rec.ndjson -f json -o rec.json
	run --separate-stderr "$FAIZ" --from-records rec.json -f ndjson
	assert_equal "$status" 0
	# The records themselves, with checks added once.
	assert_equal "$(jq -c 'del(.checks)' <<<"$output")" "$(jq -c 'del(.checks)' rec.ndjson)"
	# A dead endpoint in the environment changes nothing: no request is made.
	FAIZ_ENDPOINT=http://127.0.0.1:9 run --separate-stderr "$FAIZ" --from-records - -f ndjson <rec.ndjson
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 3
}

@test "F.11 --from-records: a line that is not a record is told as FILE:LINE and the rest rendered (exit 1); a missing file is exit 2" {
	records_then_offline
	{ head -1 rec.ndjson; echo 'not json'; tail -n +2 rec.ndjson; printf '{"file":"cut'; } >bad.ndjson
	run --separate-stderr "$FAIZ" --from-records bad.ndjson -f ndjson
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 3
	[[ "$stderr" == *"bad.ndjson:2: not a record: skipped"* ]]
	[[ "$stderr" == *"bad.ndjson:5: not a record: skipped"* ]]
	run --separate-stderr "$FAIZ" --from-records missing.ndjson -o never.csv -f csv
	assert_equal "$status" 2
	[ ! -e never.csv ]
	assert_equal "$(ls -A | grep -c '^\.faiz-')" 0
	run --separate-stderr "$FAIZ" --from-records rec.ndjson 1.jpg
	assert_equal "$status" 2
	[[ "$stderr" == *"takes no operands"* ]]
}

# --- F.21 --summary ------------------------------------------------------------------

@test "F.21 --summary FILE: the final counts as JSON, written atomically" {
	cd work
	cp 1.jpg copy.jpg
	emu_faults '["ok", "ec:40007"]'
	faiz -j 1 --summary sum.json -o out.ndjson 1.jpg 2.jpg copy.jpg 3.jpg
	assert_equal "$status" 1
	jq -e . sum.json >/dev/null
	assert_equal "$(jq -c 'keys_unsorted' sum.json)" \
		'["total","recognised","failed","skipped","duplicates","not_sent","planned","multicard_images","multicard_cards","refused","possibly_charged","points_charged","elapsed","interrupted","exit_status"]'
	assert_equal "$(jq -c '[.total, .recognised, .failed, .skipped, .duplicates, .not_sent, .refused, .possibly_charged, .points_charged, .interrupted, .exit_status]' sum.json)" \
		'[4,2,1,0,1,0,0,0,30,false,1]'
	jq -e '.elapsed | type == "number" and . >= 0' sum.json >/dev/null
	assert_equal "$(ls -A | grep -c '^\.faiz-')" 0
	# A second run replaces it whole; skips are counted.
	emu_reset
	faiz --summary sum.json --resume out.ndjson 1.jpg 3.jpg 4.jpg
	assert_equal "$(jq -c '[.total, .recognised, .skipped, .points_charged, .exit_status]' sum.json)" '[3,1,2,10,0]'
}

@test "F.21 --summary: a target that is not a regular file, or in a missing directory, is refused before anything is sent" {
	cd work
	ln -s /dev/null link.json
	faiz --summary link.json 1.jpg
	assert_equal "$status" 2
	[[ "$stderr" == *"link.json: not a regular file"* ]]
	faiz --summary nodir/sum.json 1.jpg
	assert_equal "$status" 2
	assert_equal "$(nreq)" 0
	[ -L link.json ]
	faiz --check-id --summary s.json 11010519491231002X
	assert_equal "$status" 2
}

@test "F.21 --summary with --from-records counts the records read" {
	emu_start
	cd work
	faiz -o rec.ndjson 1.jpg 2.jpg
	emu_stop
	unset FAIZ_ENDPOINT FAIZ_ACCESS_KEY FAIZ_SECRET_KEY
	run --separate-stderr "$FAIZ" --from-records rec.ndjson --summary sum.json -f csv
	assert_equal "$status" 0
	assert_equal "$(jq -c '[.total, .recognised, .points_charged, .exit_status]' sum.json)" '[2,2,0,0]'
}
