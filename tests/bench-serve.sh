#!/bin/bash
# Load benchmark of faiz-idcard serve against the batch tool on the same images (make bench-serve; never part of make check).
#
# Generates BENCH_IMAGES good-level photos (tests/mkphotos.py), then:
#   1. `faiz-idcard --engine local -j N` over them (images per second);
#   2. `faiz-idcard serve -j N` on loopback, driven by wrk (Debian) at
#      BENCH_CONNS connections for BENCH_SECONDS seconds, each request a
#      POST of one of the photos in turn, raw body: requests per second,
#      p50/p99 latency, non-200 answers, answers whose code is not "0",
#      socket errors, and the server's RSS sampled every second (start,
#      peak, end, and ten samples over the run), to show it flat;
#   3. the ratio of the two throughputs (target: within 10%).
# Prints a markdown table. Knobs: BENCH_JOBS (default: nproc),
# BENCH_CONNS=16, BENCH_SECONDS=30, BENCH_IMAGES=48, BENCH_ROUNDS=2,
# FAIZ_MODELS=models.
set -u
cd "$(dirname "$0")/.." || exit 2
export LC_ALL=C.UTF-8
jobs=${BENCH_JOBS:-$(nproc)}
conns=${BENCH_CONNS:-16}
secs=${BENCH_SECONDS:-30}
nimg=${BENCH_IMAGES:-48}
export FAIZ_MODELS=${FAIZ_MODELS:-$PWD/models}
FAIZ=${FAIZ_BIN:-$PWD/faiz-idcard}
command -v wrk >/dev/null || { echo "bench-serve: wrk is not installed (make deps)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-serve.XXXXXX")
srv=
cleanup() {
	[ -z "$srv" ] || { kill -TERM "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "bench-serve: load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, -j $jobs" >&2
/usr/bin/python3 tests/mkphotos.py set "$tmp/img" --level good --count "$nimg" --seed 700 >&2 || exit 1

# 1. The batch tool on the same images, once each: a run sends each content
# once (copies are duplicates of the first), so repeating the list would
# not repeat the work. A run of 48 images lasts some 12 s, where a moment
# of other work on the machine shows: BENCH_ROUNDS (2) runs, and the
# fastest is the one the server is held to (the stricter comparison).
list=("$tmp"/img/*.jpg)
calc() { awk "BEGIN { print $1 }"; }
batch_s=
for ((round = 1; round <= ${BENCH_ROUNDS:-2}; round++)); do
	t0=$(date +%s.%N)
	"$FAIZ" --engine local -j "$jobs" -q -f ndjson "${list[@]}" >"$tmp/batch.ndjson"
	t1=$(date +%s.%N)
	s=$(calc "$t1 - $t0")
	if [ -z "$batch_s" ] || [ "$(calc "($s < $batch_s) ? 1 : 0")" = 1 ]; then
		batch_s=$s
	fi
done
batch_n=$(wc -l <"$tmp/batch.ndjson")
batch_ips=$(calc "$batch_n / $batch_s")

# 2. The server under wrk.
"$FAIZ" serve --listen 127.0.0.1:0 -j "$jobs" --queue 64 2>"$tmp/serve.err" &
srv=$!
port=
for _ in $(seq 600); do
	port=$(sed -n 's/.*listening on .* (port \([0-9]*\)).*/\1/p' "$tmp/serve.err")
	[ -n "$port" ] && break
	kill -0 "$srv" 2>/dev/null || break
	sleep 0.1
done
[ -n "$port" ] || { echo "bench-serve: the server did not start" >&2; cat "$tmp/serve.err" >&2; exit 1; }
url="http://127.0.0.1:$port/api/ai/ocr/idcard"
curl -sf --noproxy '*' "http://127.0.0.1:$port/healthz" >/dev/null || { echo "bench-serve: not ready" >&2; exit 1; }

# wrk's script: each thread posts the photos in turn, and counts answers
# whose envelope code is not "0" (a recognition error is still code "0"
# with data.error_code: those are counted apart, as unrecognised).
ls "$tmp"/img/*.jpg >"$tmp/files"
cat >"$tmp/post.lua" <<'LUA'
local files, bodies, i = {}, {}, 0
bad, unrec = 0, 0 -- globals: done() reads them from each thread
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args)
	for line in io.lines(args[1]) do
		local f = assert(io.open(line, "rb"))
		table.insert(bodies, f:read("*a"))
		f:close()
	end
end
function request()
	i = i % #bodies + 1
	return wrk.format("POST", nil, { ["Content-Type"] = "application/octet-stream" }, bodies[i])
end
function response(status, headers, body)
	if status ~= 200 or not body:find('"code":"0"', 1, true) then
		bad = bad + 1
	elseif body:find('"error_code":4', 1, true) then
		unrec = unrec + 1
	end
end
function done(summary, latency, requests)
	local b, u = 0, 0
	for _, t in ipairs(threads) do
		b = b + t:get("bad")
		u = u + t:get("unrec")
	end
	io.write(string.format("RESULT requests=%d seconds=%.3f p50=%.1f p99=%.1f bad=%d unrec=%d errors=%d\n",
		summary.requests, summary.duration / 1e6,
		latency:percentile(50) / 1000, latency:percentile(99) / 1000, b, u,
		summary.errors.connect + summary.errors.read + summary.errors.write +
		summary.errors.timeout + summary.errors.status))
end
LUA
rss() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$srv/status" 2>/dev/null; }
rss0=$(rss)
( while kill -0 "$srv" 2>/dev/null; do rss; sleep 1; done ) >"$tmp/rss" &
sampler=$!
wrk -t 2 -c "$conns" -d "${secs}s" --timeout 60s --latency -s "$tmp/post.lua" "$url" "$tmp/files" >"$tmp/wrk.out" 2>&1
rss1=$(rss)
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
alive=yes
kill -0 "$srv" 2>/dev/null || alive=no
res=$(grep '^RESULT' "$tmp/wrk.out")
[ -n "$res" ] || { echo "bench-serve: wrk gave no result" >&2; cat "$tmp/wrk.out" >&2; exit 1; }
get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $res"; }
reqs=$(get requests); dur=$(get seconds)
srv_rps=$(calc "$reqs / $dur")
peak=$(sort -n "$tmp/rss" | tail -n 1)
ratio=$(calc "$srv_rps / $batch_ips")

printf '| measure | value |\n|---|---|\n'
printf '| batch `--engine local -j %s`, fastest of %d runs | %d images in %.1f s: %.2f images/s |\n' "$jobs" "${BENCH_ROUNDS:-2}" "$batch_n" "$batch_s" "$batch_ips"
printf '| serve -j %s, wrk %s connections %s s | %d requests: %.2f requests/s |\n' "$jobs" "$conns" "$secs" "$reqs" "$srv_rps"
printf '| serve / batch throughput | %.3f (target 0.90 or more) |\n' "$ratio"
printf '| latency p50 / p99 | %s ms / %s ms |\n' "$(get p50)" "$(get p99)"
printf '| non-200 or bad envelope | %s |\n' "$(get bad)"
printf '| socket errors and timeouts | %s |\n' "$(get errors)"
printf '| answered, no card recognised (error_code 4xxxx) | %s |\n' "$(get unrec)"
printf '| server RSS: before / peak / after | %s / %s / %s MB |\n' "$rss0" "$peak" "$rss1"
# RSS over the run, ten samples evenly spaced: flat means no growth.
n=$(wc -l <"$tmp/rss")
printf '| server RSS over the run (10 samples) | %s MB |\n' \
	"$(awk -v n="$n" 'n >= 10 && (NR - 1) % int(n / 10) == 0 && ++k <= 10 { printf "%s%s", (k > 1 ? " " : ""), $1 }' "$tmp/rss")"
printf '| server alive after the run | %s |\n' "$alive"
ok=1
[ "$(get bad)" = 0 ] && [ "$(get errors)" = 0 ] && [ "$alive" = yes ] || ok=0
[ "$(calc "($ratio >= 0.9) ? 1 : 0")" = 1 ] || ok=0
[ $ok = 1 ] && echo "bench-serve: targets met" || { echo "bench-serve: targets NOT met" >&2; exit 1; }
