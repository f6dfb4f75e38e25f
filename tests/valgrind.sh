#!/usr/bin/env bash
# make check-valgrind: the client under valgrind over a 50-image batch (-j 4,
# --save-images) and one run of each error path, against the emulator, the
# local engine on three images and serve answering a few requests; every
# run must show no memory error and no definite or indirect leak. Ends with
# "valgrind: N passed, N failed". VALGRIND_ONLY=NAME runs one case
# (batch50, auth403, quota, badinput, servererr, badtype, local, serve).
set -u
cd "$(dirname "$0")/.." || exit 2
FAIZ=${FAIZ_BIN:-$PWD/faiz-idcard}
PYTHON=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/faiz-valgrind.XXXXXX")
emu_pid=
cleanup() {
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

"$PYTHON" tests/mkcards.py set "$work/cards" >/dev/null || exit 2
"$PYTHON" tests/emulator.py --port-file "$work/port" --fixtures tests/fixtures \
	--log "$work/emu.log" >>"$work/emu.log" 2>&1 &
emu_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "valgrind: the emulator did not start" >&2; exit 2; }
url="http://127.0.0.1:$(cat "$work/port")"

# The user's environment must not change what runs.
for v in $(compgen -v FAIZ_); do unset "$v"; done
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"
mkdir -p "$XDG_CONFIG_HOME"
export FAIZ_ENDPOINT="$url"
export FAIZ_ACCESS_KEY=0123456789abcdef0123456789abcdef
export FAIZ_SECRET_KEY=fedcba9876543210fedcba9876543210

# 50 specimen cards: the three readable sides of the set, under 50 names.
mkdir -p "$work/batch"
i=0
while [ "$i" -lt 50 ]; do
	for c in front_zhangsan back_zhangsan front_lisi temporary_wangwu; do
		[ "$i" -lt 50 ] || break
		cp "$work/cards/$c.jpg" "$work/batch/$(printf '%02d' "$i")_$c.jpg"
		i=$((i + 1))
	done
done

passed=0
failed=0
# only NAME: whether case NAME runs (VALGRIND_ONLY).
only() { [ -z "${VALGRIND_ONLY:-}" ] || [ "$VALGRIND_ONLY" = "$1" ]; }
# vgok NAME LOG STATUS WANT: the verdict on one valgrind log.
vgok() {
	if [ "$3" -eq "$4" ] && ! grep -qE 'definitely lost: [1-9]|indirectly lost: [1-9]|ERROR SUMMARY: [1-9]' "$2" &&
		! grep -q '^==[0-9]*== [A-Z]' "$2"; then
		passed=$((passed + 1))
		echo "ok - valgrind $1 (exit $3)"
	else
		failed=$((failed + 1))
		echo "not ok - valgrind $1: exit $3, expected $4"
		sed 's/^/#   /' "$2" | head -60
	fi
}
VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect
	--show-leak-kinds=definite,indirect --error-exitcode=99)
# check NAME WANT_STATUS FAULTS ARGS...: one valgrind run.
check() {
	local name=$1 want=$2 faults=$3 st=0 log="$work/$1.vg"
	only "$name" || return 0
	shift 3
	curl -sS --noproxy '*' -X POST "$url/_emu/reset" >/dev/null
	if [ "$faults" != - ]; then
		curl -sS --noproxy '*' -X POST -H 'Content-Type: application/json' \
			--data-binary "$faults" "$url/_emu/faults" >/dev/null
	fi
	"${VG[@]}" --log-file="$log" "$FAIZ" --rate 50 --retries 1 "$@" >"$work/$name.out" 2>"$work/$name.err" || st=$?
	vgok "$name" "$log" "$st" "$want"
}

check batch50 0 - -j 4 --save-images "$work/saved" "$work"/batch/*.jpg
only batch50 && n=$(grep -c . "$work/batch50.out") &&
if [ "$n" -eq 50 ] && [ "$(ls "$work/saved" | wc -l)" -eq 124 ]; then
	passed=$((passed + 1)); echo "ok - valgrind batch50: 50 records, 124 saved images"
else
	failed=$((failed + 1)); echo "not ok - valgrind batch50: $n records, $(ls "$work/saved" | wc -l) saved images"
fi
check auth403 3 '["403","403","403","403"]' "$work/cards/front_zhangsan.jpg" "$work/cards/front_lisi.jpg"
check quota 3 '["quota"]' "$work/cards/front_zhangsan.jpg" "$work/cards/front_lisi.jpg"
check badinput 1 - "$work/cards/notjpeg.jpg" "$work/cards/empty.jpg" "$work/cards/truncated.jpg" \
	"$work/cards/plain.jpg" "$work/cards/front_zhangsan.jpg"
check servererr 4 '["502","502","502","502"]' -j 4 "$work/cards/front_zhangsan.jpg" "$work/cards/front_lisi.jpg"
check badtype 1 '["type:head_portrait"]' --save-images "$work/saved2" "$work/cards/front_zhangsan.jpg"

export FAIZ_MODELS="$PWD/models"
back=../shared/samples/card_back.jpg
[ -f "$back" ] || back=/work/shared/samples/card_back.jpg
head -c 20000 "$back" >"$work/cut.jpg"

# The local engine: the real back, a specimen front, a file that is no JPEG.
if only local; then
	st=0
	"${VG[@]}" --log-file="$work/local.vg" "$FAIZ" --engine local -j 2 --save-images "$work/saved3" \
		"$back" "$work/cards/front_zhangsan.jpg" "$work/cards/notjpeg.jpg" \
		>"$work/local.out" 2>"$work/local.err" || st=$?
	vgok local "$work/local.vg" "$st" 1
fi

# serve: -j 1 with keys and a 1 s limit, one small image and a few
# requests. Under valgrind the engine needs minutes for a card (det and
# rec run a hundred times slower or more), and its decoding and card
# search alone take longer than the limit: so the card is answered 50004
# and the engine's cancel stops it before det, freeing the worker. That
# path, the signature checks, a replay, the page's refusals of junk and a
# cut JPEG, /healthz and /metrics, then SIGTERM (the local case above
# reads cards through det and rec under valgrind). --fair-sched=yes:
# valgrind runs one thread at a time, and its default lock let a busy
# worker starve the connection threads (a junk upload went unanswered for
# two minutes). Should the engine be past its last check when the limit
# comes, the worker is free only after det and rec: minutes.
if only serve; then
	printf '%s %s\n' "$FAIZ_ACCESS_KEY" "$FAIZ_SECRET_KEY" >"$work/keys"
	chmod 600 "$work/keys"
	"${VG[@]}" --fair-sched=yes --log-file="$work/serve.vg" "$FAIZ" serve --listen 127.0.0.1:0 -j 1 \
		--keys "$work/keys" --request-timeout 1 2>"$work/serve.err" &
	srv=$!
	port=
	for _ in $(seq 1200); do
		port=$(sed -n 's/.*listening on .* (port \([0-9]*\)).*/\1/p' "$work/serve.err")
		[ -n "$port" ] && break
		kill -0 "$srv" 2>/dev/null || break
		sleep 0.1
	done
	sbody='[B@6d06d69c'
	ssign=$(printf '%s.%s' "$sbody" "$FAIZ_SECRET_KEY" | sha256sum | cut -d' ' -f1)
	# sreq FILE NONCE: one signed upload (Java SDK style); appends "STATUS BODY" to serve.out.
	sreq() {
		[ -n "$port" ] || return 0
		curl -sS --noproxy '*' --max-time 120 -w ' %{http_code}\n' -H 'Content-Type: application/octet-stream' \
			-H "accessKey: $FAIZ_ACCESS_KEY" -H "nonce: $2" -H "timestamp: $(date +%s)" \
			-H "body: $sbody" -H "sign: $ssign" --data-binary "@$1" \
			"http://127.0.0.1:$port/api/ai/ocr/idcard" >>"$work/serve.out"
	}
	sreq "$back" n1
	sreq "$back" n1
	sreq "$work/cards/notjpeg.jpg" n2
	sreq "$work/cut.jpg" n3
	[ -z "$port" ] || curl -sS --noproxy '*' "http://127.0.0.1:$port/healthz" >>"$work/serve.out"
	# The worker is free again once the engine saw the cancel.
	free=no
	for _ in $(seq 1800); do
		[ -n "$port" ] || break
		if curl -sS --noproxy '*' "http://127.0.0.1:$port/metrics" | grep -qx 'faiz_serve_queue_running 0'; then
			free=yes
			break
		fi
		sleep 0.5
	done
	kill -TERM "$srv" 2>/dev/null
	st=0
	wait "$srv" || st=$?
	want='"error_code":50004,.* 200$|^ 403$|"error_code":40005,.* 200$|"error_code":40009,.* 200$|^ready$'
	got=$(grep -cE "$want" "$work/serve.out")
	if [ "$got" -ne 5 ] || [ "$free" != yes ]; then
		echo "# serve answered ($got of 5 expected, worker free: $free): $(head -c 600 "$work/serve.out")"
		st=98
	fi
	vgok serve "$work/serve.vg" "$st" 0
fi

echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
