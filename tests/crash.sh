#!/bin/bash
# make check-crash (issue F.10): kill -9 a run writing -o FILE at random moments, run the same command again, and count from the emulator's log of charged calls what was lost or paid twice.
#
# usage: tests/crash.sh [TRIALS]   (default 24; FAIZ_BIN picks the binary)
#
# Per trial: the emulator answers with latency; the client runs -j 2 over 8
# cards into -o out.FMT (FMT cycling ndjson, csv, json, xlsx) and is killed
# with SIGKILL after a random delay; the journal it leaves is read; the same
# command is run again to the end. Then, from the emulator's request log:
#   lost       images charged for (in either run) with no recognised record
#              in the final output                                  must be 0
#   paid twice images charged for in the first run whose record the journal
#              held, charged again by the rerun                     must be 0
#   in flight  images charged in the first run whose answer had not reached
#              the journal when it was killed, paid again by the rerun (no
#              client can keep an answer it never read: reported, not failed)
#   left       dot files (journal, temporary files) left after the rerun
#                                                                   must be 0
set -u
here="$(cd "$(dirname "$0")" && pwd)"
FAIZ="${FAIZ_BIN:-$here/../faiz-idcard}"
PY=/usr/bin/python3
TRIALS="${1:-24}"
N=8
work="$(mktemp -d "${TMPDIR:-/tmp}/faiz-crash.XXXXXX")"
emu_pid=
cleanup() {
	[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null && wait "$emu_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/cards" "$work/home"
for i in $(seq $N); do
	"$PY" "$here/mkcards.py" front -o "$work/cards/$i.jpg" --name "崩溃$i" >/dev/null 2>&1 ||
		{ echo "crash.sh: cannot make cards" >&2; exit 2; }
done
"$PY" "$here/emulator.py" --port-file "$work/port" --fixtures "$here/fixtures" \
	--latency 0.25 >"$work/emu.log" 2>&1 &
emu_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || { echo "crash.sh: emulator did not start" >&2; exit 2; }
url="http://127.0.0.1:$(cat "$work/port")"
ctl() { curl -sS --noproxy '*' --fail-with-body -X "$1" "$url$2"; }
export FAIZ_ENDPOINT="$url" HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"
export FAIZ_ACCESS_KEY=0123456789abcdef0123456789abcdef
export FAIZ_SECRET_KEY=fedcba9876543210fedcba9876543210

# The file names a final output recognised, one a line.
recognised() {
	case $1 in
	ndjson) jq -r 'select(.error == null) | .file' "$2" ;;
	json) jq -r '.[] | select(.error == null) | .file' "$2" ;;
	csv) "$PY" -c 'import csv,sys
for x in csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")):
    if x["error_code"] == "": print(x["file"])' "$2" ;;
	xlsx) "$PY" -c 'import openpyxl,sys
rows = list(openpyxl.load_workbook(sys.argv[1]).active.iter_rows(values_only=True))
h = list(rows[0])
for x in rows[1:]:
    if x[h.index("error_code")] in (None, ""): print(x[h.index("file")])' "$2" ;;
	esac
}

declare -A by_sha
for i in $(seq $N); do
	by_sha[$(sha256sum <"$work/cards/$i.jpg" | cut -d' ' -f1)]="$i.jpg"
done

# Kill moments are drawn over the length of a whole run, measured once.
mkdir -p "$work/cal"
cp "$work"/cards/*.jpg "$work/cal/"
t0=$(date +%s%N)
(cd "$work/cal" && "$FAIZ" -q --rate 50 -j 2 -o out.ndjson $(seq -f '%g.jpg' $N) >/dev/null 2>&1)
span=$((($(date +%s%N) - t0) / 1000000))
[ "$span" -gt 100 ] || span=100
echo "a whole run takes $span ms; kill moments are drawn from 20 to $span ms"

# Wait until the emulator has answered (and charged) every request it got.
quiet() {
	for _ in $(seq 100); do
		[ "$(ctl GET /_emu/requests | jq '[.[] | select(.status == null)] | length')" = 0 ] && return
		sleep 0.05
	done
}

fmts=(ndjson csv json xlsx)
declare -A t_trials t_lost t_twice t_flight t_left t_journal
total_bad=0
printf '%-5s %-6s %7s %8s %9s %5s %10s %9s %5s\n' trial format kill_ms finished journaled lost paid_twice in_flight left
for t in $(seq "$TRIALS"); do
	fmt="${fmts[$(((t - 1) % 4))]}"
	d="$work/t$t"
	mkdir -p "$d"
	cp "$work"/cards/*.jpg "$d/"
	ctl POST /_emu/reset >/dev/null
	ms=$((RANDOM % (span - 20) + 20))
	(cd "$d" && exec "$FAIZ" -q --rate 50 -j 2 -f "$fmt" -o "out.$fmt" $(seq -f '%g.jpg' $N) \
		>/dev/null 2>"$d/run1.err") &
	pid=$!
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# Let the requests still in the emulator finish and be charged.
	quiet
	finished=no
	[ -e "$d/out.$fmt" ] && finished=yes
	journaled="$(cat "$d/.out.$fmt.faiz-journal" 2>/dev/null | jq -r 'select(.sha256 != null) | .sha256' | sort -u)"
	mark="$(ctl GET /_emu/stats | jq -r .requests)"
	(cd "$d" && "$FAIZ" -q --rate 50 -j 2 -f "$fmt" -o "out.$fmt" $(seq -f '%g.jpg' $N) \
		>/dev/null 2>"$d/run2.err")
	ctl GET /_emu/requests >"$d/requests.json"
	run1="$(jq -r --argjson m "$mark" '.[:$m][] | select(.status == 200) | .body_sha256' "$d/requests.json" | sort)"
	run2="$(jq -r --argjson m "$mark" '.[$m:][] | select(.status == 200) | .body_sha256' "$d/requests.json" | sort)"
	got="$(recognised "$fmt" "$d/out.$fmt" 2>/dev/null | sort)"
	lost=0 twice=0 flight=0
	for s in $(printf '%s\n%s\n' "$run1" "$run2" | sort -u); do
		grep -qxF "${by_sha[$s]:-?}" <<<"$got" || lost=$((lost + 1))
	done
	for s in $(printf '%s\n' "$run2" | sort -u); do
		grep -qxF "$s" <<<"$run1" || continue
		if grep -qxF "$s" <<<"$journaled"; then twice=$((twice + 1)); else flight=$((flight + 1)); fi
	done
	# Twice within one run is paying twice too.
	for r in "$run1" "$run2"; do
		twice=$((twice + $(printf '%s\n' "$r" | grep -c . ) - $(printf '%s\n' "$r" | sort -u | grep -c .)))
	done
	left="$(ls -A "$d" | grep -c '^\.')"
	nj="$(printf '%s\n' "$journaled" | grep -c .)"
	printf '%-5s %-6s %7s %8s %9s %5s %10s %9s %5s\n' "$t" "$fmt" "$ms" "$finished" "$nj" "$lost" "$twice" "$flight" "$left"
	t_trials[$fmt]=$((${t_trials[$fmt]:-0} + 1))
	t_lost[$fmt]=$((${t_lost[$fmt]:-0} + lost))
	t_twice[$fmt]=$((${t_twice[$fmt]:-0} + twice))
	t_flight[$fmt]=$((${t_flight[$fmt]:-0} + flight))
	t_left[$fmt]=$((${t_left[$fmt]:-0} + left))
	t_journal[$fmt]=$((${t_journal[$fmt]:-0} + nj))
	[ $((lost + twice + left)) -gt 0 ] && total_bad=$((total_bad + 1))
done
echo
echo "summary: $TRIALS kill -9 trials, $N images each"
printf '%-7s %6s %22s %10s %10s %22s %5s\n' format trials "journaled (recovered)" lost paid_twice "in flight (paid again)" left
for fmt in "${fmts[@]}"; do
	printf '%-7s %6s %22s %10s %10s %22s %5s\n' "$fmt" "${t_trials[$fmt]:-0}" "${t_journal[$fmt]:-0}" \
		"${t_lost[$fmt]:-0}" "${t_twice[$fmt]:-0}" "${t_flight[$fmt]:-0}" "${t_left[$fmt]:-0}"
done
if [ "$total_bad" -gt 0 ]; then
	echo "check-crash: FAILED in $total_bad trials" >&2
	exit 1
fi
echo "check-crash: 0 paid records lost, 0 paid twice"
