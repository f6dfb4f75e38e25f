#!/usr/bin/env bash
# make check-valgrind: the client under valgrind over a 50-image batch (-j 4,
# --save-images) and one run of each error path, against the emulator; every
# run must show no memory error and no definite or indirect leak. Ends with
# "valgrind: N passed, N failed".
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
# check NAME WANT_STATUS FAULTS ARGS...: one valgrind run.
check() {
	local name=$1 want=$2 faults=$3 st=0 log="$work/$1.vg"
	shift 3
	curl -sS --noproxy '*' -X POST "$url/_emu/reset" >/dev/null
	if [ "$faults" != - ]; then
		curl -sS --noproxy '*' -X POST -H 'Content-Type: application/json' \
			--data-binary "$faults" "$url/_emu/faults" >/dev/null
	fi
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$log" \
		"$FAIZ" --rate 50 --retries 1 "$@" >"$work/$name.out" 2>"$work/$name.err" || st=$?
	if [ "$st" -eq "$want" ] && ! grep -qE 'definitely lost: [1-9]|indirectly lost: [1-9]|ERROR SUMMARY: [1-9]' "$log" &&
		! grep -q '^==[0-9]*== [A-Z]' "$log"; then
		passed=$((passed + 1))
		echo "ok - valgrind $name (exit $st)"
	else
		failed=$((failed + 1))
		echo "not ok - valgrind $name: exit $st, expected $want"
		sed 's/^/#   /' "$log" | head -60
	fi
}

check batch50 0 - -j 4 --save-images "$work/saved" "$work"/batch/*.jpg
n=$(grep -c . "$work/batch50.out")
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

echo "valgrind: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
