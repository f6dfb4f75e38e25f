# `faiz-idcard serve` itself, black-box: two instances behind nginx sharing Redis, the per-request time limit, and every answer of the endpoint.
bats_require_minimum_version 1.5.0
load helper

AK=0123456789abcdef0123456789abcdef
SK=fedcba9876543210fedcba9876543210
AK2=00112233445566778899aabbccddeeff
SK2=ffeeddccbbaa99887766554433221100

setup() {
	common_setup
	C="$(cards)"
	BACK=/work/shared/samples/card_back.jpg
	[ -f "$BACK" ] || BACK="$BATS_TEST_DIRNAME/../../shared/samples/card_back.jpg"
	PIDS=()
}

# Everything a test started, the servers first so that they drain.
teardown() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	return 0
}

free_port() {
	"$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# redis_start: Debian's redis-server on a free loopback port, nothing saved; sets REDIS_PORT.
redis_start() {
	local i
	REDIS_PORT="$(free_port)"
	mkdir -p redis
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
		--dir "$PWD/redis" --logfile "$PWD/redis/redis.log" --daemonize no 3>&- &
	PIDS+=("$!")
	for i in $(seq 100); do
		[ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.05
	done
	echo "redis-server did not start:" >&2
	cat redis/redis.log >&2
	return 1
}

# nginx_start PORT...: nginx as the upstream in front of the given ports; every
# path nginx writes is in ./nginx (no root needed). Sets NGINX_URL.
nginx_start() {
	local d="$PWD/nginx" port i servers=
	mkdir -p "$d/tmp"
	for port in "$@"; do
		servers="$servers		server 127.0.0.1:$port;
"
	done
	NGINX_PORT="$(free_port)"
	cat >"$d/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 256; }
http {
	access_log $d/access.log;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	client_max_body_size 5m;
	upstream faiz {
$servers		keepalive 8;
	}
	server {
		listen 127.0.0.1:$NGINX_PORT;
		location / {
			proxy_pass http://faiz;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_read_timeout 60s;
		}
	}
}
EOF
	nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" 3>&- &
	PIDS+=("$!")
	for i in $(seq 100); do
		curl -s --noproxy '*' -o /dev/null "http://127.0.0.1:$NGINX_PORT/healthz" && break
		sleep 0.05
	done
	NGINX_URL="http://127.0.0.1:$NGINX_PORT"
	[ "$(curl -sS --noproxy '*' "$NGINX_URL/healthz")" = ready ] || {
		cat "$d/error.log" >&2
		return 1
	}
}

keys_file() { # FILE AK SK
	printf '%s %s\n' "$2" "$3" >"$1"
	chmod 600 "$1"
}

# signed URL FILE AK SK NONCE BODY [CURL ARGS]: a request signed as the gateway
# checks it (sign = SHA-256 of "body.secret"); prints the status, then the body.
signed() {
	local url="$1" f="$2" ak="$3" sk="$4" nonce="$5" body="$6" sign
	shift 6
	sign="$(printf '%s.%s' "$body" "$sk" | sha256sum | cut -d' ' -f1)"
	curl -sS --noproxy '*' -o "$BATS_TEST_TMPDIR/answer" -w '%{http_code}\n' \
		-H 'Content-Type: application/octet-stream' -H "accessKey: $ak" \
		-H "nonce: $nonce" -H "timestamp: $(date +%s)" -H "body: $body" \
		-H "sign: $sign" --data-binary "@$f" "$@" "$url/api/ai/ocr/idcard"
	cat "$BATS_TEST_TMPDIR/answer"
}

# post URL FILE [CURL ARGS]: an unsigned raw upload (Content-Type $CT, by
# default application/octet-stream); prints the status, then the body.
post() {
	local url="$1" f="$2"
	shift 2
	curl -sS --noproxy '*' -o "$BATS_TEST_TMPDIR/answer" -w '%{http_code}\n' \
		-H "Content-Type: ${CT:-application/octet-stream}" --data-binary "@$f" "$@" \
		"$url/api/ai/ocr/idcard"
	cat "$BATS_TEST_TMPDIR/answer"
}

# code: data.error_code of the last answer.
code() { jq -r .data.error_code "$BATS_TEST_TMPDIR/answer"; }

# metric URL NAME: the value of one sample of /metrics (NAME with its labels).
metric() {
	curl -sS --noproxy '*' "$1/metrics" | awk -v n="$2" '$1 == n { print $2 }'
}

# big_picture FILE [N]: N specimen cards (default 8, the engine's most) on
# one picture of 3920 x 2591 (under the service's 4000-pixel limit), a
# front first: about a second of engine work a card.
big_picture() {
	"$PYTHON" - "$1" "${2:-8}" "$C/front_zhangsan.jpg" "$C/back_zhangsan.jpg" "$C/front_lisi.jpg" <<'EOF'
import sys
from PIL import Image
n = int(sys.argv[2])
cards = [Image.open(f).convert("RGB") for f in sys.argv[3:]]
w, h, m = 1200, 757, 80
page = Image.new("RGB", (3 * (w + m) + m, 3 * (h + m) + m), (200, 200, 200))
for k in range(n):
    page.paste(cards[k % len(cards)].resize((w, h)), (m + (k % 3) * (w + m), m + (k // 3) * (h + m)))
page.save(sys.argv[1], quality=85)
EOF
}

# jpeg FILE W H: a plain grey JPEG of that size.
jpeg() {
	"$PYTHON" -c 'import sys; from PIL import Image; Image.new("RGB", (int(sys.argv[2]), int(sys.argv[3])), (128, 128, 128)).save(sys.argv[1], quality=80)' "$@"
}

# wait_running URL N: until N requests are with an engine worker (at most 10 s).
wait_running() {
	local i
	for i in $(seq 200); do
		[ "$(metric "$1" faiz_serve_queue_running)" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# raw PORT REQUEST SECONDS: bytes (printf format) sent as they are on a new
# connection; prints what comes back until the server closes or SECONDS pass.
raw() {
	timeout "$3" bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf "$2" >&3; cat <&3' _ "$1" "$2" || true
}

@test "two instances behind nginx share Redis: this tool's client at -j 4 gets every card read, both served, a nonce replayed to the other is refused" {
	keys_file keys "$AK" "$SK"
	redis_start
	serve_start A --keys keys --redis "redis://127.0.0.1:$REDIS_PORT/0" -j 1
	serve_start B --keys keys --redis "redis://127.0.0.1:$REDIS_PORT/0" -j 1
	nginx_start "$A_PORT" "$B_PORT"
	# Eight uploads: the four readable sides of the set, each twice (other bytes).
	mkdir in
	local c
	for c in front_zhangsan back_zhangsan front_lisi temporary_wangwu; do
		distinct "$C/$c.jpg" "in/${c}_1.jpg" one
		distinct "$C/$c.jpg" "in/${c}_2.jpg" two
	done
	FAIZ_ACCESS_KEY=$AK FAIZ_SECRET_KEY=$SK run --separate-stderr "$FAIZ" -f ndjson \
		--engine faiz --endpoint "$NGINX_URL" --rate 50 -j 4 in/*.jpg
	assert_success
	assert_records 8
	# Every card read: no error, its side, and the field that side must carry.
	[ "$(jq -s '[.[] | select(.code == null and .side != null)] | length' <<<"$output")" = 8 ]
	[ "$(jq -s '[.[] | select(.side == "back" and (.issue_authority | length) > 0)] | length' <<<"$output")" = 2 ]
	[ "$(jq -s '[.[] | select(.side != "back" and (.id_number | test("^[0-9]{17}[0-9X]$")))] | length' <<<"$output")" = 6 ]
	grep -qF "8 recognised, 0 failed" <<<"$stderr"
	# Both instances served, the eight between them; so says each one's metrics.
	local na nb
	na="$(grep -c 'POST /api/ai/ocr/idcard 200 0 ' "$A_LOG")"
	nb="$(grep -c 'POST /api/ai/ocr/idcard 200 0 ' "$B_LOG")"
	[ "$na" -ge 1 ] && [ "$nb" -ge 1 ]
	assert_equal "$((na + nb))" 8
	assert_equal "$(metric "$A_URL" 'faiz_serve_requests_total{result="0"}')" "$na"
	assert_equal "$(metric "$B_URL" 'faiz_serve_requests_total{result="0"}')" "$nb"
	# The nonces are in the shared store, with the gateway's 300 s.
	[ "$(redis-cli -p "$REDIS_PORT" --scan --pattern 'faiz-idcard:nonce:*' | wc -l)" -ge 8 ]
	# One signed request, accepted by A, then sent as it is to B: the bare 403.
	local nonce body
	nonce="$(openssl rand -hex 16)"
	body="$(sha256sum <"$BACK" | cut -d' ' -f1)"
	run signed "$A_URL" "$BACK" "$AK" "$SK" "$nonce" "$body"
	assert_equal "${lines[0]}" 200
	assert_equal "$(code)" 0
	ttl="$(redis-cli -p "$REDIS_PORT" ttl "faiz-idcard:nonce:$nonce")"
	[ "$ttl" -gt 290 ] && [ "$ttl" -le 300 ]
	run signed "$B_URL" "$BACK" "$AK" "$SK" "$nonce" "$body"
	assert_equal "${lines[0]}" 403
	assert_equal "${#lines[@]}" 1 # no body
	grep -qF 'POST /api/ai/ocr/idcard 403' "$B_LOG"
	# And through nginx, whichever instance gets it.
	run signed "$NGINX_URL" "$BACK" "$AK" "$SK" "$nonce" "$body"
	assert_equal "${lines[0]}" 403
	# A fresh nonce to B is fine: it was the replay that was refused.
	run signed "$B_URL" "$BACK" "$AK" "$SK" "$(openssl rand -hex 16)" "$body"
	assert_equal "${lines[0]}" 200
	assert_equal "$(code)" 0
}

@test "without --redis each instance keeps its own nonces: the replay to the other is accepted (why the scale-out needs the store)" {
	keys_file keys "$AK" "$SK"
	serve_start A --keys keys -j 1
	serve_start B --keys keys -j 1
	local nonce
	nonce="$(openssl rand -hex 16)"
	run signed "$A_URL" "$C/front_zhangsan.jpg" "$AK" "$SK" "$nonce" x
	assert_equal "${lines[0]}" 200
	run signed "$A_URL" "$C/front_zhangsan.jpg" "$AK" "$SK" "$nonce" x
	assert_equal "${lines[0]}" 403
	run signed "$B_URL" "$C/front_zhangsan.jpg" "$AK" "$SK" "$nonce" x
	assert_equal "${lines[0]}" 200
}

@test "per-request time limit: a picture that takes seconds is answered 50004 at the limit and its worker is free soon after; the next request is read" {
	big_picture big.jpg 8
	# The limit: long enough for one card on this machine and build (its
	# engine time, 0.45 s plain and 4 s under ASan here), short of eight:
	# sqrt(8) = 2.8 times one card's, so a moment of other work on the
	# machine while one card is timed (or while the eight are read) has
	# as much room either way. Whole seconds gave 3 s against 3.6 s for
	# eight cards on a quiet machine, which a busy one overturned.
	local one limit
	one="$("$FAIZ" --engine local -f ndjson "$C/front_zhangsan.jpg" |
		jq '(.time_cost.preprocess + .time_cost.recognize) / 1000')"
	limit="$(awk -v t="$one" 'BEGIN { l = 2.8 * t; printf "%.2f", (l < 1.5 ? 1.5 : l) }')"
	serve_start S -j 1 --queue 4 --request-timeout "$limit"
	local t0 t1 t2 i running=
	t0="$(date +%s.%N)"
	run post "$S_URL" big.jpg
	t1="$(date +%s.%N)"
	assert_equal "${lines[0]}" 200
	assert_equal "$(code)" 50004
	assert_equal "$(jq -r .data.error_msg "$BATS_TEST_TMPDIR/answer")" timeout
	# Answered at the limit, not when the engine would have finished.
	awk -v a="$t0" -v b="$t1" -v l="$limit" 'BEGIN { exit !(b - a >= l - 0.1 && b - a < l + 2) }'
	# The engine stops at its next stage: the worker is free well before
	# the eight cards could have been read, within one card's time (at
	# least 1.5 s: det on a card is one stage, about 1 s under ASan).
	for i in $(seq 200); do
		running="$(metric "$S_URL" faiz_serve_queue_running)"
		[ "$running" = 0 ] && break
		sleep 0.05
	done
	t2="$(date +%s.%N)"
	assert_equal "$running" 0
	awk -v a="$t1" -v b="$t2" -v o="$one" 'BEGIN { exit !(b - a < (o > 1.5 ? o : 1.5)) }'
	assert_equal "$(metric "$S_URL" faiz_serve_images_total)" 1
	# The next request has the worker to itself and is read within the limit.
	run post "$S_URL" "$C/front_zhangsan.jpg"
	assert_equal "$(code)" 0
	assert_equal "$(jq -r .data.id_number "$BATS_TEST_TMPDIR/answer")" 440105199208220038
	grep -qF 'POST /api/ai/ocr/idcard 200 50004' "$S_LOG"
	assert_equal "$(metric "$S_URL" 'faiz_serve_requests_total{result="50004"}')" 1
}

@test "every error code of the page from the real engine, and /metrics counts them by result" {
	serve_start S -j 1
	: >empty.bin
	printf 'hello, not a picture' >junk.bin
	head -c 20000 "$BACK" >cut.jpg
	jpeg narrow.jpg 99 400
	jpeg wide.jpg 4001 400
	jpeg widest.jpg 4000 400
	{ head -c 2 "$BACK"; head -c 3200000 /dev/zero; } >heavy.jpg
	run post "$S_URL" empty.bin
	assert_equal "${lines[0]} $(code)" "200 40004"
	run post "$S_URL" junk.bin
	assert_equal "$(code)" 40005
	# The limits --help states: 100 to 4000 pixels a side, 3 MiB.
	run "$FAIZ" serve --help
	grep -qF "100 to 4000 pixels a side, at most 3 MiB" <<<"$output"
	run post "$S_URL" narrow.jpg
	assert_equal "$(code)" 40006
	run post "$S_URL" wide.jpg
	assert_equal "$(code)" 40006
	run post "$S_URL" heavy.jpg
	assert_equal "$(code)" 40006
	# At the limit the picture is taken, and the engine finds no card on it.
	run post "$S_URL" widest.jpg
	assert_equal "$(code)" 40007
	run post "$S_URL" "$C/plain.jpg"
	assert_equal "$(code)" 40007
	assert_equal "$(jq -r .data.error_msg "$BATS_TEST_TMPDIR/answer")" "fail to recognize"
	# A form upload whose Content-Type has no boundary, and one that breaks off.
	CT=multipart/form-data run post "$S_URL" "$C/front_zhangsan.jpg"
	assert_equal "$(code)" 40008
	printf -- '--XyZ\r\nContent-Disposition: form-data; name="imageData"\r\n\r\n\377\330abc' >broken.form
	CT='multipart/form-data; boundary=XyZ' run post "$S_URL" broken.form
	assert_equal "$(code)" 40009
	run post "$S_URL" cut.jpg
	assert_equal "$(code)" 40009
	# Each answer is the envelope with code "0": the error is in data.
	assert_equal "$(jq -r .code "$BATS_TEST_TMPDIR/answer")" 0
	local r
	for r in 40004:1 40005:1 40006:3 40007:2 40008:1 40009:2; do
		assert_equal "$(metric "$S_URL" "faiz_serve_requests_total{result=\"${r%:*}\"}")" "${r#*:}"
	done
	assert_equal "$(metric "$S_URL" faiz_serve_request_duration_seconds_count)" 10
	# Every upload went through the checks; nothing waits or runs now.
	assert_equal "$(metric "$S_URL" faiz_serve_images_total)" 10
	assert_equal "$(metric "$S_URL" faiz_serve_queue_waiting)" 0
	assert_equal "$(metric "$S_URL" faiz_serve_queue_running)" 0
	curl -sS --noproxy '*' -D headers -o /dev/null "$S_URL/metrics"
	grep -qi '^content-type: text/plain; version=0.0.4' headers
}

@test "multipart (imageData field) and raw bodies give the same card; a form without imageData is 40002" {
	serve_start S -j 1
	run post "$S_URL" "$C/front_zhangsan.jpg"
	jq -c '.data | del(.time_cost)' "$BATS_TEST_TMPDIR/answer" >raw.json
	curl -sS --noproxy '*' -o form.out -F "imageData=@$C/front_zhangsan.jpg;type=image/jpeg" \
		"$S_URL/api/ai/ocr/idcard"
	jq -c '.data | del(.time_cost)' form.out >form.json
	assert_equal "$(jq -r .id_number raw.json)" 440105199208220038
	diff raw.json form.json
	curl -sS --noproxy '*' -o form2.out -F "picture=@$C/front_zhangsan.jpg" "$S_URL/api/ai/ocr/idcard"
	assert_equal "$(jq -r .data.error_code form2.out)" 40002
}

@test "overload: with the worker busy and the queue full, the next request gets 503, Retry-After and the busy answer at once" {
	big_picture big.jpg 4
	distinct big.jpg big2.jpg two
	# The queued one waits for the slow one, then is read: under ASan that
	# is more than the default limit of 30 s.
	serve_start S -j 1 --queue 1 --request-timeout 300
	post "$S_URL" big.jpg >slow.out &
	local slow=$! t0 t1
	wait_running "$S_URL" 1
	post "$S_URL" big2.jpg >queued.out &
	local queued=$! i
	for i in $(seq 100); do
		[ "$(metric "$S_URL" faiz_serve_queue_waiting)" = 1 ] && break
		sleep 0.05
	done
	assert_equal "$(metric "$S_URL" faiz_serve_queue_waiting)" 1
	t0="$(date +%s.%N)"
	curl -sS --noproxy '*' -D headers -o busy.json -w '%{http_code}\n' \
		-H 'Content-Type: application/octet-stream' --data-binary "@$C/front_zhangsan.jpg" \
		"$S_URL/api/ai/ocr/idcard" >status
	t1="$(date +%s.%N)"
	assert_equal "$(cat status)" 503
	grep -qi '^retry-after: 1' headers
	assert_equal "$(jq -r .code busy.json)" 50004
	awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 0.5) }'
	grep -qF 'POST /api/ai/ocr/idcard 503 overload' "$S_LOG"
	assert_equal "$(metric "$S_URL" 'faiz_serve_requests_total{result="overload"}')" 1
	# The one with the worker and the one in the queue were not disturbed.
	wait "$slow"
	assert_equal "$(sed -n 2p slow.out | jq -r .data.error_code)" 0
	wait "$queued"
	assert_equal "$(sed -n 2p queued.out | jq -r .data.error_code)" 0
}

@test "SIGTERM drains: the request in flight is answered, new connections are refused, exit 0" {
	big_picture big.jpg 3
	serve_start S -j 1
	post "$S_URL" big.jpg >inflight.out &
	local inflight=$! st=0
	wait_running "$S_URL" 1
	kill -TERM "$S_PID"
	sleep 0.3
	run curl -sS --noproxy '*' --max-time 5 "$S_URL/healthz"
	assert_equal "$status" 7 # connection refused: the listening socket is closed
	wait "$inflight"
	assert_equal "$(head -1 inflight.out)" 200
	assert_equal "$(sed -n 2p inflight.out | jq -r .data.error_code)" 0
	[ -n "$(sed -n 2p inflight.out | jq -r '.data.type // empty')" ]
	wait "$S_PID" || st=$?
	PIDS=()
	assert_equal "$st" 0
	grep -qF 'SIGTERM: draining 1 requests in flight' "$S_LOG"
	grep -qF 'POST /api/ai/ocr/idcard 200 0 ' "$S_LOG"
	[ "$(tail -1 "$S_LOG")" = "faiz-idcard serve: stopped" ]
}

@test "the body cap is applied before the body is read: a 100 MB Content-Length is answered 40006 at once" {
	serve_start S -j 1
	run raw "$S_PORT" 'POST /api/ai/ocr/idcard HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000000\r\nConnection: close\r\n\r\n' 5
	[[ "${lines[0]}" == "HTTP/1.1 200"* ]]
	grep -qF '"error_code":40006' <<<"$output"
	# Nothing of the body was sent, so none was read.
	grep -qE 'POST /api/ai/ocr/idcard 200 40006 in=0 ' "$S_LOG"
}

@test "slow loris: a connection that stops sending its headers is closed after the connection timeout, and others are served meanwhile" {
	serve_start S -j 1
	local t0 t1
	t0="$(date +%s)"
	raw "$S_PORT" 'POST /api/ai/ocr/idcard HTTP/1.1\r\nHost: x\r\nContent-Le' 30 >loris.out &
	local loris=$!
	sleep 1
	[ "$(curl -sS --noproxy '*' --max-time 5 "$S_URL/healthz")" = ready ]
	wait "$loris"
	t1="$(date +%s)"
	# Closed by the server (10 s idle), well before the client's own 30 s.
	[ "$((t1 - t0))" -ge 9 ] && [ "$((t1 - t0))" -le 15 ]
}

@test "Java SDK style (body [B@6d06d69c, 4-digit nonce) is accepted as by the gateway; --require-body-hash insists on the image's SHA-256" {
	keys_file keys "$AK" "$SK"
	serve_start S --keys keys -j 1
	run signed "$S_URL" "$C/front_zhangsan.jpg" "$AK" "$SK" 4821 '[B@6d06d69c'
	assert_equal "${lines[0]}" 200
	assert_equal "$(code)" 0
	# The same 4-digit nonce again within 300 s: the bare 403 (the SDK's collisions).
	run signed "$S_URL" "$C/front_zhangsan.jpg" "$AK" "$SK" 4821 '[B@6d06d69c'
	assert_equal "${lines[0]} ${#lines[@]}" "403 1"
	# A wrong secret, an unknown key, no headers at all: 403 too.
	run signed "$S_URL" "$C/front_zhangsan.jpg" "$AK" "$SK2" 4822 '[B@6d06d69c'
	assert_equal "${lines[0]}" 403
	run signed "$S_URL" "$C/front_zhangsan.jpg" "$AK2" "$SK2" 4823 '[B@6d06d69c'
	assert_equal "${lines[0]}" 403
	run post "$S_URL" "$C/front_zhangsan.jpg"
	assert_equal "${lines[0]}" 403
	serve_start H --keys keys --require-body-hash -j 1
	run signed "$H_URL" "$C/front_zhangsan.jpg" "$AK" "$SK" 5821 '[B@6d06d69c'
	assert_equal "${lines[0]}" 403
	run signed "$H_URL" "$C/front_zhangsan.jpg" "$AK" "$SK" "$(openssl rand -hex 16)" \
		"$(sha256sum <"$C/front_lisi.jpg" | cut -d' ' -f1)"
	assert_equal "${lines[0]}" 403
	run signed "$H_URL" "$C/front_zhangsan.jpg" "$AK" "$SK" "$(openssl rand -hex 16)" \
		"$(sha256sum <"$C/front_zhangsan.jpg" | cut -d' ' -f1)"
	assert_equal "${lines[0]}" 200
	assert_equal "$(code)" 0
}

@test "keys file: refused unless mode 0600 (no secret shown); SIGHUP reloads it, a bad file keeps the old keys" {
	keys_file keys "$AK" "$SK"
	chmod 644 keys
	run --separate-stderr "$FAIZ" serve --listen 127.0.0.1:0 --keys keys
	assert_equal "$status" 2
	grep -qF "keys file is mode 0644" <<<"$stderr"
	grep -qF "must be mode 0600" <<<"$stderr"
	[[ "$stderr" != *"$SK"* ]]
	chmod 600 keys
	serve_start S --keys keys -j 1
	run signed "$S_URL" "$C/front_lisi.jpg" "$AK2" "$SK2" "$(openssl rand -hex 16)" x
	assert_equal "${lines[0]}" 403
	keys_file keys "$AK2" "$SK2"
	kill -HUP "$S_PID"
	local i
	for i in $(seq 100); do
		grep -qF 'SIGHUP: keys reloaded (1 keys)' "$S_LOG" && break
		sleep 0.05
	done
	grep -qF 'SIGHUP: keys reloaded (1 keys)' "$S_LOG"
	run signed "$S_URL" "$C/front_lisi.jpg" "$AK2" "$SK2" "$(openssl rand -hex 16)" x
	assert_equal "${lines[0]}" 200
	run signed "$S_URL" "$C/front_lisi.jpg" "$AK" "$SK" "$(openssl rand -hex 16)" x
	assert_equal "${lines[0]}" 403
	# Made readable by others: not taken, and the keys in force stay.
	chmod 644 keys
	kill -HUP "$S_PID"
	for i in $(seq 100); do
		grep -qF 'SIGHUP: keys not reloaded' "$S_LOG" && break
		sleep 0.05
	done
	grep -qF 'SIGHUP: keys not reloaded, the old keys stay' "$S_LOG"
	! grep -qF "$SK2" "$S_LOG"
	run signed "$S_URL" "$C/front_lisi.jpg" "$AK2" "$SK2" "$(openssl rand -hex 16)" x
	assert_equal "${lines[0]}" 200
	# The server is still up after both signals.
	kill -0 "$S_PID"
}

@test "contrib/faiz-idcard-serve.service: systemd-analyze verify is clean, and it sandboxes (strict read-only system, private /tmp, no new privileges, writes only to its state)" {
	local unit="$BATS_TEST_DIRNAME/../contrib/faiz-idcard-serve.service" bin
	bin="$(realpath "$FAIZ")"
	# The unit as installed, with this build for the binary and the man page.
	sed "s#/usr/local/bin/faiz-idcard#$bin#" "$unit" >faiz-idcard-serve.service
	mkdir -p man/man1
	cp "$BATS_TEST_DIRNAME/../man/faiz-idcard.1" man/man1/
	MANPATH="$PWD/man" run systemd-analyze verify ./faiz-idcard-serve.service
	assert_success
	assert_output ''
	local d
	for d in ProtectSystem=strict PrivateTmp=yes NoNewPrivileges=yes StateDirectory=faiz-idcard \
		DynamicUser=yes ProtectHome=yes CapabilityBoundingSet= UMask=0077; do
		grep -qx "$d" "$unit" || { echo "missing $d" >&2; return 1; }
	done
	# Nothing writable beyond the state directory (and the private /tmp).
	! grep -qE '^(ReadWritePaths|BindPaths)=' "$unit"
	# The service starts on its credential's copy of the keys file.
	grep -qF -- '--keys ${CREDENTIALS_DIRECTORY}/keys' "$unit"
	grep -qx 'LoadCredential=keys:/etc/faiz-idcard/keys' "$unit"
	# systemd's own score of the sandbox: 0 is best, 10 worst; "OK" is under 4.
	run systemd-analyze security --offline=yes ./faiz-idcard-serve.service
	local level
	level="$(sed -n 's/.*Overall exposure level for faiz-idcard-serve.service: \([0-9.]*\).*/\1/p' <<<"$output")"
	[ -n "$level" ]
	awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'
	grep -qE '✓ ProtectSystem=.*strict' <<<"$output"
	grep -qE '✓ PrivateTmp=' <<<"$output"
}
