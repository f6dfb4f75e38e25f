#!/bin/bash
# make check-asan-serve: the ASan+UBSan build of `faiz-idcard serve` under wrk for a minute, signed requests, Redis nonces, time-outs; 0 errors, 0 leaks.
#
# The server runs with --keys and --redis (a redis-server on loopback), -j 2
# and a 10 s --request-timeout. wrk's connections post, in turn, generated
# photos, a file that is no JPEG, a cut JPEG, and a picture of eight cards
# that takes longer than the limit (answered 50004, its worker freed by
# the engine's cancel). Each request is signed the way the Java SDK signs
# (a fixed body header, so one sign) with a fresh random nonce. Then
# SIGTERM: the server must drain and exit 0, and its stderr must hold no
# AddressSanitizer, LeakSanitizer or UBSan report. Knobs: ASAN_SECONDS=60,
# ASAN_CONNS=3. Ends with "asan-serve: N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 2
export LC_ALL=C.UTF-8
secs=${ASAN_SECONDS:-60}
conns=${ASAN_CONNS:-3}
FAIZ=${FAIZ_BIN:-$PWD/build/asan/faiz-idcard}
export FAIZ_MODELS=${FAIZ_MODELS:-$PWD/models}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
AK=0123456789abcdef0123456789abcdef
SK=fedcba9876543210fedcba9876543210
for t in wrk redis-server redis-cli; do
	command -v "$t" >/dev/null || { echo "asan-serve: $t is not installed (make deps)" >&2; exit 2; }
done
[ -x "$FAIZ" ] || { echo "asan-serve: $FAIZ: not built (make build/asan/faiz-idcard)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/asan-serve.XXXXXX")
srv= redis=
cleanup() {
	[ -z "$srv" ] || { kill -TERM "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; }
	[ -z "$redis" ] || { kill -TERM "$redis" 2>/dev/null; wait "$redis" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT
passed=0
failed=0
verdict() { # NAME OK [DETAIL]
	if [ "$2" = 1 ]; then
		passed=$((passed + 1)); echo "ok - asan-serve $1"
	else
		failed=$((failed + 1)); echo "not ok - asan-serve $1${3:+: $3}"
	fi
}

/usr/bin/python3 tests/mkphotos.py set "$tmp/img" --level good --count 6 --seed 71 >/dev/null || exit 2
/usr/bin/python3 tests/mkcards.py set "$tmp/cards" >/dev/null || exit 2
head -c 20000 "$tmp/cards/front_zhangsan.jpg" >"$tmp/img/cut.jpg"
cp "$tmp/cards/notjpeg.jpg" "$tmp/img/notjpeg.jpg"
/usr/bin/python3 - "$tmp/img/zz-eight.jpg" "$tmp/cards"/front_zhangsan.jpg "$tmp/cards"/back_zhangsan.jpg <<'EOF'
import sys
from PIL import Image
cards = [Image.open(f).convert("RGB") for f in sys.argv[2:]]
w, h, m = 1200, 757, 80
page = Image.new("RGB", (3 * (w + m) + m, 3 * (h + m) + m), (200, 200, 200))
for k in range(8):
    page.paste(cards[k % len(cards)], (m + (k % 3) * (w + m), m + (k // 3) * (h + m)))
page.save(sys.argv[1], quality=85)
EOF
ls "$tmp"/img/*.jpg >"$tmp/files"
printf '%s %s\n' "$AK" "$SK" >"$tmp/keys"
chmod 600 "$tmp/keys"

rport=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
	--logfile "$tmp/redis.log" --daemonize no &
redis=$!
for _ in $(seq 100); do [ "$(redis-cli -p "$rport" ping 2>/dev/null)" = PONG ] && break; sleep 0.05; done

"$FAIZ" serve --listen 127.0.0.1:0 -j 2 --queue 8 --request-timeout 10 --keys "$tmp/keys" \
	--redis "redis://127.0.0.1:$rport/0" 2>"$tmp/serve.err" &
srv=$!
port=
for _ in $(seq 1200); do
	port=$(sed -n 's/.*listening on .* (port \([0-9]*\)).*/\1/p' "$tmp/serve.err")
	[ -n "$port" ] && break
	kill -0 "$srv" 2>/dev/null || break
	sleep 0.1
done
[ -n "$port" ] || { echo "asan-serve: the server did not start" >&2; cat "$tmp/serve.err" >&2; exit 2; }

# The Java SDK's body header and so one sign for every request; the nonce
# is what must be fresh.
body='[B@6d06d69c'
sign=$(printf '%s.%s' "$body" "$SK" | sha256sum | cut -d' ' -f1)
cat >"$tmp/post.lua" <<LUA
local bodies, i = {}, 0
counts = {} -- global: done() reads each thread's
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
	math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
	for line in io.lines(args[1]) do
		local f = assert(io.open(line, "rb"))
		table.insert(bodies, f:read("*a"))
		f:close()
	end
	ok, timeout, refused, other, bad = 0, 0, 0, 0, 0
end
function request()
	i = i % #bodies + 1
	local nonce = string.format("%08x%08x%08x", math.random(0, 0x7fffffff),
		math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
	return wrk.format("POST", nil, {
		["Content-Type"] = "application/octet-stream",
		["accessKey"] = "$AK", ["nonce"] = nonce,
		["timestamp"] = tostring(os.time()), ["body"] = "$body",
		["sign"] = "$sign" }, bodies[i])
end
function response(status, headers, body)
	if status == 403 then refused = refused + 1
	elseif status ~= 200 or not body:find('"code":"0"', 1, true) then bad = bad + 1
	elseif body:find('"error_code":0,', 1, true) then ok = ok + 1
	elseif body:find('"error_code":50004', 1, true) then timeout = timeout + 1
	else other = other + 1 end
end
function done(summary, latency, requests)
	local t = { ok = 0, timeout = 0, refused = 0, other = 0, bad = 0 }
	for _, th in ipairs(threads) do
		for k, _ in pairs(t) do t[k] = t[k] + th:get(k) end
	end
	io.write(string.format("RESULT requests=%d ok=%d timeout=%d other=%d refused=%d bad=%d errors=%d p50=%.0f p99=%.0f\n",
		summary.requests, t.ok, t.timeout, t.other, t.refused, t.bad,
		summary.errors.connect + summary.errors.read + summary.errors.write +
		summary.errors.timeout + summary.errors.status,
		latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
LUA
rss() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$srv/status" 2>/dev/null; }
rss0=$(rss)
wrk -t 1 -c "$conns" -d "${secs}s" --timeout 60s --latency -s "$tmp/post.lua" \
	"http://127.0.0.1:$port/api/ai/ocr/idcard" "$tmp/files" >"$tmp/wrk.out" 2>&1
rss1=$(rss)
res=$(grep '^RESULT' "$tmp/wrk.out")
echo "# $res"
echo "# server RSS before / after: $rss0 / $rss1 MB"
get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $res"; }
metrics=$(curl -sS --noproxy '*' "http://127.0.0.1:$port/metrics")
kill -TERM "$srv"
st=0
wait "$srv" || st=$?
srv=
verdict "wrk: answers, no socket error, no refusal (every nonce fresh)" \
	"$([ -n "$res" ] && [ "$(get errors)" = 0 ] && [ "$(get bad)" = 0 ] && [ "$(get refused)" = 0 ] && [ "$(get ok)" -gt 0 ] && echo 1)" \
	"$res"
verdict "the eight-card picture timed out (50004), the others answered" \
	"$([ "$(get timeout)" -gt 0 ] && echo 1)" "$res"
verdict "exit 0 after SIGTERM" "$([ "$st" = 0 ] && echo 1)" "exit $st"
if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$tmp/serve.err"; then
	verdict "no sanitizer report" 0
	grep -B2 -A30 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$tmp/serve.err" | head -80 | sed 's/^/#   /'
else
	verdict "no sanitizer report (ASan, LeakSanitizer at exit, UBSan)" 1
fi
grep -E '^faiz_serve_requests_total' <<<"$metrics" | sed 's/^/# /'
echo "asan-serve: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
