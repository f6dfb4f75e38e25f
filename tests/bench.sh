#!/bin/bash
# Benchmark of faiz-idcard against the gateway emulator (make bench; never part of make check).
#
# (a) Pacing against the backend's limiter: an emulator whose backend admits
#     1 request/s (Guava RateLimiter.create(1) + tryAcquire(), refusals are
#     charged), --latency 0.3, 60 specimen cards.  faiz-idcard with its
#     defaults, then the naive loop a user would write from the SDK examples
#     (curl + openssl, the next request as soon as the answer arrives, signed
#     as gateway-protocol.md says).  Prints images recognised, refused calls,
#     points charged (10 per charged call), elapsed time and the achieved rate
#     as a fraction of the admitted rate.
# (b) Concurrency and cost of the client: an emulator with no backend limiter,
#     --latency 0.2 --no-images, 400 cards, faiz-idcard --rate 1000 -j J for
#     J in 1 4 8 16: elapsed against the floor N x 0.2 / J, the client's CPU
#     time per image and peak RSS; then 4000 cards at -j 16 for the RSS.
# (p) Preparation off the event loop (issue F.16): 8 photographs of 81
#     megapixels (9000 x 9000, each decoded, checked and shrunk to 4000 px
#     before it is sent), latency 0.2, --rate 1000, -j 1 against -j 8: -j 8
#     must not be slower.
#
# Each part gets a fresh emulator on 127.0.0.1; all are stopped on exit.
# About 5 minutes.  Environment knobs (for quick runs):
#   FAIZ_BIN            binary under test (default ./faiz-idcard)
#   BENCH_A_IMAGES=60   BENCH_B_IMAGES=400   BENCH_BIG_IMAGES=4000 (0 skips)
#   BENCH_JOBS="1 4 8 16"   BENCH_PARTS="a b p"
#
# Internal: bench.sh --naive-loop DIR URL runs the curl loop (one response per line on stdout).

set -u
export LC_ALL=C.UTF-8

naive_loop() {
	# What a user writes from the SDK examples: one image after another, no pacing.
	local dir="$1" url="$2" f body nonce ts sign
	for f in "$dir"/*.jpg; do
		body=$(sha256sum <"$f" | cut -c1-64)
		nonce=$(openssl rand -hex 16)
		ts=$(date +%s)
		sign=$(printf '%s.%s' "$body" "$FAIZ_SECRET_KEY" | sha256sum | cut -c1-64)
		curl -sS --noproxy '*' --max-time 30 \
			-H "accessKey: $FAIZ_ACCESS_KEY" -H "nonce: $nonce" -H "timestamp: $ts" \
			-H "body: $body" -H "sign: $sign" -H "methodName: idCardRecognition" \
			-H "Content-Type: application/octet-stream" \
			--data-binary @"$f" "$url/api/ai/ocr/idcard"
		echo
	done
}

if [ "${1:-}" = --naive-loop ]; then
	naive_loop "$2" "$3"
	exit 0
fi

cd "$(dirname "$0")/.." || exit 2
ROOT=$PWD
PY=/usr/bin/python3
EMULATOR="$ROOT/tests/emulator.py"
MKBENCH="$ROOT/tests/mkbench.py"
BIN="${FAIZ_BIN:-$ROOT/faiz-idcard}"
N_A=${BENCH_A_IMAGES:-60}
N_B=${BENCH_B_IMAGES:-400}
N_BIG=${BENCH_BIG_IMAGES:-4000}
JOBS=${BENCH_JOBS:-"1 4 8 16"}
PARTS=${BENCH_PARTS:-"a b p"}
LAT_A=0.3
LAT_B=0.2

if [ ! -x "$BIN" ]; then
	echo "bench: $BIN is not built (make faiz-idcard)" >&2
	exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/faiz-bench.XXXXXX") || exit 2
EMU_PIDS=()
cleanup() {
	local p
	for p in "${EMU_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${EMU_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Nothing from the user's setup: own HOME, no FAIZ_* but the emulator's, no proxies.
for v in $(compgen -v FAIZ_); do unset "$v"; done
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy NO_PROXY no_proxy
export HOME="$WORK/home" XDG_CONFIG_HOME="$WORK/home/.config"
mkdir -p "$XDG_CONFIG_HOME"
export FAIZ_ACCESS_KEY=0123456789abcdef0123456789abcdef
export FAIZ_SECRET_KEY=fedcba9876543210fedcba9876543210

HELP=$("$BIN" --help 2>&1)
HAS_JOBS=no
case "$HELP" in *--jobs*) HAS_JOBS=yes ;; esac
HAS_DIRS=no # directory operands came with the batch engine (SPEC-B), as did -r
case "$HELP" in *--recursive*) HAS_DIRS=yes ;; esac

# emu_start NAME ARGS...: a fresh emulator; sets EMU_URL.
emu_start() {
	local name="$1" i
	shift
	"$PY" "$EMULATOR" --port-file "$WORK/$name.port" "$@" >"$WORK/$name.emu.log" 2>&1 &
	EMU_PIDS+=($!)
	for i in $(seq 100); do
		[ -s "$WORK/$name.port" ] && break
		sleep 0.05
	done
	if [ ! -s "$WORK/$name.port" ]; then
		echo "bench: emulator $name did not start:" >&2
		cat "$WORK/$name.emu.log" >&2
		exit 2
	fi
	EMU_URL="http://127.0.0.1:$(cat "$WORK/$name.port")"
	export FAIZ_ENDPOINT="$EMU_URL"
}

# operands DIR: what to give faiz-idcard (the directory once it takes directories).
operands() {
	if [ "$HAS_DIRS" = yes ]; then
		OPERANDS=("$1")
	else
		OPERANDS=("$1"/*.jpg)
	fi
}

# measure NAME TIMEOUT CMD...: sets M_RC M_ELAPSED M_CPU_MS M_RSS_KB M_TIMEOUT (stdout in $WORK/NAME.out).
measure() {
	local name="$1" timeout="$2" json
	shift 2
	json=$("$PY" "$MKBENCH" measure "$WORK/$name.out" "$timeout" -- "$@") || exit 2
	read -r M_RC M_ELAPSED M_CPU_MS M_RSS_KB M_TIMEOUT < <("$PY" -c '
import json, sys
m = json.loads(sys.argv[1])
print(m["rc"], m["elapsed"], m["cpu_ms"], m["maxrss_kb"], "yes" if m["timed_out"] else "no")' "$json")
}

# calc EXPR: floating point arithmetic (awk), printed with the given printf format.
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
per_card() { if [ "$2" -gt 0 ]; then calc %.1f "$1 * 10 / $2"; else printf -- -; fi; }
mark() { if awk "BEGIN { exit !($1) }"; then printf ok; else printf MISS; fi; }

note_run() { # NAME: say so when a run did not end cleanly
	if [ "$M_TIMEOUT" = yes ]; then
		echo "    ($1: killed after the time limit)"
	elif [ "$M_RC" != 0 ]; then
		echo "    ($1: exit status $M_RC; first stderr lines:)"
		head -n 3 "$WORK/$1.out.err" | sed 's/^/      /'
	fi
}

echo "faiz-idcard benchmark: $BIN"
echo "  $(nproc) CPUs, -j supported: $HAS_JOBS, directory operands: $HAS_DIRS"

# --- (a) pacing against the backend's 1/s limiter --------------------------------
part_a() {
	local dir="$WORK/a" total rec req charged refused
	"$PY" "$MKBENCH" cards "$N_A" "$dir" || exit 2
	emu_start a --backend-rate 1 --latency "$LAT_A"
	echo
	echo "(a) backend limiter 1/s (Guava SmoothBursty, refusals charged), latency $LAT_A s, $N_A images"
	printf '  %-26s %11s %8s %7s %9s %9s %14s  %s\n' "client" "recognised" "refused" "points" \
		"pts/card" "elapsed s" "rate/admitted" "target"
	local limit=$((N_A * 3 + 60))

	# Both start from the same state: the limiter idle for over a second (one stored permit).
	sleep 1.2
	operands "$dir"
	measure a-faiz "$limit" "$BIN" -q -f ndjson "${OPERANDS[@]}"
	read -r total rec < <("$PY" "$MKBENCH" count-records "$WORK/a-faiz.out")
	read -r req charged refused < <("$PY" "$MKBENCH" stats "$EMU_URL")
	printf '  %-26s %11s %8s %7s %9s %9.1f %14s  %s\n' "faiz-idcard (defaults)" "$rec/$N_A" "$refused" \
		"$((charged * 10))" "$(per_card "$charged" "$rec")" "$M_ELAPSED" "$(calc %.3f "$rec / $M_ELAPSED / 1")" \
		"0 refused: $(mark "$refused == 0"); >= 0.95: $(mark "$rec / $M_ELAPSED >= 0.95")"
	note_run a-faiz

	"$PY" "$MKBENCH" reset "$EMU_URL"
	sleep 1.2
	measure a-naive "$limit" bash "$ROOT/tests/bench.sh" --naive-loop "$dir" "$EMU_URL"
	read -r total rec < <("$PY" "$MKBENCH" count-responses "$WORK/a-naive.out")
	read -r req charged refused < <("$PY" "$MKBENCH" stats "$EMU_URL")
	printf '  %-26s %11s %8s %7s %9s %9.1f %14s  %s\n' "naive loop (curl+openssl)" "$rec/$N_A" "$refused" \
		"$((charged * 10))" "$(per_card "$charged" "$rec")" "$M_ELAPSED" "$(calc %.3f "$rec / $M_ELAPSED / 1")" \
		"(baseline)"
	note_run a-naive
	echo "  points: 10 per charged call (a refusal is charged); pts/card = points per recognised card;"
	echo "  rate/admitted = recognised / elapsed / (1/s)"
}

# --- (b) concurrency, CPU and memory of the client --------------------------------
part_b() {
	local dir="$WORK/b" big="$WORK/big" j floor total rec rss400="" rss_big=""
	"$PY" "$MKBENCH" cards "$N_B" "$dir" || exit 2
	emu_start b --latency "$LAT_B" --no-images
	echo
	echo "(b) no backend limiter, latency $LAT_B s, --no-images, faiz-idcard --rate 1000 -j J"
	printf '  %6s %3s %11s %9s %9s %7s %11s %12s  %s\n' images -j recognised "elapsed s" "floor s" ratio \
		"cpu ms/img" "peak RSS MB" target
	row() { # N J
		local n="$1" jj="$2"
		floor=$(calc %.1f "$n * $LAT_B / $jj")
		read -r total rec < <("$PY" "$MKBENCH" count-records "$WORK/b-$n-$jj.out")
		local target=""
		if [ "$jj" = 8 ] && [ "$n" = "$N_B" ]; then
			target="within 10% of floor: $(mark "$M_ELAPSED <= 1.10 * $floor")"
		fi
		if [ "$jj" = 16 ]; then
			target="${target:+$target; }RSS < 32 MB: $(mark "$M_RSS_KB < 32768")"
		fi
		printf '  %6s %3s %11s %9.1f %9s %7s %11s %12s  %s\n' "$n" "$jj" "$rec/$n" "$M_ELAPSED" "$floor" \
			"$(calc %.3f "$M_ELAPSED / $floor")" "$(calc %.2f "$M_CPU_MS / $n")" \
			"$(calc %.1f "$M_RSS_KB / 1024")" "$target"
	}
	operands "$dir"
	for j in $JOBS; do
		local jopt=(-j "$j")
		if [ "$HAS_JOBS" = no ]; then
			if [ "$j" != 1 ]; then
				printf '  %6s %3s  skipped: this build has no -j\n' "$N_B" "$j"
				continue
			fi
			jopt=()
		fi
		"$PY" "$MKBENCH" reset "$EMU_URL"
		measure "b-$N_B-$j" "$(calc %.0f "$N_B * $LAT_B / $j * 3 + 60")" \
			"$BIN" -q -f ndjson --rate 1000 "${jopt[@]}" "${OPERANDS[@]}"
		row "$N_B" "$j"
		note_run "b-$N_B-$j"
		[ "$j" = 16 ] && rss400=$M_RSS_KB
	done
	if [ "$N_BIG" -gt 0 ]; then
		if [ "$HAS_JOBS" = no ]; then
			printf '  %6s %3s  skipped: this build has no -j\n' "$N_BIG" 16
		else
			"$PY" "$MKBENCH" cards "$N_BIG" "$big" || exit 2
			"$PY" "$MKBENCH" reset "$EMU_URL"
			operands "$big"
			measure "b-$N_BIG-16" "$(calc %.0f "$N_BIG * $LAT_B / 16 * 3 + 60")" \
				"$BIN" -q -f ndjson --rate 1000 -j 16 "${OPERANDS[@]}"
			row "$N_BIG" 16
			note_run "b-$N_BIG-16"
			rss_big=$M_RSS_KB
			rm -rf "$big"
		fi
	fi
	echo "  floor = images x $LAT_B s / J; cpu and RSS are the client process's own (getrusage of the child)"
	if [ -n "$rss400" ] && [ -n "$rss_big" ]; then
		echo "  peak RSS at -j 16: $(calc %.1f "$rss400 / 1024") MB for $N_B images," \
			"$(calc %.1f "$rss_big / 1024") MB for $N_BIG (flat within 20%: $(mark "$rss_big <= 1.2 * $rss400"))"
	fi
}

# --- (p) preparation on worker threads -------------------------------------------
part_p() {
	local dir="$WORK/p" j e1=""
	mkdir -p "$dir"
	# One 81-megapixel photograph, eight files: bytes after EOI make each
	# content distinct, so none is a duplicate of another.
	"$PY" - "$dir" <<'PYEOF'
import sys
from PIL import Image
d = sys.argv[1]
g = Image.linear_gradient("L").resize((9000, 9000))
im = Image.merge("RGB", (g, g.rotate(90), g.rotate(180)))
im.save(d + "/p0.jpg", "JPEG", quality=90)
data = open(d + "/p0.jpg", "rb").read()
for i in range(1, 8):
    open("%s/p%d.jpg" % (d, i), "wb").write(data + b"photo %d" % i)
PYEOF
	emu_start p --latency 0.2 --no-images
	echo
	echo "(p) 8 photographs of 9000x9000 (81 MP), latency 0.2 s, --no-images, --rate 1000 -j J"
	echo "  (not cards: the emulator answers 40007 for each, so every one is sent and charged once)"
	printf '  %3s %7s %9s %9s %11s %12s  %s\n' -j records sent "elapsed s" "cpu ms/img" "peak RSS MB" target
	operands "$dir"
	for j in 1 8; do
		"$PY" "$MKBENCH" reset "$EMU_URL"
		measure "p-$j" 300 "$BIN" -q -f ndjson --rate 1000 -j "$j" "${OPERANDS[@]}"
		local target="" total req charged refused
		read -r total rec < <("$PY" "$MKBENCH" count-records "$WORK/p-$j.out")
		read -r req charged refused < <("$PY" "$MKBENCH" stats "$EMU_URL")
		[ "$j" = 1 ] && e1=$M_ELAPSED
		[ "$j" = 8 ] && target="not slower than -j 1: $(mark "$M_ELAPSED <= 1.05 * $e1")"
		printf '  %3s %7s %9s %9.1f %11s %12s  %s\n' "$j" "$total" "$req" "$M_ELAPSED" \
			"$(calc %.0f "$M_CPU_MS / 8")" "$(calc %.1f "$M_RSS_KB / 1024")" "$target"
		[ "$M_TIMEOUT" = yes ] && note_run "p-$j"
	done
	rm -rf "$dir"
}

for part in $PARTS; do
	case "$part" in
	a) part_a ;;
	b) part_b ;;
	p) part_p ;;
	*) echo "bench: unknown part '$part'" >&2 ;;
	esac
done
