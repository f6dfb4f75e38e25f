# The server modules of `faiz-idcard serve`, driven through build/srv-testd (a test double with a fake engine): answers, auth, limits, operations.
bats_require_minimum_version 1.5.0
load helper

SRV_TESTD="${SRV_TESTD:-$BATS_TEST_DIRNAME/../build/srv-testd}"
AK=0123456789abcdef0123456789abcdef
SK=fedcba9876543210fedcba9876543210

setup() {
	common_setup
	C="$(cards)"
	SRV_PIDS=()
	BG_PIDS=()
}

teardown() {
	local p
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for p in "${SRV_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -z "${REDIS_PID:-}" ] || { kill "$REDIS_PID" 2>/dev/null; wait "$REDIS_PID" 2>/dev/null; }
	return 0
}

# srv_start NAME [ARGS]: start a server; sets SRV_PID, SRV_PORT, SRV_URL, SRV_LOG (NAME.log).
srv_start() {
	local name="$1" i
	shift
	SRV_LOG="$BATS_TEST_TMPDIR/$name.log"
	rm -f "$BATS_TEST_TMPDIR/$name.port"
	"$SRV_TESTD" --port-file "$BATS_TEST_TMPDIR/$name.port" "$@" 2>"$SRV_LOG" 3>&- &
	SRV_PID=$!
	SRV_PIDS+=("$SRV_PID")
	for i in $(seq 100); do
		[ -s "$BATS_TEST_TMPDIR/$name.port" ] && break
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.05
	done
	if [ ! -s "$BATS_TEST_TMPDIR/$name.port" ]; then
		echo "srv-testd did not start:" >&2
		cat "$SRV_LOG" >&2
		return 1
	fi
	SRV_PORT="$(cat "$BATS_TEST_TMPDIR/$name.port")"
	SRV_URL="http://127.0.0.1:$SRV_PORT"
}

keys_file() { # FILE: the emulator's test key, mode 0600
	printf '# test keys\n%s %s\n' "$AK" "$SK" >"$1"
	chmod 600 "$1"
}

sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# post FILE [CURL ARGS]: POST the file as the raw body; prints "STATUS" on the first line, then the body.
post() {
	local f="$1"
	shift
	curl -sS --noproxy '*' -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}\n' \
		-H "Content-Type: ${POST_CT:-application/octet-stream}" --data-binary "@$f" "$@" \
		"$SRV_URL/api/ai/ocr/idcard"
	cat "$BATS_TEST_TMPDIR/body"
}

# signed FILE NONCE TS BODY [CURL ARGS]: POST with the gateway's headers, signed with the test secret.
signed() {
	local f="$1" nonce="$2" ts="$3" body="$4"
	shift 4
	post "$f" -H "accessKey: $AK" -H "nonce: $nonce" -H "timestamp: $ts" \
		-H "body: $body" -H "sign: $(sha "$body.$SK")" "$@"
}

ecode() { sed 1d <<<"$1" | jq -r .data.error_code; }
status_of() { head -n1 <<<"$1"; }

# metric NAME: its value in /metrics.
metric() { curl -sS --noproxy '*' "$SRV_URL/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }

metric_is() { [ "$(metric "$1")" = "$2" ]; }

# wait_for CMD...: poll until CMD succeeds (at most 20 s), so no test depends on timing.
wait_for() {
	local i
	for i in $(seq 400); do
		"$@" && return 0
		sleep 0.05
	done
	echo "wait_for timed out: $*" >&2
	return 1
}

@test "serve: a raw JPEG body is answered in the iFlytek envelope with every field" {
	srv_start s
	run -0 post "$C/front_zhangsan.jpg"
	assert_equal "$(status_of "$output")" 200
	body="$(sed 1d <<<"$output")"
	assert_equal "$(jq -r .code <<<"$body")" 0
	assert_equal "$(jq -r '.code | type' <<<"$body")" string
	assert_equal "$(jq -r .desc <<<"$body")" success
	[[ "$(jq -r .sid <<<"$body")" =~ ^wcr[0-9a-f]{21}$ ]]
	assert_equal "$(jq -c '.data | keys' <<<"$body")" \
		'["address","birthday","border_covered","complete","cropped_image","error_code","error_msg","gray_image","head_blurred","head_covered","head_portrait","id_number","id_number_image","name","people","sex","time_cost","type"]'
	assert_equal "$(jq -r .data.name <<<"$body")" 张三
	assert_equal "$(jq -r .data.id_number <<<"$body")" 440105199208220038
	assert_equal "$(jq -r .data.type <<<"$body")" 第二代身份证
	assert_equal "$(jq -c '[.data.error_code, .data.error_msg, .data.complete, .data.head_covered]' <<<"$body")" '[0,"ok",true,false]'
	assert_equal "$(jq -c '.data.time_cost | keys' <<<"$body")" '["preprocess","recognize"]'
	# The fake engine returns the upload as every image: base64 on one line, decoding to it.
	jq -r .data.head_portrait.image <<<"$body" | base64 -d >portrait.jpg
	cmp portrait.jpg "$C/front_zhangsan.jpg"
	# Compact, sorted keys, as the emulator of the service writes it.
	[[ "$body" == '{"code":"0","data":{"address":"'* ]]
}

@test "serve: the back of a card carries issue_authority and validity, no front fields" {
	srv_start s
	run -0 post "$C/back_zhangsan.jpg"
	body="$(sed 1d <<<"$output")"
	assert_equal "$(jq -r .data.type <<<"$body")" 第二代身份证背面
	assert_equal "$(jq -r .data.issue_authority <<<"$body")" 广州市公安局海珠分局
	assert_equal "$(jq -r '.data | has("name"), has("head_portrait"), has("cropped_image")' <<<"$body" | tr '\n' ' ')" 'false false true '
}

@test "serve: multipart/form-data with the imageData field gives the same data as the raw body" {
	srv_start s
	run -0 curl -sS --noproxy '*' -F "imageData=@$C/front_lisi.jpg;type=image/jpeg" -F other=x "$SRV_URL/api/ai/ocr/idcard"
	multi="$(jq -c 'del(.sid)' <<<"$output")"
	run -0 post "$C/front_lisi.jpg"
	raw="$(sed 1d <<<"$output" | jq -c 'del(.sid)')"
	assert_equal "$multi" "$raw"
	assert_equal "$(jq -r .data.name <<<"$raw")" 李四
}

@test "serve: multipart errors: no imageData 40002, wrong Content-Type 40008, cut body 40009" {
	srv_start s
	run -0 curl -sS --noproxy '*' -F "image=@$C/front_lisi.jpg" "$SRV_URL/api/ai/ocr/idcard"
	assert_equal "$(jq -c .data <<<"$output")" '{"error_code":40002,"error_msg":"missing parameter"}'
	printf -- '--XyZ\r\nContent-Disposition: form-data; name="imageData"\r\n\r\n' >form.bin
	cat "$C/front_lisi.jpg" >>form.bin
	printf '\r\n--XyZ--\r\n' >>form.bin
	for ct in 'multipart/form-data' 'multipart/mixed; boundary=XyZ' 'application/x-www-form-urlencoded'; do
		POST_CT="$ct" run -0 post form.bin
		assert_equal "$(ecode "$output")" 40008
	done
	POST_CT='multipart/form-data; boundary=XyZ' run -0 post form.bin
	assert_equal "$(ecode "$output")" 0
	head -c 50000 form.bin >cut.bin
	POST_CT='multipart/form-data; boundary=XyZ' run -0 post cut.bin
	assert_equal "$(status_of "$output")" 200
	assert_equal "$(sed 1d <<<"$output" | jq -c .data)" '{"error_code":40009,"error_msg":"corrupted request body"}'
}

@test "serve: the page's error codes for bad uploads: 40004 40005 40009 40010 40007 40006" {
	srv_start s
	: >empty.bin
	run -0 post empty.bin
	assert_equal "$(sed 1d <<<"$output" | jq -c .data)" '{"error_code":40004,"error_msg":"missing request body"}'
	run -0 post "$C/notjpeg.jpg"
	assert_equal "$(sed 1d <<<"$output" | jq -c .data)" '{"error_code":40005,"error_msg":"invalid image format"}'
	run -0 post "$C/truncated.jpg"
	assert_equal "$(ecode "$output")" 40009
	run -0 post "$C/nosof.jpg"
	assert_equal "$(sed 1d <<<"$output" | jq -c .data)" '{"error_code":40010,"error_msg":"fail to extract image"}'
	run -0 post "$C/plain.jpg"
	assert_equal "$(sed 1d <<<"$output" | jq -c .data)" '{"error_code":40007,"error_msg":"fail to recognize"}'
	# Over 3 MiB (a card with bytes after its end marker) but under the body cap.
	cp "$C/front_lisi.jpg" big.jpg
	head -c 3100000 /dev/zero >>big.jpg
	run -0 post big.jpg
	assert_equal "$(sed 1d <<<"$output" | jq -c .data)" '{"error_code":40006,"error_msg":"invalid image size"}'
	# Over 4000 px on the longest side.
	"$PYTHON" "$MKCARDS" front -o wide.jpg --width 4100 --name 王五 --sex 男 --people 汉 \
		--birthday 1990年1月1日 --address 北京市 --id-number 11010119900101001X
	run -0 post wide.jpg
	assert_equal "$(ecode "$output")" 40006
}

@test "serve: the body cap: Content-Length over it is refused before the body is read, streamed bodies too" {
	srv_start s --max-body 200000
	head -c 2000000 /dev/zero >huge.bin
	run -0 post huge.bin
	assert_equal "$(ecode "$output")" 40006
	grep -q 'POST /api/ai/ocr/idcard 200 40006 in=0 ' "$SRV_LOG"
	# Chunked: read on without keeping it, answered at the end.
	head -c 300000 /dev/zero >chunk.bin
	run -0 post chunk.bin -H 'Transfer-Encoding: chunked'
	assert_equal "$(ecode "$output")" 40006
	# Far over the cap: the connection is dropped instead of read to the end.
	run curl -sS --noproxy '*' -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
		--data-binary @huge.bin "$SRV_URL/api/ai/ocr/idcard"
	[ "$status" -ne 0 ] || [ "$output" != 200 ]
	# The server is still fine.
	run -0 post "$C/front_lisi.jpg"
	assert_equal "$(ecode "$output")" 0
}

@test "serve: any other path or method is the gateway's bare 403" {
	srv_start s
	run -0 curl -sS --noproxy '*' -o body -w '%{http_code} %{size_download}' "$SRV_URL/api/ai/ocr/idcard"
	assert_equal "$output" '403 0'
	run -0 curl -sS --noproxy '*' -o body -w '%{http_code} %{size_download}' --data-binary @"$C/front_lisi.jpg" "$SRV_URL/api/ai/ocr/other"
	assert_equal "$output" '403 0'
	run -0 curl -sS --noproxy '*' -o body -w '%{http_code}' -X POST "$SRV_URL/healthz"
	assert_equal "$output" 403
}

@test "serve --keys: the gateway's checks: unsigned, wrong sign, stale, replay are bare 403s; this tool's and the Java SDK's requests pass" {
	keys_file keys
	srv_start s --keys keys
	now=$(date +%s)
	digest=$(sha256sum "$C/front_lisi.jpg" | cut -d' ' -f1)
	# No headers at all.
	run -0 post "$C/front_lisi.jpg"
	assert_equal "$output" 403
	# This tool's style: body = the image's SHA-256, a long nonce.
	run -0 signed "$C/front_lisi.jpg" "n-$RANDOM$RANDOM$RANDOM" "$now" "$digest"
	assert_equal "$(ecode "$output")" 0
	# The Java SDK's: body = byte[].toString(), a 4-digit nonce.
	run -0 signed "$C/front_lisi.jpg" 4821 "$now" '[B@6d06d69c'
	assert_equal "$(ecode "$output")" 0
	# Replayed nonce.
	run -0 signed "$C/front_lisi.jpg" 4821 "$now" '[B@6d06d69c'
	assert_equal "$output" 403
	# Stale (301 s) and nearly stale (290 s: margin for a slow machine; the exact
	# edge is in the unit test) timestamps; the future is fine.
	run -0 signed "$C/front_lisi.jpg" n-stale $(($(date +%s) - 301)) "$digest"
	assert_equal "$output" 403
	run -0 signed "$C/front_lisi.jpg" n-edge $(($(date +%s) - 290)) "$digest"
	assert_equal "$(ecode "$output")" 0
	run -0 signed "$C/front_lisi.jpg" n-future $((now + 86400)) "$digest"
	assert_equal "$(ecode "$output")" 0
	# Wrong sign; unknown access key.
	run -0 post "$C/front_lisi.jpg" -H "accessKey: $AK" -H 'nonce: n-bad' -H "timestamp: $now" \
		-H "body: $digest" -H "sign: $(sha "$digest.wrongsecret")"
	assert_equal "$output" 403
	run -0 post "$C/front_lisi.jpg" -H 'accessKey: nobody' -H 'nonce: n-who' -H "timestamp: $now" \
		-H "body: $digest" -H "sign: $(sha "$digest.$SK")"
	assert_equal "$output" 403
	# No body header: signed as "null".
	run -0 post "$C/front_lisi.jpg" -H "accessKey: $AK" -H 'nonce: n-null' -H "timestamp: $now" \
		-H "sign: $(sha "null.$SK")"
	assert_equal "$(ecode "$output")" 0
	# The 403s carry a Date header for the client's clock check.
	run -0 curl -sS --noproxy '*' -D - -o /dev/null --data-binary @"$C/front_lisi.jpg" "$SRV_URL/api/ai/ocr/idcard"
	grep -q '^Date: ' <<<"$output"
	# The metrics count the refusals.
	[ "$(metric 'faiz_serve_requests_total{result="403"}')" -ge 6 ]
}

@test "serve --require-body-hash: body must be the image's SHA-256 (Java SDK style refused)" {
	keys_file keys
	srv_start s --keys keys --require-body-hash
	now=$(date +%s)
	run -0 signed "$C/front_lisi.jpg" 1234 "$now" '[B@6d06d69c'
	assert_equal "$output" 403
	run -0 signed "$C/front_lisi.jpg" n-1 "$now" "$(sha256sum "$C/back_zhangsan.jpg" | cut -d' ' -f1)"
	assert_equal "$output" 403
	run -0 signed "$C/front_lisi.jpg" n-2 "$now" "$(sha256sum "$C/front_lisi.jpg" | cut -d' ' -f1)"
	assert_equal "$(ecode "$output")" 0
	grep -q ' 403 403 ' "$SRV_LOG"
}

@test "serve: this tool's client (--endpoint, keys) gets the same records as from the gateway emulator" {
	keys_file keys
	srv_start s --keys keys -j 2
	local files=("$C/front_zhangsan.jpg" "$C/back_zhangsan.jpg" "$C/front_lisi.jpg" "$C/temporary_wangwu.jpg" "$C/plain.jpg")
	run --separate-stderr env FAIZ_ENDPOINT="$SRV_URL" FAIZ_ACCESS_KEY=$AK FAIZ_SECRET_KEY=$SK \
		"$FAIZ" -f ndjson -j 4 --rate 100 "${files[@]}"
	assert_equal "$status" 1 # plain.jpg is not a card
	assert_records 5
	jq -c 'del(.sid)' <<<"$output" >served.ndjson
	assert_equal "$(jq -r 'select(.name != null) | .name' served.ndjson | sort | tr '\n' ' ')" '张三 李四 王五 '
	emu_start
	run --separate-stderr "$FAIZ" -f ndjson -j 4 --rate 100 "${files[@]}"
	emu_stop
	assert_equal "$status" 1
	jq -c 'del(.sid)' <<<"$output" >emulated.ndjson
	diff emulated.ndjson served.ndjson
}

@test "serve: keys file must be mode 0600; errors never show a secret" {
	keys_file keys
	chmod 644 keys
	run "$SRV_TESTD" --port-file p --keys keys
	assert_equal "$status" 1
	[[ "$output" == *"keys: keys file is mode 0644"*"must be mode 0600"* ]]
	[[ "$output" != *"$SK"* ]]
	printf '%s %s extra\n' "$AK" "$SK" >keys
	chmod 600 keys
	run "$SRV_TESTD" --port-file p --keys keys
	assert_equal "$status" 1
	[[ "$output" == *"line 1"* && "$output" != *"$SK"* ]]
}

@test "serve: refuses a non-loopback address without --keys, allows it with" {
	run "$SRV_TESTD" --port-file p --listen 0.0.0.0:0
	assert_equal "$status" 1
	[[ "$output" == *"refusing to listen on a non-loopback address without --keys"* ]]
	run "$SRV_TESTD" --port-file p --listen '[::]:0'
	assert_equal "$status" 1
	keys_file keys
	srv_start s --keys keys --listen 0.0.0.0:0
	run -0 curl -sS --noproxy '*' "$SRV_URL/healthz"
	assert_equal "$output" ready
}

@test "serve: listens on IPv6 loopback" {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null || {
		echo "no IPv6 loopback on this machine" >&2
		return 1
	}
	srv_start s --listen '[::1]:0'
	run -0 curl -sS --noproxy '*' "http://[::1]:$SRV_PORT/healthz"
	assert_equal "$output" ready
	grep -q '^srv-testd: \[::1\]:[0-9]* GET /healthz 200' "$SRV_LOG"
}

@test "serve: SIGHUP reloads the keys; a broken file keeps the old ones" {
	keys_file keys
	srv_start s --keys keys
	now=$(date +%s)
	printf 'newkey newsecret\n' >keys
	kill -HUP "$SRV_PID"
	wait_for grep -q 'SIGHUP: keys reloaded (1 keys)' "$SRV_LOG"
	run -0 signed "$C/front_lisi.jpg" n-old "$now" x
	assert_equal "$output" 403
	run -0 post "$C/front_lisi.jpg" -H 'accessKey: newkey' -H 'nonce: n-new' -H "timestamp: $now" \
		-H 'body: x' -H "sign: $(sha x.newsecret)"
	assert_equal "$(ecode "$output")" 0
	chmod 644 keys
	kill -HUP "$SRV_PID"
	wait_for grep -q 'keys not reloaded, the old keys stay' "$SRV_LOG"
	run -0 post "$C/front_lisi.jpg" -H 'accessKey: newkey' -H 'nonce: n-new2' -H "timestamp: $now" \
		-H 'body: x' -H "sign: $(sha x.newsecret)"
	assert_equal "$(ecode "$output")" 0
	! grep -q newsecret "$SRV_LOG"
}

@test "serve: overload: 1 worker, queue 1, slow engine: the third request is answered 503 at once with Retry-After" {
	srv_start s -j 1 --queue 1 --delay 4 --timeout 30
	post "$C/front_lisi.jpg" >r1 3>&- &
	BG_PIDS+=($!)
	wait_for metric_is faiz_serve_queue_running 1
	post "$C/front_zhangsan.jpg" >r2 3>&- &
	BG_PIDS+=($!)
	wait_for metric_is faiz_serve_queue_waiting 1
	run -0 curl -sS --noproxy '*' -D headers -o body -w '%{http_code}' --data-binary @"$C/back_zhangsan.jpg" \
		"$SRV_URL/api/ai/ocr/idcard"
	assert_equal "$output" 503
	grep -qi '^Retry-After: 1' headers
	assert_equal "$(jq -c . body)" '{"code":50004,"data":null,"message":"接口正被频繁调用，请稍后再试"}'
	assert_equal "$(metric 'faiz_serve_requests_total{result="overload"}')" 1
	# The two accepted ones still complete.
	wait "${BG_PIDS[0]}" "${BG_PIDS[1]}"
	assert_equal "$(sed 1d r1 | jq -r .data.name)" 李四
	assert_equal "$(sed 1d r2 | jq -r .data.name)" 张三
}

@test "serve: a recognition over the time limit is answered 50004 timeout" {
	srv_start s --delay 5 --timeout 0.3
	run -0 post "$C/front_lisi.jpg"
	assert_equal "$(status_of "$output")" 200
	assert_equal "$(sed 1d <<<"$output" | jq -c .data)" '{"error_code":50004,"error_msg":"timeout"}'
}

@test "serve: an engine failure is 90099 unknown, logged without personal data" {
	srv_start s --engine-fail
	run -0 post "$C/front_lisi.jpg"
	assert_equal "$(sed 1d <<<"$output" | jq -c .data)" '{"error_code":90099,"error_msg":"unknown"}'
	grep -q 'engine failed: fake engine told to fail' "$SRV_LOG"
}

@test "serve: SIGTERM stops accepting, lets the request in flight finish, exits 0" {
	srv_start s --delay 2
	post "$C/front_zhangsan.jpg" >r1 3>&- &
	BG_PIDS+=($!)
	wait_for metric_is faiz_serve_queue_running 1
	kill -TERM "$SRV_PID"
	wait_for grep -q 'SIGTERM: draining 1 requests in flight' "$SRV_LOG"
	# No new connections while draining.
	run curl -sS --noproxy '*' --max-time 5 "$SRV_URL/healthz"
	assert_failure
	rc=0
	wait "$SRV_PID" || rc=$?
	SRV_PIDS=()
	assert_equal "$rc" 0
	wait "${BG_PIDS[0]}"
	assert_equal "$(head -n1 r1)" 200
	assert_equal "$(sed 1d r1 | jq -r .data.name)" 张三
	grep -q 'srv-testd: stopped' "$SRV_LOG"
}

@test "serve: a slow-loris connection is closed after the connection timeout" {
	srv_start s --conn-timeout 1
	exec 5<>"/dev/tcp/127.0.0.1/$SRV_PORT"
	printf 'POST /api/ai/ocr/idcard HTTP/1.1\r\nHost: x\r\nContent-Le' >&5
	# The server closes: cat sees end of file well before its own 15 s limit.
	run timeout 15 cat <&5
	exec 5<&-
	[ "$status" -ne 124 ]
	# A header that never ends: same.
	exec 5<>"/dev/tcp/127.0.0.1/$SRV_PORT"
	printf 'POST /api/ai/ocr/idcard HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc' >&5
	run timeout 15 cat <&5
	exec 5<&-
	[ "$status" -ne 124 ]
	run -0 curl -sS --noproxy '*' "$SRV_URL/healthz"
	assert_equal "$output" ready
}

@test "serve: /healthz is 503 until the engine is ready, 200 after" {
	srv_start s --ready-after 3600
	run -0 curl -sS --noproxy '*' -o body -w '%{http_code}' "$SRV_URL/healthz"
	assert_equal "$output" 503
	assert_equal "$(cat body)" loading
	assert_equal "$(metric faiz_serve_ready)" 0
	srv_start t
	run -0 curl -sS --noproxy '*' -o body -w '%{http_code}' "$SRV_URL/healthz"
	assert_equal "$output" 200
	assert_equal "$(metric faiz_serve_ready)" 1
}

@test "serve: /metrics is the Prometheus text format, counting requests, latency, queue and images" {
	srv_start s -j 2
	post "$C/front_lisi.jpg" >/dev/null
	post "$C/back_zhangsan.jpg" >/dev/null
	post "$C/plain.jpg" >/dev/null
	run -0 curl -sS --noproxy '*' -D headers "$SRV_URL/metrics"
	grep -qi '^Content-Type: text/plain; version=0.0.4' headers
	# Every line is a comment (# HELP / # TYPE) or "name{labels} value".
	while IFS= read -r line; do
		[[ "$line" =~ ^#\ (HELP|TYPE)\ faiz_serve_[a-z_]+\ .+$ ]] ||
			[[ "$line" =~ ^faiz_serve_[a-z_]+(\{[a-z]+=\"[^\"]*\"\})?\ [0-9][0-9.e+-]*$ ]] || {
			echo "bad line: $line" >&2
			return 1
		}
	done <<<"$output"
	grep -qx 'faiz_serve_requests_total{result="0"} 2' <<<"$output"
	grep -qx 'faiz_serve_requests_total{result="40007"} 1' <<<"$output"
	grep -qx 'faiz_serve_request_duration_seconds_count 3' <<<"$output"
	grep -qx 'faiz_serve_request_duration_seconds_bucket{le="+Inf"} 3' <<<"$output"
	grep -qx 'faiz_serve_images_total 3' <<<"$output"
	grep -qx 'faiz_serve_queue_waiting 0' <<<"$output"
	grep -q '^faiz_serve_images_per_second ' <<<"$output"
	grep -qx '# TYPE faiz_serve_request_duration_seconds histogram' <<<"$output"
}

@test "serve: one access log line per request, with no personal data, keys or image bytes" {
	keys_file keys
	srv_start s --keys keys
	run --separate-stderr env FAIZ_ENDPOINT="$SRV_URL" FAIZ_ACCESS_KEY=$AK FAIZ_SECRET_KEY=$SK \
		"$FAIZ" -f ndjson --rate 100 "$C/front_zhangsan.jpg" "$C/back_zhangsan.jpg"
	assert_success
	curl -sS --noproxy '*' "$SRV_URL/healthz?name=张三" >/dev/null
	kill -TERM "$SRV_PID"
	wait "$SRV_PID"
	SRV_PIDS=()
	assert_equal "$(grep -c ' POST /api/ai/ocr/idcard 200 0 ' "$SRV_LOG")" 2
	for secret in 张三 440105199208220038 1992 广州 海珠 "$AK" "$SK" /9j/ name=; do
		! grep -qF -- "$secret" "$SRV_LOG" || { echo "log has $secret" >&2; return 1; }
	done
	# Every request line has the fixed shape: peer method route status result in out ms.
	grep -v -e 'draining' -e 'stopped' "$SRV_LOG" | while IFS= read -r line; do
		[[ "$line" =~ ^srv-testd:\ 127\.0\.0\.1:[0-9]+\ (GET|POST)\ (/api/ai/ocr/idcard|/healthz|/metrics|-)\ [0-9]{3}\ [a-z0-9-]+\ in=[0-9]+\ out=[0-9]+\ [0-9]+ms$ ]] || {
			echo "bad log line: $line" >&2
			return 1
		}
	done
}

@test "serve --tls-cert/--tls-key: https, and this tool's client with --cacert" {
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -days 1 -keyout key.pem -out cert.pem 2>/dev/null
	srv_start s --tls-cert cert.pem --tls-key key.pem
	run -0 curl -sS --noproxy '*' --cacert cert.pem "https://127.0.0.1:$SRV_PORT/healthz"
	assert_equal "$output" ready
	run --separate-stderr env FAIZ_ENDPOINT="https://127.0.0.1:$SRV_PORT" FAIZ_ACCESS_KEY=$AK FAIZ_SECRET_KEY=$SK \
		"$FAIZ" -f ndjson --cacert cert.pem "$C/front_lisi.jpg"
	assert_success
	assert_equal "$(jq -r .name <<<"$output")" 李四
	run "$SRV_TESTD" --port-file p --tls-cert cert.pem
	assert_equal "$status" 1
	[[ "$output" == *"--tls-cert and --tls-key go together"* ]]
}

@test "serve --redis: two instances share the nonce store; a nonce replayed to the other is refused; Redis down is 503" {
	redis-server --port 0 --unixsocket "$BATS_TEST_TMPDIR/redis.sock" --save '' --appendonly no >/dev/null 3>&- &
	REDIS_PID=$!
	wait_for test -S "$BATS_TEST_TMPDIR/redis.sock"
	keys_file keys
	srv_start a --keys keys --redis "unix://$BATS_TEST_TMPDIR/redis.sock"
	A_URL="$SRV_URL"
	srv_start b --keys keys --redis "$BATS_TEST_TMPDIR/redis.sock"
	B_URL="$SRV_URL"
	now=$(date +%s)
	SRV_URL="$A_URL"
	run -0 signed "$C/front_lisi.jpg" 4821 "$now" '[B@6d06d69c'
	assert_equal "$(ecode "$output")" 0
	SRV_URL="$B_URL"
	run -0 signed "$C/front_lisi.jpg" 4821 "$now" '[B@6d06d69c'
	assert_equal "$output" 403
	run -0 signed "$C/front_lisi.jpg" 4822 "$now" '[B@6d06d69c'
	assert_equal "$(ecode "$output")" 0
	# Redis goes away: a clear 503, never an unchecked answer.
	kill "$REDIS_PID"
	wait "$REDIS_PID" || true
	REDIS_PID=
	run -0 curl -sS --noproxy '*' -D headers -o body -w '%{http_code}' -H "accessKey: $AK" -H 'nonce: n-down' \
		-H "timestamp: $now" -H 'body: x' -H "sign: $(sha "x.$SK")" --data-binary @"$C/front_lisi.jpg" \
		"$SRV_URL/api/ai/ocr/idcard"
	assert_equal "$output" 503
	grep -qi '^Retry-After:' headers
	assert_equal "$(jq -c . body)" '{"code":50001,"data":null,"message":"backend down"}'
	grep -q 'nonce store: redis at ' "$SRV_LOG"
	# And a server cannot start against a Redis that is down.
	run "$SRV_TESTD" --port-file p --keys keys --redis "redis://127.0.0.1:1/0"
	assert_equal "$status" 1
	[[ "$output" == *"redis at 127.0.0.1:1"* ]]
}

@test "contrib/faiz-idcard-serve.service: systemd-analyze verify is clean and the offline exposure is OK" {
	mkdir -p man/man1 unit
	cp "$BATS_TEST_DIRNAME/../man/faiz-idcard.1" man/man1/
	# The binary is not installed here: point ExecStart at the built one.
	sed "s|/usr/local/bin/faiz-idcard|$(cd "$BATS_TEST_DIRNAME/.." && pwd)/faiz-idcard|" \
		"$BATS_TEST_DIRNAME/../contrib/faiz-idcard-serve.service" >unit/faiz-idcard-serve.service
	run -0 env MANPATH="$PWD/man" systemd-analyze verify unit/faiz-idcard-serve.service
	assert_equal "$output" ""
	for k in DynamicUser=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes NoNewPrivileges=yes \
		StateDirectory=faiz-idcard 'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'ExecReload=/bin/kill -HUP $MAINPID'; do
		grep -qxF "$k" unit/faiz-idcard-serve.service
	done
	run -0 systemd-analyze security --offline=true unit/faiz-idcard-serve.service
	[[ "$output" =~ Overall\ exposure\ level\ for\ faiz-idcard-serve.service:\ [0-1]\.[0-9]\ OK ]]
}

@test "scale-out: nginx in front of two instances sharing Redis; the client at -j 4 gets every image, both serve, replays are refused across them" {
	redis-server --port 0 --unixsocket "$BATS_TEST_TMPDIR/redis.sock" --save '' --appendonly no >/dev/null 3>&- &
	REDIS_PID=$!
	wait_for test -S "$BATS_TEST_TMPDIR/redis.sock"
	keys_file keys
	srv_start a --keys keys -j 2 --redis "unix:$BATS_TEST_TMPDIR/redis.sock"
	A_PORT=$SRV_PORT A_LOG=$SRV_LOG
	srv_start b --keys keys -j 2 --redis "unix:$BATS_TEST_TMPDIR/redis.sock"
	B_PORT=$SRV_PORT B_LOG=$SRV_LOG
	NGINX_PORT=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	mkdir -p nginx
	cat >nginx/nginx.conf <<CONF
daemon off;
worker_processes 1;
pid $PWD/nginx/nginx.pid;
error_log $PWD/nginx/error.log;
events { worker_connections 64; }
http {
	access_log off;
	client_body_temp_path $PWD/nginx/body;
	proxy_temp_path $PWD/nginx/proxy;
	fastcgi_temp_path $PWD/nginx/fcgi;
	uwsgi_temp_path $PWD/nginx/uwsgi;
	scgi_temp_path $PWD/nginx/scgi;
	upstream faiz { server 127.0.0.1:$A_PORT; server 127.0.0.1:$B_PORT; }
	server {
		listen 127.0.0.1:$NGINX_PORT;
		client_max_body_size 4m;
		# Kept in memory: the worker (nobody) cannot write temp files under the test's directory.
		client_body_buffer_size 4m;
		location / {
			proxy_buffering off;
			proxy_pass http://faiz;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
		}
	}
}
CONF
	nginx -e "$PWD/nginx/error.log" -p "$PWD/nginx" -c "$PWD/nginx/nginx.conf" 3>&- &
	BG_PIDS+=($!)
	wait_for curl -sf --noproxy '*' -o /dev/null "http://127.0.0.1:$NGINX_PORT/healthz"
	mkdir in
	for i in 1 2 3 4; do
		distinct "$C/front_zhangsan.jpg" "in/f$i.jpg" "$i"
		distinct "$C/back_zhangsan.jpg" "in/b$i.jpg" "$i"
	done
	run --separate-stderr env FAIZ_ENDPOINT="http://127.0.0.1:$NGINX_PORT" FAIZ_ACCESS_KEY=$AK FAIZ_SECRET_KEY=$SK \
		"$FAIZ" -f ndjson -j 4 --rate 100 in
	assert_success
	assert_records 8
	assert_equal "$(jq -r .side <<<"$output" | sort | uniq -c | awk '{print $1 $2}' | tr '\n' ' ')" '4back 4front '
	[ "$(grep -c ' POST /api/ai/ocr/idcard 200 0 ' "$A_LOG")" -ge 1 ]
	[ "$(grep -c ' POST /api/ai/ocr/idcard 200 0 ' "$B_LOG")" -ge 1 ]
	assert_equal $(($(grep -c ' POST /api/ai/ocr/idcard 200 0 ' "$A_LOG") + $(grep -c ' POST /api/ai/ocr/idcard 200 0 ' "$B_LOG"))) 8
	# A nonce used at one instance is refused by the other.
	now=$(date +%s)
	SRV_URL="http://127.0.0.1:$A_PORT"
	run -0 signed "$C/front_lisi.jpg" 7777 "$now" '[B@1b6d3586'
	assert_equal "$(ecode "$output")" 0
	SRV_URL="http://127.0.0.1:$B_PORT"
	run -0 signed "$C/front_lisi.jpg" 7777 "$now" '[B@1b6d3586'
	assert_equal "$output" 403
}
