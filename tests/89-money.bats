# Never paying twice (issue F.1, F.6, F.8, F.9): lost answers are possibly charged and not resent, runs on one machine share one pace, broken answers are charged and stop the run, --max-points.
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
}

# distinct N DIR: N cards with N different contents (a numbered COM segment
# after SOI), so no two are the same image to a run that sends each content once.
distinct() {
	local n="$1" dir="$2"
	mkdir -p "$dir"
	"$PYTHON" - "$n" "$dir" "$C" <<'EOF'
import sys
n, out, cards = int(sys.argv[1]), sys.argv[2], sys.argv[3]
srcs = ["front_zhangsan", "back_zhangsan", "front_lisi", "temporary_wangwu"]
for i in range(n):
    data = open("%s/%s.jpg" % (cards, srcs[i % len(srcs)]), "rb").read()
    note = b"faiz-test copy %d" % i
    seg = b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note
    with open("%s/%02d.jpg" % (out, i), "wb") as f:
        f.write(data[:2] + seg + data[2:])
EOF
}

summary() {
	printf '%s\n' "$stderr" | grep -E '^faiz-idcard: [0-9]+ recognised, ' | tail -n 1
}

# count_code CODE: records of the last run whose error.code is CODE ("null" for recognised).
count_code() {
	printf '%s\n' "$output" | jq -s --arg c "$1" '[.[] | select((.error.code // "null") == $c)] | length'
}

stat_of() { emu_stats | jq -r ".$1"; }

# Wait (bounded) until the emulator has answered every request it took, so
# the charge of a slow answer is counted before the test reads it.
settle() {
	local i
	for i in $(seq 100); do
		[ "$(emu_requests | jq '[.[] | select(.status == null)] | length')" = 0 ] && return 0
		sleep 0.1
	done
	echo "the emulator still has unanswered requests" >&2
	return 1
}

# --- F.1: an answer lost after the image was sent ----------------------------------

@test "F.1 timeout after the image was sent: not resent, timeout_after_send, possibly charged in the summary" {
	distinct 2 w
	emu_config '{"latency": 5}'
	run --separate-stderr "$FAIZ" --timeout 3 --retries 2 --rate 50 w/00.jpg w/01.jpg
	assert_equal "$status" 1
	assert_records 2
	assert_equal "$(count_code timeout_after_send)" 2
	printf '%s\n' "$output" | jq -e 'select(.error.message | test("possibly charged") | not)' >/dev/null && {
		echo "a record's error does not say possibly charged: $output" >&2
		return 1
	}
	# One request per image, not three.
	assert_equal "$(stat_of requests)" 2
	[[ "$(summary)" == *", 0 points charged, 2 possibly charged, "* ]] || {
		echo "summary: $(summary)" >&2
		return 1
	}
	# The service did charge them once its answers went out.
	settle
	assert_equal "$(stat_of charged)" 2
}

@test "F.1 --retry-timeouts sends a lost answer's image once more, never twice" {
	distinct 1 w
	emu_config '{"latency": 3}'
	run --separate-stderr "$FAIZ" --timeout 1 --retries 3 --retry-timeouts --rate 50 w/00.jpg
	assert_equal "$status" 1
	assert_records 1
	assert_equal "$(count_code timeout_after_send)" 1
	assert_equal "$(stat_of requests)" 2
	[[ "$(summary)" == *", 2 possibly charged, "* ]]
	settle
}

@test "F.1 a lost answer's image sent again on --retry-timeouts is recognised when the answer comes in time" {
	distinct 1 w
	emu_faults '["slow:3"]'
	run --separate-stderr "$FAIZ" --timeout 1 --retry-timeouts --rate 50 w/00.jpg
	assert_equal "$status" 0
	assert_equal "$(count_code null)" 1
	assert_equal "$(stat_of requests)" 2
	[[ "$(summary)" == *", 10 points charged, 1 possibly charged, "* ]]
	settle
}

# --- F.8: broken answers -------------------------------------------------------------

@test "F.8 three truncated answers in a row: each charged, not resent, the run stops with exit 4, the rest not sent" {
	distinct 5 w
	emu_faults '["truncated","truncated","truncated"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 w/0{0,1,2,3,4}.jpg
	assert_equal "$status" 4
	assert_records 5
	assert_equal "$(count_code bad_response)" 3
	assert_equal "$(count_code not_sent)" 2
	assert_equal "$(stat_of requests)" 3
	assert_equal "$(stat_of charged)" 3
	[[ "$(summary)" == *", 2 not sent, 0 refused, 30 points charged, "* ]] || {
		echo "summary: $(summary)" >&2
		return 1
	}
	[[ "$stderr" == *"stopped: the last 3 answers were broken"* ]]
}

@test "F.8 broken answers of every kind count towards the three in a row: cut JSON, chunked cut, truncated" {
	distinct 4 w
	emu_faults '["cut-json","chunked-cut","truncated"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 w/0{0,1,2,3}.jpg
	assert_equal "$status" 4
	assert_equal "$(count_code bad_response)" 3
	assert_equal "$(count_code not_sent)" 1
	assert_equal "$(stat_of requests)" 3
	assert_equal "$(stat_of charged)" 3
	[[ "$(summary)" == *", 30 points charged, "* ]]
}

@test "F.8 oversize HTTP 200 answers count as charged" {
	distinct 3 w
	emu_faults '["huge","huge"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 w/00.jpg w/01.jpg w/02.jpg
	assert_equal "$status" 1
	assert_equal "$(count_code response_too_large)" 2
	assert_equal "$(count_code null)" 1
	assert_equal "$(stat_of requests)" 3
	[[ "$(summary)" == *", 30 points charged, "* ]] || {
		echo "summary: $(summary)" >&2
		return 1
	}
}

@test "F.8 non-JSON answers: three in a row stop the run; a good answer between them resets the count" {
	distinct 6 w
	emu_faults '["html","html","ok","html","html","ok"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 w/0{0,1,2,3,4,5}.jpg
	assert_equal "$status" 1
	assert_equal "$(count_code bad_response)" 4
	assert_equal "$(count_code null)" 2
	emu_reset
	emu_faults '["html","html","html"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 w/0{0,1,2,3,4,5}.jpg
	assert_equal "$status" 4
	assert_equal "$(count_code bad_response)" 3
	assert_equal "$(count_code not_sent)" 3
	assert_equal "$(stat_of requests)" 3
	[[ "$(summary)" == *", 30 points charged, "* ]]
}

# --- F.9: --max-points ---------------------------------------------------------------

@test "F.9 --max-points 30 on 5 images: 3 sent, 2 not sent, exit 5, and --resume finishes the rest" {
	distinct 5 w
	run --separate-stderr "$FAIZ" -j 1 --rate 50 --max-points 30 --resume out.ndjson w/0{0,1,2,3,4}.jpg
	assert_equal "$status" 5
	assert_equal "$(stat_of requests)" 3
	assert_equal "$(jq -s '[.[] | select(.error == null)] | length' out.ndjson)" 3
	assert_equal "$(jq -s '[.[] | select(.error.code == "not_sent")] | length' out.ndjson)" 2
	[[ "$(summary)" == *", 2 not sent, 0 refused, 30 points charged, "* ]]
	[[ "$stderr" == *"--max-points 30"* ]]
	run --separate-stderr "$FAIZ" -j 1 --rate 50 --resume out.ndjson w/0{0,1,2,3,4}.jpg
	assert_equal "$status" 0
	assert_equal "$(stat_of requests)" 5
}

@test "F.9 --max-points counts the requests in flight: -j 4 never has more out than the limit allows" {
	distinct 4 w
	emu_config '{"latency": 0.5}'
	run --separate-stderr "$FAIZ" -j 4 --rate 50 --max-points 25 w/0{0,1,2,3}.jpg
	assert_equal "$status" 5
	assert_equal "$(stat_of requests)" 2
	assert_equal "$(count_code null)" 2
	assert_equal "$(count_code not_sent)" 2
	[[ "$(summary)" == *", 20 points charged, "* ]]
}

@test "F.9 --max-points counts possibly charged answers" {
	distinct 3 w
	emu_config '{"latency": 2}'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 --timeout 1 --max-points 20 w/0{0,1,2}.jpg
	assert_equal "$status" 5
	assert_equal "$(stat_of requests)" 2
	assert_equal "$(count_code timeout_after_send)" 2
	assert_equal "$(count_code not_sent)" 1
	settle
}

@test "F.9 --max-points must allow one call" {
	run --separate-stderr "$FAIZ" --max-points 9 x.jpg
	assert_equal "$status" 2
	[[ "$stderr" == "faiz-idcard: --max-points: '9' is not a whole number from 10 to 1000000000"* ]]
}

# --- F.6: one pace for the machine, and no climbing back -------------------------------

@test "F.6 two runs at once at the default rate share one pace: no refusal from a 1/s backend" {
	distinct 10 w
	mkdir a b
	mv w/0{0,1,2,3,4}.jpg a/
	mv w/0{5,6,7,8,9}.jpg b/
	emu_config '{"backend_rate": 1, "latency": 0.2}'
	"$FAIZ" -q a >a.out 2>a.err &
	pa=$!
	"$FAIZ" -q b >b.out 2>b.err &
	pb=$!
	wait "$pa" || { cat a.err >&2; return 1; }
	wait "$pb" || { cat b.err >&2; return 1; }
	assert_equal "$(jq -s '[.[] | select(.error == null)] | length' a.out b.out)" 10
	assert_equal "$(stat_of refused)" 0
	assert_equal "$(stat_of requests)" 10
	assert_equal "$(stat_of charged)" 10
	# The shared state: one private file per gateway host and port.
	f="$XDG_RUNTIME_DIR/faiz-idcard/pace-127.0.0.1_$EMU_PORT"
	[ -f "$f" ]
	assert_equal "$(stat -c %a "$f")" 600
	assert_equal "$(stat -c %a "$XDG_RUNTIME_DIR/faiz-idcard")" 700
}

@test "F.6 --rate 2 -j 4 against a 1/s backend: refused only in the first slow-down, not again and again" {
	distinct 15 w
	emu_config '{"backend_rate": 1, "latency": 0.1}'
	run --separate-stderr "$FAIZ" --rate 2 -j 4 w
	assert_equal "$status" 0
	assert_equal "$(count_code null)" 15
	refused=$(stat_of refused)
	((refused >= 1 && refused <= 2)) || {
		echo "$refused refusals in 15 images" >&2
		return 1
	}
	assert_equal "$(stat_of requests)" $((15 + refused))
}

@test "F.6 a refusal slows the next run on the machine too" {
	distinct 12 w
	emu_config '{"backend_rate": 1, "latency": 0.05}'
	# 1.5 a second: refused once the backend's stored permit is spent.
	run --separate-stderr "$FAIZ" --rate 1.5 -j 1 w/0{0,1,2,3,4,5}.jpg
	assert_equal "$status" 0
	first=$(stat_of refused)
	((first >= 1))
	# The next run asks for 1.5 a second too, but keeps the slowed-down pace.
	run --separate-stderr "$FAIZ" --rate 1.5 -j 1 w/0{6,7,8,9}.jpg w/1{0,1}.jpg
	assert_equal "$status" 0
	assert_equal "$(count_code null)" 6
	assert_equal "$(stat_of refused)" "$first"
}

@test "F.6 without a usable state directory the run keeps its own pace" {
	distinct 1 w
	# The runtime directory is the system's: a missing one is not made.
	XDG_RUNTIME_DIR="$PWD/none/x" XDG_STATE_HOME="$PWD/none/y" HOME="$PWD/none/z" \
		run --separate-stderr "$FAIZ" --rate 50 -v w/00.jpg
	assert_equal "$status" 0
	assert_equal "$(count_code null)" 1
	[ ! -e none ]
	[[ "$stderr" == *"this run keeps its own pace"* ]]
}

@test "F.6 without XDG_RUNTIME_DIR the pace file is under XDG_STATE_HOME, private" {
	distinct 1 w
	mkdir -p "$HOME/.local"
	(
		unset XDG_RUNTIME_DIR
		"$FAIZ" -q --rate 50 w/00.jpg >out.ndjson
	)
	f="$XDG_STATE_HOME/faiz-idcard/pace-127.0.0.1_$EMU_PORT"
	[ -f "$f" ]
	assert_equal "$(stat -c %a "$f")" 600
	assert_equal "$(stat -c %a "$XDG_STATE_HOME")" 700
	grep -q '^faiz-idcard-pace 1 ' "$f"
}
