# Proves the gateway emulator is strict to gateway-protocol.md, using curl alone (no faiz-idcard needed).

load helper

setup() {
	common_setup
	emu_start
	CARDS="$(cards)"
}

# gw FILE [curl args...]: one signed POST to the interface, the way a correct
# client signs it (body header = sha256 of the image).  Variables override the
# parts: AK SK NONCE TS BODY (the body header; "" sends a blank one) SIGN, and
# NO_BODY_HDR=1 omits the body header.  Writes resp.hdr and resp.body, prints
# the HTTP status; curl's exit status is the function's.
gw() {
	local file="$1"
	shift
	local ak="${AK:-$EMU_ACCESS_KEY}" sk="${SK:-$EMU_SECRET_KEY}"
	local nonce="${NONCE:-$(openssl rand -hex 16)}" ts="${TS:-$(date +%s)}"
	local body="${BODY-$(sha256sum <"$file" | cut -c1-64)}"
	local signed="$body"
	if [ -n "${NO_BODY_HDR:-}" ] || [ -z "${body//[[:space:]]/}" ]; then
		signed=null
	fi
	local sign="${SIGN:-$(printf '%s.%s' "$signed" "$sk" | sha256sum | cut -c1-64)}"
	local h=(-H "accessKey: $ak" -H "nonce: $nonce" -H "timestamp: $ts" -H "sign: $sign"
		-H "methodName: idCardRecognition" -H "Content-Type: application/octet-stream")
	if [ -z "${NO_BODY_HDR:-}" ]; then
		if [ -z "$body" ]; then h+=(-H "body;"); else h+=(-H "body: $body"); fi
	fi
	curl -sS --noproxy '*' -o resp.body -D resp.hdr -w '%{http_code}' "${h[@]}" \
		--data-binary @"$file" "$@" "$EMU_URL/api/ai/ocr/idcard"
}

stats() { emu_stats | jq -r ".$1"; }
last_outcome() { emu_requests | jq -r '.[-1].outcome'; }

# --- authentication --------------------------------------------------------------

@test "a correctly signed request gets 200 and the specimen's fields" {
	run gw "$CARDS/front_zhangsan.jpg"
	assert_success
	assert_output 200
	run jq -r '[.code, .desc, .data.error_code, .data.error_msg, .data.type, .data.name, .data.sex,
		.data.people, .data.birthday, .data.id_number, (.sid | startswith("wcr"))] | @tsv' resp.body
	assert_output "$(printf '0\tsuccess\t0\tok\t第二代身份证\t张三\t男\t汉\t1992年8月22日\t440105199208220038\ttrue')"
	run jq -r '.data.address | startswith("广东省")' resp.body
	assert_output true
	run jq -r '[.data.border_covered, .data.complete, .data.gray_image, .data.head_blurred, .data.head_covered,
		(.data.time_cost.preprocess | type), (.data.time_cost.recognize | type)] | @tsv' resp.body
	assert_output "$(printf 'false\ttrue\tfalse\tfalse\tfalse\tnumber\tnumber')"
	[ "$(last_outcome)" = ok ]
	[ "$(stats charged)" = 1 ]
}

@test "wrong sign gets a bare 403" {
	SIGN=$(printf 'x.%s' "$EMU_SECRET_KEY" | sha256sum | cut -c1-64) run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	[ ! -s resp.body ]
	[ "$(last_outcome)" = bad-sign ]
	# The uppercase hex of the right sign is also wrong: compared exactly.
	SIGN=$(printf '%s.%s' "$(sha256sum <"$CARDS/front_zhangsan.jpg" | cut -c1-64)" "$EMU_SECRET_KEY" |
		sha256sum | cut -c1-64 | tr a-f A-F) run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	[ "$(stats charged)" = 0 ]
}

@test "a sign made with another secret gets 403" {
	SK=00000000000000000000000000000000 run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	[ "$(last_outcome)" = bad-sign ]
}

@test "unknown accessKey gets 403, and a missing one too" {
	AK=ffffffffffffffffffffffffffffffff run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	[ "$(last_outcome)" = unknown-key ]
	run curl -sS --noproxy '*' -o /dev/null -w '%{http_code}' -H "nonce: abc" -H "timestamp: $(date +%s)" \
		--data-binary @"$CARDS/front_zhangsan.jpg" "$EMU_URL/api/ai/ocr/idcard"
	assert_output 403
}

@test "extra --key pairs are accepted and the default pair is then unknown" {
	emu_stop
	emu_start --key aaaa:bbbb --key cccc:dddd
	AK=cccc SK=dddd run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
}

@test "a replayed nonce gets 403 even with a fresh timestamp and a right sign" {
	NONCE=replay-me-123 run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	NONCE=replay-me-123 run gw "$CARDS/back_zhangsan.jpg"
	assert_output 403
	[ "$(last_outcome)" = replay ]
	[ "$(stats charged)" = 1 ]
}

@test "nonces are shared by all users" {
	emu_stop
	emu_start --key "$EMU_ACCESS_KEY:$EMU_SECRET_KEY" --key other:othersecret
	NONCE=1234 run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	AK=other SK=othersecret NONCE=1234 run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	[ "$(last_outcome)" = replay ]
}

@test "a nonce is used up once it passes the replay check, not before" {
	# Known key, fresh nonce, wrong sign: the nonce is stored anyway.
	NONCE=n-bad-sign SIGN=0000 run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	NONCE=n-bad-sign run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	[ "$(last_outcome)" = replay ]
	# Unknown key: rejected before the nonce check, so the nonce stays free.
	AK=nobody NONCE=n-unknown run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	NONCE=n-unknown run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
}

@test "a blank nonce gets 403" {
	NONCE=' ' run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	[ "$(last_outcome)" = no-nonce ]
}

@test "timestamp 301 s old gets 403, 299 s old gets 200" {
	TS=$(($(date +%s) - 301)) run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	[ "$(last_outcome)" = stale ]
	TS=$(($(date +%s) - 299)) run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
}

@test "the emulator's clock offset makes a correct local timestamp stale" {
	emu_stop
	emu_start --clock-offset 400
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	[ "$(last_outcome)" = stale ]
	TS=$(($(date +%s) + 400)) run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
}

@test "a timestamp in the future is accepted" {
	TS=$(($(date +%s) + 86400)) run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
}

@test "a timestamp that is not an integer gets 403" {
	TS=1.5e9 run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	[ "$(last_outcome)" = bad-timestamp ]
	TS=now run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
}

@test "missing or blank body header is signed as null" {
	NO_BODY_HDR=1 run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	BODY= run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	run jq -r '.[-1].headers | has("body")' <<<"$(emu_requests)"
	assert_output true
	# A blank body signed as the empty string is wrong.
	BODY= SIGN=$(printf '.%s' "$EMU_SECRET_KEY" | sha256sum | cut -c1-64) run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
}

@test "the body header is not checked against the upload" {
	BODY='[B@6d06d69c' run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
}

@test "GET, other methods and other paths get a bare 403" {
	run curl -sS --noproxy '*' -o body -w '%{http_code}' "$EMU_URL/api/ai/ocr/idcard"
	assert_output 403
	[ ! -s body ]
	run curl -sS --noproxy '*' -o body -w '%{http_code}' -X PUT --data-binary x "$EMU_URL/api/ai/ocr/idcard"
	assert_output 403
	# Routes match on the path: a query string does not matter, a trailing slash does.
	run gw "$CARDS/front_zhangsan.jpg" --url-query x=1
	assert_output 200
	run curl -sS --noproxy '*' -o body -w '%{http_code}' --data-binary @"$CARDS/front_zhangsan.jpg" \
		"$EMU_URL/api/ai/ocr/idcard/"
	assert_output 403
	run curl -sS --noproxy '*' -o body -w '%{http_code}' "$EMU_URL/"
	assert_output 403
	[ "$(emu_requests | jq -r '[.[].outcome] | map(select(. == "no-route")) | length')" = 4 ]
}

@test "a 403 has an empty body, Content-Length 0 and a Date header" {
	SIGN=wrong run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	run grep -i '^content-length: 0' resp.hdr
	assert_success
	run grep -ci '^date: ' resp.hdr
	assert_output 1
	[ ! -s resp.body ]
}

@test "the Date header follows the emulator's clock offset" {
	emu_config '{"clock_offset": 3600}'
	run curl -sS --noproxy '*' -D - -o /dev/null "$EMU_URL/x"
	local date
	date=$(printf '%s\n' "$output" | tr -d '\r' | sed -n 's/^[Dd]ate: //p')
	[ -n "$date" ]
	local diff=$(($(date -d "$date" +%s) - $(date +%s)))
	[ "$diff" -ge 3595 ] && [ "$diff" -le 3605 ]
}

@test "keep-alive: one connection serves several requests" {
	local n1 n2
	n1=$(openssl rand -hex 8) n2=$(openssl rand -hex 8)
	local b s
	b=$(sha256sum <"$CARDS/front_zhangsan.jpg" | cut -c1-64)
	s=$(printf '%s.%s' "$b" "$EMU_SECRET_KEY" | sha256sum | cut -c1-64)
	run curl -sS --noproxy '*' -o /dev/null -w '%{http_code} %{num_connects}\n' "$EMU_URL/nothing" \
		--next -o /dev/null -w '%{http_code} %{num_connects}\n' \
		-H "accessKey: $EMU_ACCESS_KEY" -H "nonce: $n1" -H "timestamp: $(date +%s)" -H "body: $b" -H "sign: $s" \
		--data-binary @"$CARDS/front_zhangsan.jpg" "$EMU_URL/api/ai/ocr/idcard" \
		--next -o /dev/null -w '%{http_code} %{num_connects}\n' \
		-H "accessKey: $EMU_ACCESS_KEY" -H "nonce: $n2" -H "timestamp: $(date +%s)" -H "body: $b" -H "sign: $s" \
		--data-binary @"$CARDS/front_zhangsan.jpg" "$EMU_URL/api/ai/ocr/idcard"
	assert_success
	assert_output "$(printf '403 1\n200 0\n200 0')"
}

# --- recognition -----------------------------------------------------------------

@test "returned images are base64 JPEGs; fronts have portrait and number strip" {
	run gw "$CARDS/front_lisi.jpg"
	assert_output 200
	local k
	for k in .data.cropped_image .data.head_portrait.image .data.id_number_image; do
		jq -r "$k" resp.body | base64 -d >img
		[ "$(od -An -tx1 img | head -1 | tr -d ' ' | cut -c1-6)" = ffd8ff ]
	done
	[ "$(jq -r '.data.name + " " + .data.sex + " " + .data.id_number' resp.body)" = "李四 女 11010119851127100X" ]
	# The portrait is the box's share of the card.
	jq -r .data.head_portrait.image resp.body | base64 -d >portrait.jpg
	run /usr/bin/python3 -c 'import sys; from PIL import Image; print(Image.open(sys.argv[1]).size)' portrait.jpg
	assert_output "(336, 454)"
}

@test "a back has authority, validity and only the cropped image" {
	run gw "$CARDS/back_zhangsan.jpg"
	assert_output 200
	run jq -r '[.data.type, .data.issue_authority, .data.validity, has("x"),
		(.data | has("head_portrait")), (.data | has("id_number_image")), (.data | has("name"))] | @tsv' resp.body
	assert_output "$(printf '第二代身份证背面\t广州市公安局海珠分局\t2015.03.01-2035.03.01\tfalse\tfalse\tfalse\tfalse')"
	jq -r .data.cropped_image resp.body | base64 -d | head -c 2 | od -An -tx1 | grep -q 'ff d8'
}

@test "a temporary card is recognised as 临时身份证" {
	run gw "$CARDS/temporary_wangwu.jpg"
	assert_output 200
	[ "$(jq -r '.data.type + " " + .data.name' resp.body)" = "临时身份证 王五" ]
}

@test "the real card_back sample is recognised through its fixture" {
	run gw "$FIXTURES/card_back.jpg"
	assert_output 200
	[ "$(jq -r '.data.issue_authority + " " + .data.validity' resp.body)" = "瑞金市公安局 2017.07.19-2027.07.19" ]
	[ "$(jq -r '.data | has("_comment")' resp.body)" = false ]
}

@test "unrecognisable uploads: 40007, 40005, 40004, all charged" {
	run gw "$CARDS/plain.jpg"
	assert_output 200
	[ "$(jq -r '"\(.code) \(.data.error_code) \(.data.error_msg) \(.data | has("name"))"' resp.body)" = "0 40007 fail to recognize false" ]
	run gw "$CARDS/notjpeg.jpg"
	[ "$(jq -r '"\(.data.error_code) \(.data.error_msg)"' resp.body)" = "40005 invalid image format" ]
	run gw "$CARDS/empty.jpg"
	assert_output 200
	[ "$(jq -r '"\(.data.error_code) \(.data.error_msg)"' resp.body)" = "40004 missing request body" ]
	[ "$(stats charged)" = 3 ]
}

@test "the request log records method, lowercased headers, body hash, status and outcome" {
	run gw "$CARDS/front_zhangsan.jpg"
	SIGN=nope run gw "$CARDS/front_zhangsan.jpg"
	run emu_requests
	assert_success
	local sha
	sha=$(sha256sum <"$CARDS/front_zhangsan.jpg" | cut -c1-64)
	run jq -r '.[] | [.method, .path, .headers.accesskey, .headers.methodname, .body_len, .body_sha256, .status,
		.outcome, (.time | type)] | @tsv' <<<"$output"
	assert_line --index 0 "$(printf 'POST\t/api/ai/ocr/idcard\t%s\tidCardRecognition\t%s\t%s\t200\tok\tnumber' \
		"$EMU_ACCESS_KEY" "$(stat -c %s "$CARDS/front_zhangsan.jpg")" "$sha")"
	assert_line --index 1 --partial "$(printf '\t403\tbad-sign\t')"
	[ "$(stats requests)" = 2 ]
}

# --- faults ----------------------------------------------------------------------

@test "fault queue: popped only by authenticated requests, in order" {
	emu_faults '["502","ok","401"]'
	SIGN=bad run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 502
	[ "$(last_outcome)" = fault:502 ]
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 401
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
}

@test "unknown fault names are refused by the control endpoint" {
	run emu_ctl POST /_emu/faults '["nonsense"]'
	assert_failure
	run emu_ctl POST /_emu/faults '{"a":1}'
	assert_failure
}

@test "fault 403: bare 403 although auth passed" {
	emu_faults '["403"]'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	[ ! -s resp.body ]
	[ "$(last_outcome)" = fault:403 ]
}

@test "fault 401: ip被封了 as text" {
	emu_faults '["401"]'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 401
	[ "$(cat resp.body)" = "ip被封了" ]
	grep -qi '^content-type: text/plain' resp.hdr
}

@test "fault quota and --quota: 500 调用次数已用完" {
	emu_faults '["quota"]'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 500
	[ "$(cat resp.body)" = "调用次数已用完" ]
	emu_stop
	emu_start --quota 2
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	run gw "$CARDS/plain.jpg"
	assert_output 200
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 500
	[ "$(cat resp.body)" = "调用次数已用完" ]
	[ "$(last_outcome)" = quota ]
	[ "$(stats charged)" = 2 ]
}

@test "fault 1414: 500 gateway throttling JSON" {
	emu_faults '["1414"]'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 500
	run jq -c . resp.body
	assert_output '{"code":"1414","message":"服务器限流","data":"Server throttling","success":false}'
	[ "$(stats charged)" = 0 ]
}

@test "fault 50004: 200 platform refusal, charged" {
	emu_faults '["50004"]'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	run jq -c . resp.body
	assert_output '{"code":50004,"data":null,"message":"接口正被频繁调用，请稍后再试"}'
	[ "$(stats charged)" = 1 ]
}

@test "faults 50002, 50000, 50003: 200 platform envelopes with int codes" {
	emu_faults '["50002","50000","50003"]'
	local c
	for c in 50002 50000 50003; do
		run gw "$CARDS/front_zhangsan.jpg"
		assert_output 200
		[ "$(jq -r '"\(.code|type) \(.code) \(.data) \(.message|length > 0)"' resp.body)" = "number $c null true" ]
	done
	[ "$(jq -r .message resp.body)" = "接口调用请走网关" ]
	[ "$(stats charged)" = 3 ]
}

@test "fault 10106: recogniser refusal envelope" {
	emu_faults '["10106"]'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	[ "$(jq -r '"\(.code|type) \(.code) \(.desc) \(.data) \(.sid|startswith("wcr"))"' resp.body)" = \
		"string 10106 invalid parameter|invalid X-Appid  true" ]
}

@test "faults 502, 503, 504: that status, HTML body, not charged" {
	emu_faults '["502","503","504"]'
	local c
	for c in 502 503 504; do
		run gw "$CARDS/front_zhangsan.jpg"
		assert_output "$c"
		grep -q '<html>' resp.body
	done
	[ "$(stats charged)" = 0 ]
	[ "$(stats requests)" = 3 ]
}

@test "fault reset: the connection is reset, no response" {
	emu_faults '["reset"]'
	run gw "$CARDS/front_zhangsan.jpg"
	[ "$status" -eq 56 ] || [ "$status" -eq 52 ]
	assert_output --partial 'reset'
	[ "$(last_outcome)" = fault:reset ]
	# The emulator carries on.
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
}

@test "fault ec:40007: success envelope with only error_code and error_msg" {
	emu_faults '["ec:40007","ec:90099"]'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	run jq -c .data resp.body
	assert_output '{"error_code":40007,"error_msg":"fail to recognize"}'
	[ "$(jq -r .code resp.body)" = 0 ]
	run gw "$CARDS/front_zhangsan.jpg"
	[ "$(jq -r .data.error_msg resp.body)" = unknown ]
}

@test "fault platform: the recognition in the platform envelope" {
	emu_faults '["platform"]'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	run jq -r '"\(.code|type) \(.code) \(.message) \(.data.name) \(has("sid")) \(has("desc"))"' resp.body
	assert_output "number 0 success 张三 false false"
}

@test "fault huge: Content-Length 64 MiB, client can hang up" {
	emu_faults '["huge"]'
	run gw "$CARDS/front_zhangsan.jpg" --max-filesize 1000000
	[ "$status" -eq 63 ]
	grep -qi '^content-length: 67108864' resp.hdr
	[ "$(stats charged)" = 1 ]
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
}

@test "fault bad-base64: image members hold invalid base64" {
	emu_faults '["bad-base64"]'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	[ "$(jq -r .data.name resp.body)" = 张三 ]
	local k
	for k in .data.cropped_image .data.head_portrait.image .data.id_number_image; do
		run bash -c "jq -r '$k' resp.body | base64 -d >/dev/null"
		assert_failure
	done
}

@test "fault not-jpeg-image: images are valid base64 of PNG bytes" {
	emu_faults '["not-jpeg-image"]'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	local k
	for k in .data.cropped_image .data.head_portrait.image .data.id_number_image; do
		[ "$(jq -r "$k" resp.body | base64 -d | head -c 4 | od -An -tx1 | tr -d ' ')" = 89504e47 ]
	done
}

@test "fault html: 200 text/html" {
	emu_faults '["html"]'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	grep -qi '^content-type: text/html' resp.hdr
	grep -q '^<html>' resp.body
}

@test "fault truncated: half the announced body, then close" {
	emu_faults '["truncated"]'
	run gw "$CARDS/front_zhangsan.jpg"
	[ "$status" -eq 18 ]
	local len
	len=$(tr -d '\r' <resp.hdr | sed -n 's/^[Cc]ontent-[Ll]ength: //p')
	[ "$(stat -c %s resp.body)" -eq $((len / 2)) ]
}

@test "fault cut-json: a complete 200 whose JSON body stops half-way, charged" {
	emu_faults '["cut-json"]'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	local len
	len=$(tr -d '\r' <resp.hdr | sed -n 's/^[Cc]ontent-[Ll]ength: //p')
	[ "$(stat -c %s resp.body)" -eq "$len" ]
	head -c 9 resp.body | grep -q '^{"code":'
	run jq . resp.body
	[ "$status" -ne 0 ]
	[ "$(charged)" -eq 1 ]
}

@test "faults data-null and data-string" {
	emu_faults '["data-null","data-string"]'
	run gw "$CARDS/front_zhangsan.jpg"
	[ "$(jq -c '[.code, .data, .desc]' resp.body)" = '["0",null,"success"]' ]
	run gw "$CARDS/front_zhangsan.jpg"
	[ "$(jq -c '[.code, .data]' resp.body)" = '["0","oops"]' ]
}

@test "fault slow:S and --latency delay the answer" {
	emu_faults '["slow:0.6"]'
	local t0 t1
	t0=$(date +%s%N)
	run gw "$CARDS/front_zhangsan.jpg"
	t1=$(date +%s%N)
	assert_output 200
	[ $(((t1 - t0) / 1000000)) -ge 600 ]
	emu_config '{"latency": 0.5}'
	t0=$(date +%s%N)
	SIGN=bad run gw "$CARDS/front_zhangsan.jpg"
	t1=$(date +%s%N)
	assert_output 403
	[ $(((t1 - t0) / 1000000)) -ge 500 ]
}

@test "config always applies a fault to every authenticated request; reset restores" {
	emu_config '{"always": "503"}'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 503
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 503
	emu_faults '["ok"]'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	emu_reset
	[ "$(emu_stats)" = '{"requests":0,"charged":0,"refused":0}' ]
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
}

@test "reset clears the nonce store" {
	NONCE=again run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	emu_reset
	NONCE=again run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
}

@test "SIGTERM stops the emulator cleanly" {
	local pid="$EMU_PID"
	local rc=0
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
	unset EMU_PID
	run curl -sS --noproxy '*' "$EMU_URL/_emu/stats"
	assert_failure
}

@test "the card set is deterministic and the cards are valid" {
	/usr/bin/python3 "$MKCARDS" set again
	local f
	for f in front_zhangsan back_zhangsan front_lisi temporary_wangwu truncated nosof notjpeg plain; do
		cmp "$CARDS/$f.jpg" "again/$f.jpg"
	done
	for f in front_zhangsan back_zhangsan front_lisi temporary_wangwu; do
		[ "$(stat -c %s "$CARDS/$f.jpg")" -lt 204800 ]
		[ "$(head -c 2 "$CARDS/$f.jpg" | od -An -tx1 | tr -d ' ')" = ffd8 ]
		[ "$(tail -c 2 "$CARDS/$f.jpg" | od -An -tx1 | tr -d ' ')" = ffd9 ]
	done
	[ "$(tail -c 2 "$CARDS/truncated.jpg" | od -An -tx1 | tr -d ' ')" != ffd9 ]
	[ ! -s "$CARDS/empty.jpg" ]
	run /usr/bin/python3 "$MKCARDS" check 440105199208220038
	assert_output valid
	run /usr/bin/python3 "$MKCARDS" check 11010119851127100X
	assert_output valid
	run /usr/bin/python3 "$MKCARDS" check 440105199208220035
	assert_failure
}

# --- the backend's rate limiter (--backend-rate, config backend_rate) --------------

# limiter_run RATE CREATED_US T_US...: feed tryAcquire times to the emulator's
# BackendLimiter on a fake clock; one line per call: T admitted next_free_us stored_permits.
limiter_run() {
	EMU_DIR="$(dirname "$EMULATOR")" /usr/bin/python3 -c '
import os, sys
sys.path.insert(0, os.environ["EMU_DIR"])
from emulator import BackendLimiter
lim = BackendLimiter(float(sys.argv[1]), int(sys.argv[2]))
for t in sys.argv[3:]:
    ok = lim.try_acquire(int(t))
    print(t, "yes" if ok else "no", lim.next_free_us, "%.6f" % lim.stored_permits)
' "$@"
}

@test "backend limiter: Guava SmoothBursty arithmetic, exactly, on a fake clock" {
	# Created at 0 with no stored permits and nextFreeTicket = 0.  A first request
	# at delta = 0.5 s resyncs to 0.5 stored permits, spends them, pays the other
	# 0.5 permit from the future: nextFreeTicket = 0.5 + 0.5 = 1.0 s.  So a second
	# request at 0.7 s is refused and one at 1.0 s is admitted (reserving 1 s more).
	run limiter_run 1 0 500000 700000 1000000 1000001
	assert_output "$(printf '%s\n' '500000 yes 1000000 0.000000' '700000 no 1000000 0.000000' \
		'1000000 yes 2000000 0.000000' '1000001 no 2000000 0.000000')"
	# Generally nextFreeTicket after the first request is t1 + (long)((1 - delta) * 1e6),
	# i.e. about max(t0 + 1 s, t1): two requests 0.2 s apart both pass only if the
	# first came about 0.8 s or more after creation.  The (long) cast truncates the
	# double as Java does: 1 - 0.8 = 0.19999999999999996, so the ticket is 999999, and
	# 1 - 0.7 = 0.30000000000000004 gives 1000000.
	run limiter_run 1 0 800000 1000000
	assert_output "$(printf '%s\n' '800000 yes 999999 0.000000' '1000000 yes 1999999 0.000000')"
	run limiter_run 1 0 700000 900000 999999 1000000
	assert_output "$(printf '%s\n' '700000 yes 1000000 0.000000' '900000 no 1000000 0.000000' \
		'999999 no 1000000 0.000000' '1000000 yes 2000000 0.000000')"
	# Idle >= 1 s: the stored permits are capped at maxPermits = 1.  The first
	# request spends the stored permit and reserves nothing (nextFreeTicket = now);
	# the second, 0.2 s later, resyncs 0.2 stored, spends them, reserves 0.8:
	# nextFreeTicket = t1 + 1 s.  A third at once is refused; at t1 + 1 s it passes.
	run limiter_run 1 0 3000000 3200000 3200001 3999999 4000000
	assert_output "$(printf '%s\n' '3000000 yes 3000000 0.000000' '3200000 yes 4000000 0.000000' \
		'3200001 no 4000000 0.000000' '3999999 no 4000000 0.000000' '4000000 yes 5000000 0.000000')"
	# tryAcquire only asks whether nextFreeTicket <= now: after an idle second two
	# requests at the very same instant both pass (stored permit, then one from the future).
	run limiter_run 1 0 2000000 2000000 2000000
	assert_output "$(printf '%s\n' '2000000 yes 2000000 0.000000' '2000000 yes 3000000 0.000000' \
		'2000000 no 3000000 0.000000')"
	# Requests spaced 1.05 s never meet a reservation.
	run limiter_run 1 0 1050000 2100000 3150000 4200000
	refute_output --partial ' no '
	# R = 2: interval 0.5 s, up to 2 stored permits: after idling, three at once pass.
	run limiter_run 2 0 5000000 5000000 5000000 5000000 5500000
	assert_output "$(printf '%s\n' '5000000 yes 5000000 1.000000' '5000000 yes 5000000 0.000000' \
		'5000000 yes 5500000 0.000000' '5000000 no 5500000 0.000000' '5500000 yes 6000000 0.000000')"
}

@test "--backend-rate 1: two requests 0.2 s apart after an idle second pass, a third at once is 50004 and charged" {
	emu_stop
	emu_start --backend-rate 1
	# Idle for more than 1 s after the limiter was created: one stored permit.
	sleep 1.2
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	[ "$(jq -r .code resp.body)" = 0 ]
	sleep 0.2
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	[ "$(jq -r .code resp.body)" = 0 ]
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	[ "$(cat resp.body)" = '{"code":50004,"data":null,"message":"接口正被频繁调用，请稍后再试"}' ]
	grep -qi '^content-type: application/json' resp.hdr
	[ "$(last_outcome)" = backend-refused ]
	[ "$(emu_stats)" = '{"requests":3,"charged":3,"refused":1}' ]
	# The limiter's own account: the first request spent the stored permit and
	# reserved nothing; the second reserved up to exactly 1 s after the first
	# (0.8 s after itself, give or take the (long) cast); the third found that
	# reservation still ahead and was refused without changing anything.
	emu_requests >reqs.json
	run jq -r '[.[] | .backend | (.admitted | tostring), (.now_us - .next_free_us | tostring)] | join(" ")' reqs.json
	local -a a
	read -r -a a <<<"$output"
	[ "${a[0]}" = true ] && [ "${a[1]}" = 0 ]
	[ "${a[2]}" = true ] && [ "${a[4]}" = false ]
	local t1 n2 t3 n3
	t1=$(jq '.[0].backend.now_us' reqs.json)
	n2=$(jq '.[1].backend.next_free_us' reqs.json)
	t3=$(jq '.[2].backend.now_us' reqs.json)
	n3=$(jq '.[2].backend.next_free_us' reqs.json)
	[ $((n2 - t1 - 1000000)) -ge -1 ] && [ $((n2 - t1 - 1000000)) -le 0 ]
	[ "$n3" = "$n2" ] && [ "$t3" -lt "$n3" ]
}

@test "backend limiter: requests spaced 1.05 s are all admitted" {
	emu_config '{"backend_rate": 1}'
	local i
	for i in 1 2 3; do
		sleep 1.05
		run gw "$CARDS/front_zhangsan.jpg"
		assert_output 200
		[ "$(jq -r .code resp.body)" = 0 ]
	done
	[ "$(emu_stats)" = '{"requests":3,"charged":3,"refused":0}' ]
}

@test "backend limiter sits behind auth, quota and faults; config and reset control it" {
	# Config makes a new limiter (no stored permits) at this moment.
	emu_config '{"backend_rate": 1}'
	sleep 1.2
	# None of these reach the backend: a 403, fault answers, a used-up quota.
	SIGN=bad run gw "$CARDS/front_zhangsan.jpg"
	assert_output 403
	emu_faults '["50002","ec:40007","503"]'
	run gw "$CARDS/front_zhangsan.jpg"
	run gw "$CARDS/front_zhangsan.jpg"
	run gw "$CARDS/front_zhangsan.jpg"
	emu_config '{"quota": 2}'
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 500
	emu_config '{"quota": null}'
	[ "$(emu_requests | jq '[.[] | select(has("backend"))] | length')" = 0 ]
	# So the stored permit is still there: two admitted, the third refused.
	run gw "$CARDS/front_zhangsan.jpg"
	[ "$(jq -r .code resp.body)" = 0 ]
	run gw "$CARDS/front_zhangsan.jpg"
	[ "$(jq -r .code resp.body)" = 0 ]
	run gw "$CARDS/front_zhangsan.jpg"
	[ "$(jq -r .code resp.body)" = 50004 ]
	[ "$(emu_stats | jq -c '[.charged, .refused]')" = '[5,1]' ]
	# backend_rate 0 turns it off.
	emu_config '{"backend_rate": 0}'
	run gw "$CARDS/front_zhangsan.jpg"
	[ "$(jq -r .code resp.body)" = 0 ]
	run gw "$CARDS/front_zhangsan.jpg"
	[ "$(jq -r .code resp.body)" = 0 ]
	[ "$(emu_stats | jq .refused)" = 1 ]
	# Bad values are refused; reset zeroes the counter and restores the command line's rate (off).
	run emu_ctl POST /_emu/config '{"backend_rate": -1}'
	assert_failure
	run emu_ctl POST /_emu/config '{"backend_rate": "1"}'
	assert_failure
	emu_reset
	[ "$(emu_stats)" = '{"requests":0,"charged":0,"refused":0}' ]
	run gw "$CARDS/front_zhangsan.jpg"
	run gw "$CARDS/front_zhangsan.jpg"
	[ "$(jq -r .code resp.body)" = 0 ]
}

@test "--no-images and config no_images leave the images out, fields stay" {
	emu_stop
	emu_start --no-images
	run gw "$CARDS/front_zhangsan.jpg"
	assert_output 200
	run jq -r '[.data.error_code, .data.name, .data.id_number, has("cropped_image"),
		(.data | has("cropped_image") or has("head_portrait") or has("id_number_image"))] | @tsv' resp.body
	assert_output "$(printf '0\t张三\t440105199208220038\tfalse\tfalse')"
	run gw "$CARDS/back_zhangsan.jpg"
	[ "$(jq -r '.data | has("cropped_image")' resp.body)" = false ]
	[ "$(jq -r '.data.validity | length > 0' resp.body)" = true ]
	emu_config '{"no_images": false}'
	run gw "$CARDS/front_zhangsan.jpg"
	[ "$(jq -r '.data | has("cropped_image") and has("head_portrait") and has("id_number_image")' resp.body)" = true ]
	run emu_ctl POST /_emu/config '{"no_images": 1}'
	assert_failure
}

@test "16 concurrent requests with --latency 1 are answered together, not one after another" {
	emu_config '{"latency": 1, "no_images": true}'
	local i t0 t1
	t0=$(date +%s%N)
	local -a pids=()
	for i in $(seq 16); do
		(mkdir -p "c$i" && cd "c$i" && gw "$CARDS/front_zhangsan.jpg" --max-time 20 >code) &
		pids+=($!)
	done
	# Only these: a bare wait would also wait for the emulator.
	wait "${pids[@]}"
	t1=$(date +%s%N)
	for i in $(seq 16); do
		[ "$(cat "c$i/code")" = 200 ]
		[ "$(jq -r .code "c$i/resp.body")" = 0 ]
	done
	# Serialised, this would take 16 s; concurrently a little over 1 s.
	[ $(((t1 - t0) / 1000000)) -lt 4000 ]
	[ "$(emu_stats | jq .charged)" = 16 ]
}
