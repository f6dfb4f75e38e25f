# -j N uploads in flight: overlap, output order (--unordered), retries and stops under concurrency, records kept after a stop.
bats_require_minimum_version 1.5.0
load helper

setup_file() {
	emu_start
	# Four more cards with contents of their own: one upload per content (F.4).
	local d="$BATS_FILE_TMPDIR/more"
	mkdir -p "$d"
	"$PYTHON" "$MKCARDS" front -o "$d/5.jpg" --name 赵六 >&2
	"$PYTHON" "$MKCARDS" back -o "$d/6.jpg" --authority 北京市公安局朝阳分局 >&2
	"$PYTHON" "$MKCARDS" front -o "$d/7.jpg" --name 钱七 >&2
	"$PYTHON" "$MKCARDS" front -o "$d/8.jpg" --name 孙八 >&2
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	C="$(cards)"
	mkdir -p w
	# Eight different cards (different bodies: a repeat would be sent once).
	cp "$C/front_zhangsan.jpg" w/1.jpg
	cp "$C/back_zhangsan.jpg" w/2.jpg
	cp "$C/front_lisi.jpg" w/3.jpg
	cp "$C/temporary_wangwu.jpg" w/4.jpg
	cp "$BATS_FILE_TMPDIR"/more/[5-8].jpg w/
	FOUR=(w/1.jpg w/2.jpg w/3.jpg w/4.jpg)
	SIX=(w/1.jpg w/2.jpg w/3.jpg w/4.jpg w/5.jpg w/6.jpg)
	EIGHT=(w/1.jpg w/2.jpg w/3.jpg w/4.jpg w/5.jpg w/6.jpg w/7.jpg w/8.jpg)
}

# --- helpers ---------------------------------------------------------------------

stat_of() { emu_stats | jq -r ".$1"; }

# float_ge A B: A >= B.
float_ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }

sha() { sha256sum "$1" | cut -d' ' -f1; }

# reqs_for FILE: how many gateway requests carried FILE's bytes.
reqs_for() { emu_requests | jq --arg s "$(sha "$1")" '[.[] | select(.body_sha256 == $s)] | length'; }

# The files of the last run's records, comma separated, in output order.
rec_files() { printf '%s\n' "$output" | jq -r .file | paste -sd, -; }

# count_code CODE: records of the last run whose error.code is CODE ("null" for recognised).
count_code() {
	printf '%s\n' "$output" | jq -s --arg c "$1" '[.[] | select((.error.code // "null") == $c)] | length'
}

# stderr says "N ... not sent" for N = the number of not_sent records (N > 0).
assert_not_sent_msg() {
	local n
	n=$(count_code not_sent)
	((n > 0)) || {
		echo "no not_sent record" >&2
		return 1
	}
	printf '%s\n' "$stderr" | grep -Eq "^faiz-idcard: .*\\b$n\\b.*not sent" || {
		echo "stderr does not say $n not sent:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	}
}

# No request arrived after the answer to the request with outcome OUTCOME that came
# first (answered LATENCY s after its arrival).
assert_nothing_after() {
	local outcome="$1" latency="$2" late
	late=$(emu_requests | jq --arg o "$outcome" --argjson l "$latency" \
		'([.[] | select(.outcome == $o) | .time] | min) as $t | [.[] | select(.time >= $t + $l)] | length')
	assert_equal "$late" 0
}

# Where a queued fault must land on one request, --rate 5 spaces the starts 0.208 s apart,
# so the emulator takes the faults in arrival order even on a loaded machine.

# --- overlap and order -----------------------------------------------------------

@test "-j 4 --rate 50: four requests in flight at once, no more, all recognised" {
	emu_config '{"latency": 0.5}'
	run --separate-stderr "$FAIZ" -j 4 --rate 50 "${EIGHT[@]}"
	assert_equal "$status" 0
	assert_records 8
	assert_equal "$(count_code null)" 8
	assert_equal "$(rec_files)" "$(IFS=,; echo "${EIGHT[*]}")"
	assert_equal "$(nreq)" 8
	# Requests 1-4 arrived within 0.3 s of each other (answers take 0.5 s).
	spread=$(emu_requests | jq -r '[.[].time] | sort | .[3] - .[0]')
	float_ge 0.3 "$spread" || {
		echo "requests 1-4 spread over $spread s" >&2
		return 1
	}
	# The fifth had to wait for a free job: not before the first answer.
	g5=$(emu_requests | jq -r '[.[].time] | sort | .[4] - .[0]')
	float_ge "$g5" 0.45 || {
		echo "a fifth request started $g5 s after the first, with 4 still in flight" >&2
		return 1
	}
}

@test "records in input order by default, even when the first image is slow (-j 2)" {
	emu_faults '["slow:1.5"]'
	run --separate-stderr "$FAIZ" -j 2 --rate 5 "${FOUR[@]}"
	assert_equal "$status" 0
	assert_records 4
	assert_equal "$(rec_files)" "w/1.jpg,w/2.jpg,w/3.jpg,w/4.jpg"
	assert_equal "$(count_code null)" 4
	# The slow one was w/1.jpg, and the others went on meanwhile.
	assert_equal "$(emu_requests | jq -r 'sort_by(.time)[0].body_sha256')" "$(sha w/1.jpg)"
	late=$(emu_requests | jq -r 'sort_by(.time) | .[3].time - .[0].time')
	float_ge 1.4 "$late" || {
		echo "the last request started $late s after the slow one: it held the others up" >&2
		return 1
	}
}

@test "--unordered: records in completion order (the slow first image comes after the second)" {
	emu_faults '["slow:1.5"]'
	run --separate-stderr "$FAIZ" -j 2 --rate 5 --unordered "${FOUR[@]}"
	assert_equal "$status" 0
	assert_records 4
	assert_equal "$(count_code null)" 4
	assert_equal "$(printf '%s\n' "$output" | jq -r .file | sort | paste -sd,)" "w/1.jpg,w/2.jpg,w/3.jpg,w/4.jpg"
	i1=$(printf '%s\n' "$output" | jq -r .file | grep -nx 'w/1.jpg' | cut -d: -f1)
	i2=$(printf '%s\n' "$output" | jq -r .file | grep -nx 'w/2.jpg' | cut -d: -f1)
	((i2 < i1))
	# w/1.jpg took 1.5 s: it is the last record.
	assert_equal "$(printf '%s\n' "${lines[3]}" | jq -r .file)" w/1.jpg
}

# --- retries under -j ----------------------------------------------------------------

@test "flaky 502s under -j 3: retried and recognised, exit 0, every attempt with its own nonce" {
	emu_faults '["502","502","ok","ok","ok","ok"]'
	run --separate-stderr "$FAIZ" -j 3 --rate 50 "${SIX[@]}"
	assert_equal "$status" 0
	assert_records 6
	assert_equal "$(count_code null)" 6
	assert_equal "$(rec_files)" "$(IFS=,; echo "${SIX[*]}")"
	assert_equal "$(nreq)" 8
	assert_equal "$(emu_requests | jq '[.[] | select(.outcome == "fault:502")] | length')" 2
	assert_equal "$(emu_requests | jq '[.[].headers.nonce | select(type == "string" and length > 0)] | unique | length')" 8
}

@test "retries exhausted under -j 2 (--retries 1, 502 always): exit 4, sending stops, the rest not_sent" {
	emu_config '{"always": "502"}'
	run --separate-stderr "$FAIZ" -j 2 --rate 50 --retries 1 "${EIGHT[@]}"
	assert_equal "$status" 4
	assert_records 8
	assert_equal "$(rec_files)" "$(IFS=,; echo "${EIGHT[*]}")"
	# At most two images (the jobs) were sent, each at most twice (--retries 1).
	n=$(nreq)
	((n >= 2 && n <= 4))
	((n >= 2))
	# The image that ran out of retries says so; the others were never (re)sent.
	(($(count_code http_502) >= 1))
	assert_equal $(($(count_code http_502) + $(count_code not_sent))) 8
	(($(count_code not_sent) >= 6))
	for f in w/3.jpg w/4.jpg w/5.jpg w/6.jpg w/7.jpg w/8.jpg; do
		assert_equal "$(printf '%s\n' "$output" | jq -r --arg f "$f" 'select(.file == $f) | .error.code')" not_sent
	done
	assert_not_sent_msg
}

# --- stops under -j: in-flight uploads finish, nothing sent after the answer ----------

@test "quota used up under -j 2: exit 3, in-flight records finish, not_sent counted, nothing sent after the quota answer" {
	emu_config '{"quota": 2, "latency": 0.3}'
	run --separate-stderr "$FAIZ" -j 2 --rate 50 "${SIX[@]}"
	emu_config '{"quota": null}'
	assert_equal "$status" 3
	assert_records 6
	assert_equal "$(rec_files)" "$(IFS=,; echo "${SIX[*]}")"
	assert_equal "$(stat_of charged)" 2
	assert_equal "$(count_code null)" 2
	n=$(nreq)
	# Every image that was sent has its real answer (recognised or quota), none is not_sent.
	assert_equal $(($(count_code null) + $(count_code quota))) "$n"
	assert_equal "$(count_code not_sent)" $((6 - n))
	(($(count_code quota) >= 1))
	# Requests 1-2 ok; 3 (and 4, started before the quota answer) got the quota answer; no more.
	((n <= 4))
	assert_nothing_after quota 0.3
	assert_not_sent_msg
}

@test "blacklist (401) under -j 2: exit 3, in-flight record finishes, not_sent counted, nothing sent after the 401" {
	emu_config '{"latency": 0.3}'
	emu_faults '["ok","401"]'
	run --separate-stderr "$FAIZ" -j 2 --rate 5 "${SIX[@]}"
	assert_equal "$status" 3
	assert_records 6
	assert_equal "$(rec_files)" "$(IFS=,; echo "${SIX[*]}")"
	assert_equal "$(count_code blacklist)" 1
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.error.code == "blacklist") | .file')" w/2.jpg
	# 401 is not retried.
	assert_equal "$(reqs_for w/2.jpg)" 1
	n=$(nreq)
	assert_equal $(($(count_code null) + $(count_code blacklist))) "$n"
	assert_equal "$(count_code not_sent)" $((6 - n))
	((n <= 3))
	assert_nothing_after fault:401 0.3
	# The first image was recognised; the third, started before the 401 answer, finished.
	assert_equal "$(printf '%s\n' "${lines[0]}" | jq -r .error)" null
	assert_not_sent_msg
}

@test "40007 under -j 3 is not retried: exactly one request for that image, the others recognised (exit 1)" {
	cp "$C/plain.jpg" w/plain.jpg
	run --separate-stderr "$FAIZ" -j 3 --rate 50 w/1.jpg w/plain.jpg w/2.jpg w/3.jpg
	assert_equal "$status" 1
	assert_records 4
	assert_equal "$(rec_files)" "w/1.jpg,w/plain.jpg,w/2.jpg,w/3.jpg"
	assert_equal "$(printf '%s\n' "${lines[1]}" | jq -r .error.code)" 40007
	assert_equal "$(count_code null)" 3
	assert_equal "$(reqs_for w/plain.jpg)" 1
	assert_equal "$(nreq)" 4
	assert_equal "$(stat_of charged)" 4
}

@test "ec:40007 fault under -j 2 is not retried either: one request per image" {
	emu_faults '["ec:40007"]'
	run --separate-stderr "$FAIZ" -j 2 --rate 50 "${FOUR[@]}"
	assert_equal "$status" 1
	assert_records 4
	assert_equal "$(count_code 40007)" 1
	assert_equal "$(count_code null)" 3
	assert_equal "$(nreq)" 4
	for f in "${FOUR[@]}"; do
		assert_equal "$(reqs_for "$f")" 1
	done
}

@test "reset and 502 answers under -j 2 are retried and recovered (exit 0)" {
	emu_faults '["reset","502"]'
	run --separate-stderr "$FAIZ" -j 2 --rate 50 "${FOUR[@]}"
	assert_equal "$status" 0
	assert_records 4
	assert_equal "$(rec_files)" "w/1.jpg,w/2.jpg,w/3.jpg,w/4.jpg"
	assert_equal "$(count_code null)" 4
	assert_equal "$(nreq)" 6
	assert_equal "$(emu_requests | jq -c '[.[].outcome | select(startswith("fault:"))] | sort')" '["fault:502","fault:reset"]'
	assert_equal "$(emu_requests | jq '[.[].headers.nonce] | unique | length')" 6
}

@test "an answer slower than --timeout under -j 2 with --retry-timeouts: that image retried, the others unaffected" {
	emu_faults '["slow:3"]'
	run --separate-stderr "$FAIZ" -j 2 --rate 5 --timeout 1 --retry-timeouts "${FOUR[@]}"
	assert_equal "$status" 0
	assert_records 4
	assert_equal "$(rec_files)" "w/1.jpg,w/2.jpg,w/3.jpg,w/4.jpg"
	assert_equal "$(count_code null)" 4
	assert_equal "$(nreq)" 5
	assert_equal "$(reqs_for w/1.jpg)" 2
	assert_equal "$(reqs_for w/2.jpg)" 1
	assert_equal "$(reqs_for w/3.jpg)" 1
	assert_equal "$(reqs_for w/4.jpg)" 1
	# The others did not wait for the timeout: all sent within the first second.
	late=$(emu_requests | jq -r --arg s "$(sha w/1.jpg)" \
		'([.[].time] | min) as $t0 | [.[] | select(.body_sha256 != $s) | .time - $t0] | max')
	float_ge 1.0 "$late"
}

@test "a stop keeps every completed record: -f json after a quota stop holds one record per input" {
	# The second request (in flight with the first) gets the quota answer.
	emu_config '{"latency": 0.2}'
	emu_faults '["ok","quota"]'
	run --separate-stderr "$FAIZ" -j 2 --rate 5 -f json "${FOUR[@]}"
	assert_equal "$status" 3
	printf '%s\n' "$output" | jq -e 'type == "array" and length == 4' >/dev/null
	assert_equal "$(printf '%s\n' "$output" | jq -r '[.[].file] | join(",")')" "w/1.jpg,w/2.jpg,w/3.jpg,w/4.jpg"
	assert_equal "$(printf '%s\n' "$output" | jq -r '.[0].error')" null
	assert_equal "$(printf '%s\n' "$output" | jq -r '.[0].id_number')" 440105199208220038
	assert_equal "$(printf '%s\n' "$output" | jq -r '.[1].error.code')" quota
	n=$(nreq)
	assert_equal "$(printf '%s\n' "$output" | jq '[.[] | select(.error.code == "not_sent")] | length')" $((4 - n))
	((n < 4))
	printf '%s\n' "$stderr" | grep -Eq "^faiz-idcard: .*\\b$((4 - n))\\b.*not sent"
}
