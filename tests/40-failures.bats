# Failure answers of the gateway (gateway-protocol.md's table) and the client's response: codes, exit, retries, stops.
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
	cp "$C/front_zhangsan.jpg" front.jpg
	cp "$C/back_zhangsan.jpg" back.jpg
	cp "$C/front_lisi.jpg" lisi.jpg
}

# --- helpers ---------------------------------------------------------------------

outcomes() { emu_requests | jq -c '[.[].outcome]'; }

# rec N FILTER: jq FILTER applied to the Nth (0-based) ndjson record of the last run.
rec() {
	printf '%s\n' "${lines[$1]}" | jq -r "$2"
}

# assert_rec_error N CODE: record N failed with error.code CODE and a non-empty message.
assert_rec_error() {
	assert_equal "$(rec "$1" '.error.code')" "$2"
	assert_equal "$(rec "$1" '.error.message | type')" string
	[ -n "$(rec "$1" '.error.message')" ]
}

# assert_rec_ok N ID: record N recognised, with id_number ID.
assert_rec_ok() {
	assert_equal "$(rec "$1" '.error')" null
	assert_equal "$(rec "$1" '.id_number')" "$2"
}

# stderr has a line "faiz-idcard: FILE: ..." (optionally also matching ERE PATTERN on that line).
assert_file_msg() {
	local file="$1" pat="${2:-.}"
	printf '%s\n' "$stderr" | grep -F "faiz-idcard: $file: " | grep -Eq -- "$pat" || {
		echo "no stderr line 'faiz-idcard: $file: ' matching /$pat/ in:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	}
}

# No stderr line about FILE.
refute_file_msg() {
	! printf '%s\n' "$stderr" | grep -qF "faiz-idcard: $1: "
}

# Every stderr line carries the program prefix (and nothing like a sanitizer report leaked).
assert_prefixed_stderr() {
	if printf '%s\n' "$stderr" | grep -v '^faiz-idcard: ' | grep -q .; then
		echo "stderr lines without the 'faiz-idcard: ' prefix:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	fi
}

ID_ZHANG=440105199208220038
ID_LI=11010119851127100X

# --- 403 -------------------------------------------------------------------------

@test "403 once: retried once with a new nonce and a fresh timestamp, then recognised (exit 0)" {
	emu_faults '["403"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 0
	assert_records 1
	assert_rec_ok 0 "$ID_ZHANG"
	assert_equal "$(nreq)" 2
	assert_equal "$(outcomes)" '["fault:403","ok"]'
	assert_equal "$(charged)" 1
	n1=$(emu_requests | jq -r '.[0].headers.nonce')
	n2=$(emu_requests | jq -r '.[1].headers.nonce')
	[ -n "$n1" ] && [ -n "$n2" ] && [ "$n1" != null ]
	[ "$n1" != "$n2" ]
	# The retry is freshly signed: its timestamp is now, not a stale copy.
	now=$(date +%s)
	t2=$(emu_requests | jq -r '.[1].headers.timestamp')
	[[ "$t2" =~ ^[0-9]+$ ]]
	((t2 >= now - 5 && t2 <= now + 5))
	refute_file_msg front.jpg
	assert_prefixed_stderr
}

@test "403 twice: auth failure, exit 3, later files not sent and counted on stderr" {
	emu_faults '["403","403"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg back.jpg lisi.jpg
	assert_equal "$status" 3
	assert_records 3
	assert_equal "$(rec 0 .file),$(rec 1 .file),$(rec 2 .file)" "front.jpg,back.jpg,lisi.jpg"
	assert_rec_error 0 auth
	assert_rec_error 1 not_sent
	assert_rec_error 2 not_sent
	assert_equal "$(nreq)" 2
	assert_equal "$(outcomes)" '["fault:403","fault:403"]'
	assert_equal "$(charged)" 0
	assert_file_msg front.jpg '403'
	printf '%s\n' "$stderr" | grep -Eq '^faiz-idcard: .*\b2\b.*not sent'
	assert_prefixed_stderr
}

@test "wrong secret key: exit 3 auth after exactly 2 requests (both refused for the signature)" {
	FAIZ_SECRET_KEY=wrong0000000000000000000000000000 run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg back.jpg
	assert_equal "$status" 3
	assert_records 2
	assert_rec_error 0 auth
	assert_rec_error 1 not_sent
	assert_equal "$(nreq)" 2
	assert_equal "$(outcomes)" '["bad-sign","bad-sign"]'
	assert_file_msg front.jpg
	assert_prefixed_stderr
}

@test "clock skew: a 403 for a stale timestamp says the clock differs from the gateway's Date" {
	emu_config '{"clock_offset": 900}'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 3
	assert_records 1
	assert_rec_error 0 auth
	assert_equal "$(outcomes)" '["stale","stale"]'
	rec 0 .error.message | grep -qi 'clock'
	assert_file_msg front.jpg 'clock'
	assert_prefixed_stderr
}

@test "no clock hint when the clocks agree (a plain 403 twice)" {
	emu_faults '["403","403"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 3
	assert_rec_error 0 auth
	msg=$(rec 0 .error.message)
	[[ "${msg,,}" != *clock* ]]
}

# --- 401, quota, 50003: the run stops ----------------------------------------------------

@test "401 blacklist: exit 3, code blacklist, not retried, the batch stops" {
	emu_faults '["401"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg back.jpg
	assert_equal "$status" 3
	assert_records 2
	assert_rec_error 0 blacklist
	assert_rec_error 1 not_sent
	assert_equal "$(nreq)" 1
	assert_equal "$(outcomes)" '["fault:401"]'
	assert_file_msg front.jpg 'blacklist'
	printf '%s\n' "$stderr" | grep -Eq '^faiz-idcard: .*\b1\b.*not sent'
	assert_prefixed_stderr
}

@test "quota used up (500 调用次数已用完): exit 3, code quota, no further request, rest not_sent" {
	emu_config '{"quota": 1}'
	distinct front.jpg front2.jpg 2
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg back.jpg lisi.jpg front2.jpg
	assert_equal "$status" 3
	assert_records 4
	assert_equal "$(rec 0 .error)" null
	assert_equal "$(rec 0 .side)" front
	assert_rec_error 1 quota
	assert_rec_error 2 not_sent
	assert_rec_error 3 not_sent
	# The quota answer is final: not retried, and nothing sent after it.
	assert_equal "$(nreq)" 2
	assert_equal "$(outcomes)" '["ok","quota"]'
	assert_equal "$(charged)" 1
	assert_file_msg back.jpg 'quota'
	refute_file_msg front.jpg
	printf '%s\n' "$stderr" | grep -Eq '^faiz-idcard: .*\b2\b.*not sent'
	assert_prefixed_stderr
}

@test "quota fault on the first file: exit 3 quota after one request" {
	emu_faults '["quota"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg back.jpg
	assert_equal "$status" 3
	assert_rec_error 0 quota
	assert_rec_error 1 not_sent
	assert_equal "$(nreq)" 1
}

@test "50003: exit 3, code 50003, message says the endpoint is not the gateway" {
	emu_faults '["50003"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg back.jpg
	assert_equal "$status" 3
	assert_records 2
	assert_rec_error 0 50003
	rec 0 .error.message | grep -qi 'not the gateway'
	assert_rec_error 1 not_sent
	assert_equal "$(nreq)" 1
	assert_file_msg front.jpg 'gateway'
	assert_prefixed_stderr
}

# --- throttling: slow down, retry ----------------------------------------------------------

@test "1414 then ok: retried, recognised, exit 0, stderr says it slows down" {
	emu_faults '["1414"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 0
	assert_records 1
	assert_rec_ok 0 "$ID_ZHANG"
	assert_equal "$(nreq)" 2
	assert_equal "$(outcomes)" '["fault:1414","ok"]'
	printf '%s\n' "$stderr" | grep -qi 'slow'
	printf '%s\n' "$stderr" | grep -Eq '^faiz-idcard: .*\b1 refused'
	assert_prefixed_stderr
}

@test "50004 then ok: retried, recognised, the refusal was charged; summary: 1 refused, 20 points" {
	emu_faults '["50004"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 0
	assert_records 1
	assert_rec_ok 0 "$ID_ZHANG"
	assert_equal "$(nreq)" 2
	assert_equal "$(outcomes)" '["fault:50004","ok"]'
	assert_equal "$(charged)" 2
	printf '%s\n' "$stderr" | grep -qi 'slow'
	summary=$(printf '%s\n' "$stderr" | tail -n 1)
	[[ "$summary" =~ ^faiz-idcard:\  ]]
	[[ "$summary" =~ (^|[^0-9])1\ refused ]]
	[[ "$summary" =~ (^|[^0-9])20\ points\ charged ]]
	assert_prefixed_stderr
}

# --- backend failures ----------------------------------------------------------------

@test "50002 then ok: retried, exit 0" {
	emu_faults '["50002"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 0
	assert_rec_ok 0 "$ID_ZHANG"
	assert_equal "$(nreq)" 2
	assert_equal "$(outcomes)" '["fault:50002","ok"]'
}

@test "50000 on every try with --retries 1: exit 4, code 50000, the run stops" {
	emu_faults '["50000","50000"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 --retries 1 front.jpg back.jpg
	assert_equal "$status" 4
	assert_records 2
	assert_rec_error 0 50000
	assert_rec_error 1 not_sent
	assert_equal "$(nreq)" 2
	assert_equal "$(outcomes)" '["fault:50000","fault:50000"]'
	assert_file_msg front.jpg
	assert_prefixed_stderr
}

# --- HTTP 5xx ---------------------------------------------------------------------

http5xx_then_ok() {
	emu_reset
	emu_faults "[\"$1\"]"
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 0
	assert_rec_ok 0 "$ID_ZHANG"
	assert_equal "$(nreq)" 2
	assert_equal "$(outcomes)" "[\"fault:$1\",\"ok\"]"
	refute_file_msg front.jpg
}

@test "502 then ok: retried, exit 0" {
	http5xx_then_ok 502
}

@test "503 then ok: retried, exit 0" {
	http5xx_then_ok 503
}

@test "504 then ok: retried, exit 0" {
	http5xx_then_ok 504
}

@test "502 twice with --retries 1: exit 4, code http_502, the run stops" {
	emu_faults '["502","502"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 --retries 1 front.jpg back.jpg
	assert_equal "$status" 4
	assert_records 2
	assert_rec_error 0 http_502
	assert_rec_error 1 not_sent
	assert_equal "$(nreq)" 2
	assert_file_msg front.jpg '502'
	assert_prefixed_stderr
}

# --- transport failures -------------------------------------------------------------

@test "connection reset then ok: retried, exit 0" {
	emu_faults '["reset"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 0
	assert_rec_ok 0 "$ID_ZHANG"
	assert_equal "$(nreq)" 2
	assert_equal "$(outcomes)" '["fault:reset","ok"]'
}

@test "connection reset twice with --retries 1: exit 4, code network" {
	emu_faults '["reset","reset"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 --retries 1 front.jpg back.jpg
	assert_equal "$status" 4
	assert_records 2
	assert_rec_error 0 network
	assert_rec_error 1 not_sent
	assert_equal "$(nreq)" 2
	assert_file_msg front.jpg
	assert_prefixed_stderr
}

@test "slow answer with --timeout 1: exit 1, code timeout_after_send (possibly charged), one request" {
	emu_faults '["slow:3"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 --timeout 1 front.jpg
	assert_equal "$status" 1
	assert_records 1
	assert_rec_error 0 timeout_after_send
	assert_file_msg front.jpg
	assert_prefixed_stderr
	assert_equal "$(nreq)" 1
	# Let the emulator finish the slow answer so its charge cannot leak into the next test.
	for _ in $(seq 50); do
		[ "$(emu_requests | jq -r '.[0].outcome')" != null ] && break
		sleep 0.1
	done
	assert_equal "$(emu_requests | jq -r '.[0].status')" 200
}

@test "connection refused: exit 4, code network, stderr names the problem" {
	FAIZ_ENDPOINT=http://127.0.0.1:1 run --separate-stderr "$FAIZ" -j 1 --rate 50 --retries 1 front.jpg back.jpg
	assert_equal "$status" 4
	assert_records 2
	assert_rec_error 0 network
	assert_rec_error 1 not_sent
	rec 0 .error.message | grep -Eqi 'connect|refused'
	assert_file_msg front.jpg 'connect|refused'
	assert_equal "$(nreq)" 0
	assert_prefixed_stderr
}

@test "truncated HTTP 200 answer: charged, bad_response, not retried (it would pay again), the next file recognised" {
	emu_faults '["truncated"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg back.jpg
	assert_equal "$status" 1
	assert_rec_error 0 bad_response
	assert_equal "$(nreq)" 2
	assert_equal "$(outcomes)" '["fault:truncated","ok"]'
	assert_file_msg front.jpg
	assert_prefixed_stderr
}

# --- answers that fail one image ----------------------------------------------------------

@test "10106: exit 1, code 10106, message has the desc, record has the sid, not retried" {
	emu_faults '["10106"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 1
	assert_records 1
	assert_rec_error 0 10106
	rec 0 .error.message | grep -qF 'invalid X-Appid'
	[[ "$(rec 0 .sid)" =~ ^wcr[0-9a-f]+$ ]]
	assert_equal "$(nreq)" 1
	assert_file_msg front.jpg 'invalid X-Appid'
	assert_prefixed_stderr
}

# ec_case CODE EXPLANATION: data.error_code CODE fails the image with the page's explanation, one request.
ec_case() {
	emu_reset
	emu_faults "[\"ec:$1\"]"
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 1
	assert_records 1
	assert_rec_error 0 "$1"
	rec 0 .error.message | grep -qiF "$2"
	[[ "$(rec 0 .sid)" =~ ^wcr ]]
	assert_equal "$(nreq)" 1
	assert_equal "$(outcomes)" "[\"fault:ec:$1\"]"
	assert_file_msg front.jpg
	assert_prefixed_stderr
}

@test "error_code 40007: exit 1, code 40007, 'fail to recognize', not retried" {
	ec_case 40007 'fail to recognize'
}

@test "error_code 40005: exit 1, code 40005, 'invalid image format', not retried" {
	ec_case 40005 'invalid image format'
}

@test "error_code 90099: exit 1, code 90099, 'unknown', not retried" {
	ec_case 90099 'unknown'
}

@test "platform envelope (integer code 0, message): recognised, exit 0" {
	emu_faults '["platform"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 0
	assert_records 1
	assert_rec_ok 0 "$ID_ZHANG"
	assert_equal "$(rec 0 '[.side,.name,.type] | @tsv')" "$(printf 'front\t张三\t第二代身份证')"
	assert_equal "$(outcomes)" '["fault:platform"]'
}

@test "huge (64 MiB) answer: response_too_large, exit 1, not retried, the next file is recognised" {
	emu_faults '["huge"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg lisi.jpg
	assert_equal "$status" 1
	assert_records 2
	assert_rec_error 0 response_too_large
	assert_rec_ok 1 "$ID_LI"
	assert_equal "$(nreq)" 2
	assert_equal "$(outcomes)" '["fault:huge","ok"]'
	assert_file_msg front.jpg
	refute_file_msg lisi.jpg
	assert_prefixed_stderr
}

# bad_case FAULT: a 200 answer that is not the service's JSON fails this image only, code bad_response.
bad_case() {
	emu_reset
	emu_faults "[\"$1\"]"
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg lisi.jpg
	assert_equal "$status" 1
	assert_records 2
	assert_rec_error 0 bad_response
	assert_rec_ok 1 "$ID_LI"
	assert_equal "$(nreq)" 2
	assert_equal "$(outcomes)" "[\"fault:$1\",\"ok\"]"
	assert_file_msg front.jpg
	refute_file_msg lisi.jpg
	assert_prefixed_stderr
}

@test "HTML answer with HTTP 200: bad_response, exit 1, the next file is recognised" {
	bad_case html
	rec 0 .error.message | grep -qi 'not JSON'
}

@test "data null: bad_response, exit 1" {
	bad_case data-null
	rec 0 .error.message | grep -qi 'null'
}

@test "data a string: bad_response, exit 1" {
	bad_case data-string
}

@test "a failure is for that image only: [ok, 40007, ok] → exit 1, records in input order" {
	emu_faults '["ok","ec:40007","ok"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg back.jpg lisi.jpg
	assert_equal "$status" 1
	assert_records 3
	assert_equal "$(rec 0 .file),$(rec 1 .file),$(rec 2 .file)" "front.jpg,back.jpg,lisi.jpg"
	assert_rec_ok 0 "$ID_ZHANG"
	assert_rec_error 1 40007
	assert_rec_ok 2 "$ID_LI"
	assert_equal "$(nreq)" 3
	assert_file_msg back.jpg 'fail to recognize'
	refute_file_msg front.jpg
	refute_file_msg lisi.jpg
	assert_equal "$(printf '%s\n' "$stderr" | grep -c 'back.jpg')" 1
	printf '%s\n' "$stderr" | tail -n 1 | grep -Eq '2 recognised, 1 failed'
	assert_prefixed_stderr
}
