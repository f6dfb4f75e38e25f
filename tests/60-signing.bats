# What goes on the wire, as the emulator recorded it: method, path, signed headers, body, nonces, pacing, -v, endpoint.
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
	cp "$C/temporary_wangwu.jpg" temp.jpg
}

# req N FILTER: jq FILTER on the Nth (0-based) recorded gateway request.
req() { emu_requests | jq -r ".[$1] | $2"; }
sha() { sha256sum <"$1" | cut -c1-64; }
sign_of() { printf '%s.%s' "$1" "$EMU_SECRET_KEY" | sha256sum | cut -c1-64; }

# assert_gaps MIN: consecutive recorded request arrival times are at least MIN seconds apart.
assert_gaps() {
	emu_requests | jq -e --argjson min "$1" '
		[.[].time] as $t | [range(1; $t | length) | $t[.] - $t[. - 1]] as $g |
		if ($g | all(. >= $min)) then true else ("gaps: " + ($g | tostring) | halt_error(1)) end' >/dev/null
}

@test "one request: POST to /api/ai/ocr/idcard with every signed header, the sign checks out" {
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 1
	assert_equal "$(req 0 .method)" POST
	assert_equal "$(req 0 .path)" /api/ai/ocr/idcard
	assert_equal "$(req 0 .outcome)" ok
	assert_equal "$(req 0 .headers.accesskey)" "$EMU_ACCESS_KEY"
	nonce=$(req 0 .headers.nonce)
	[[ "$nonce" =~ ^[0-9a-f]{16,}$ ]]
	ts=$(req 0 .headers.timestamp)
	now=$(date +%s)
	[[ "$ts" =~ ^[0-9]+$ ]]
	((ts >= now - 5 && ts <= now + 5))
	body=$(req 0 .headers.body)
	assert_equal "$body" "$(sha front.jpg)"
	assert_equal "$(req 0 .headers.sign)" "$(sign_of "$body")"
	assert_equal "$(req 0 .headers.methodname)" idCardRecognition
	assert_equal "$(req 0 '.headers["content-type"]')" application/octet-stream
}

@test "the uploaded bytes are the file, untouched" {
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg back.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 2
	assert_equal "$(req 0 .body_sha256)" "$(sha front.jpg)"
	assert_equal "$(req 0 .body_len)" "$(stat -c %s front.jpg)"
	assert_equal "$(req 1 .body_sha256)" "$(sha back.jpg)"
	assert_equal "$(req 1 .body_len)" "$(stat -c %s back.jpg)"
	# The body header and the sign are specific to each image.
	assert_equal "$(req 1 .headers.body)" "$(sha back.jpg)"
	assert_equal "$(req 1 .headers.sign)" "$(sign_of "$(sha back.jpg)")"
	[ "$(req 0 .headers.sign)" != "$(req 1 .headers.sign)" ]
}

@test "user-agent starts with faiz-idcard/ and carries the --version number" {
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 0
	ver=$("$FAIZ" --version | awk '{print $2}')
	[[ "$ver" =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]
	ua=$(req 0 '.headers["user-agent"]')
	[[ "$ua" == faiz-idcard/* ]]
	[[ "$ua" == "faiz-idcard/$ver"* ]]
}

@test "the secret key appears in no header, no body, and nothing the client prints" {
	run --separate-stderr "$FAIZ" -v --rate 50 front.jpg back.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 2
	reqs=$(emu_requests)
	[[ "$reqs" != *"$EMU_SECRET_KEY"* ]]
	for f in front.jpg back.jpg; do
		assert_equal "$(grep -acF "$EMU_SECRET_KEY" "$f" || true)" 0
	done
	# The bodies received are exactly those files (checked by digest), so no body carried it.
	assert_equal "$(req 0 .body_sha256)" "$(sha front.jpg)"
	assert_equal "$(req 1 .body_sha256)" "$(sha back.jpg)"
	[[ "$output" != *"$EMU_SECRET_KEY"* ]]
	[[ "$stderr" != *"$EMU_SECRET_KEY"* ]]
}

@test "nonces are distinct across a 5-file batch" {
	distinct front.jpg front2.jpg 2
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg back.jpg lisi.jpg temp.jpg front2.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 5
	assert_equal "$(emu_requests | jq '[.[].headers.nonce] | unique | length')" 5
	assert_equal "$(emu_requests | jq '[.[].headers.nonce | select(test("^[0-9a-f]{16,}$"))] | length')" 5
	# None was refused as a replay.
	assert_equal "$(emu_requests | jq -c '[.[].outcome | select(. == "replay")]')" '[]'
}

@test "a retry carries a new nonce and a fresh signature over the same image" {
	emu_faults '["502"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 2
	[ "$(req 0 .headers.nonce)" != "$(req 1 .headers.nonce)" ]
	assert_equal "$(req 1 .body_sha256)" "$(sha front.jpg)"
	assert_equal "$(req 1 .headers.sign)" "$(sign_of "$(sha front.jpg)")"
	now=$(date +%s)
	ts=$(req 1 .headers.timestamp)
	((ts >= now - 5 && ts <= now + 5))
}

@test "--rate 2 over 4 files: requests start at least 0.45 s apart" {
	distinct front.jpg front2.jpg 2
	run --separate-stderr "$FAIZ" --rate 2 front.jpg lisi.jpg temp.jpg front2.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 4
	assert_gaps 0.45
}

@test "default rate: the first two requests are at least 0.95 s apart" {
	run --separate-stderr "$FAIZ" front.jpg lisi.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 2
	assert_gaps 0.95
}

@test "-v prints one line per request: POST, the URL, HTTP status, bytes, time; never the secret" {
	emu_faults '["502"]'
	run --separate-stderr "$FAIZ" -j 1 -v --rate 50 front.jpg lisi.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 3
	url="$EMU_URL/api/ai/ocr/idcard"
	vlines=$(printf '%s\n' "$stderr" | grep -F "POST $url")
	assert_equal "$(printf '%s\n' "$vlines" | grep -c .)" 3
	# Each line: status, bytes and time.
	while IFS= read -r l; do
		[[ "$l" == "faiz-idcard: "* ]]
		[[ "$l" =~ HTTP\ (200|502) ]]
		[[ "$l" =~ [0-9]+\ bytes ]]
		[[ "$l" =~ [0-9.]+\ ?s($|[^a-z]) ]]
	done <<<"$vlines"
	printf '%s\n' "$vlines" | sed -n 1p | grep -q 'HTTP 502'
	printf '%s\n' "$vlines" | sed -n 2p | grep -q 'HTTP 200'
	# The bytes sent are the file's size.
	printf '%s\n' "$vlines" | sed -n 1p | grep -q "$(stat -c %s front.jpg) bytes"
	printf '%s\n' "$vlines" | sed -n 3p | grep -q "$(stat -c %s lisi.jpg) bytes"
	[[ "$stderr" != *"$EMU_SECRET_KEY"* ]]
}

@test "without -v no per-request lines" {
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 0
	[[ "$stderr" != *"POST "* ]]
}

@test "--endpoint overrides FAIZ_ENDPOINT" {
	FAIZ_ENDPOINT=http://127.0.0.1:1 run --separate-stderr "$FAIZ" -j 1 --rate 50 --retries 0 --endpoint "$EMU_URL" front.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 1
	assert_equal "$(req 0 .path)" /api/ai/ocr/idcard
	assert_equal "$(printf '%s\n' "$output" | jq -r .id_number)" 440105199208220038
}

@test "a trailing slash on the endpoint still gives the right path (option and environment)" {
	run --separate-stderr "$FAIZ" -j 1 --rate 50 --endpoint "$EMU_URL/" front.jpg
	assert_equal "$status" 0
	FAIZ_ENDPOINT="$EMU_URL/" run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 2
	assert_equal "$(emu_requests | jq -c '[.[].path]')" '["/api/ai/ocr/idcard","/api/ai/ocr/idcard"]'
	assert_equal "$(emu_requests | jq -c '[.[].outcome]')" '["ok","ok"]'
}
