#!/bin/bash
# A/B of two builds of build/engine-run: single-thread CPU time per photo on the same photos (a benchmark, never part of make check).
#
# Usage: tests/bench-ab.sh BIN_A BIN_B DIR [ROUNDS]
#
# BIN_A and BIN_B are engine-run binaries (say a copy of build/engine-run
# from main and the one of a branch); DIR holds the photos (DIR/*.jpg).
# Each round runs A then B over all the photos (B then A in even rounds, so
# that neither always runs second), in engine-run's one-thread mode
# (no -j: each image's CPU time, decoding included, in "cpu_ms"), with
# OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1. For each photo and binary the
# smallest cpu_ms over the ROUNDS (2) rounds is kept: other jobs on the
# machine only ever add CPU time (cache misses, frequency), so the least
# disturbed run is the closest to the build's own cost. Prints a markdown
# table of each binary's median over the photos of those minimums, and the
# median over the photos of B's minimum minus A's (with B/A - 1 in per
# cent), then how many photos got the same fields from both. Knobs:
# FAIZ_MODELS=models (the checkout's models directory).
set -u
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	echo "usage: tests/bench-ab.sh BIN_A BIN_B DIR [ROUNDS]" >&2
	exit 2
fi
rounds=${4:-2}
case $rounds in '' | *[!0-9]* | 0) echo "bench-ab: ROUNDS must be a positive number" >&2; exit 2 ;; esac
top=$(cd "$(dirname "$0")/.." && pwd) || exit 2
models=$(realpath "${FAIZ_MODELS:-$top/models}") || exit 2
bins=()
for b in "$1" "$2"; do
	[ -x "$b" ] || { echo "bench-ab: $b: not an executable" >&2; exit 2; }
	bins+=("$(realpath "$b")")
done
photos=("$3"/*.jpg)
[ -e "${photos[0]}" ] || { echo "bench-ab: $3: no .jpg photos" >&2; exit 2; }
export LC_ALL=C.UTF-8 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 GOTO_NUM_THREADS=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-ab.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

echo "bench-ab: ${#photos[@]} photos, $rounds rounds; load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc --all) CPUs" >&2
for ((r = 1; r <= rounds; r++)); do
	order="0 1"
	[ $((r % 2)) = 0 ] && order="1 0"
	for k in $order; do
		"${bins[$k]}" -m "$models" "${photos[@]}" >"$tmp/$k.$r.ndjson" ||
			{ echo "bench-ab: ${bins[$k]} failed (round $r)" >&2; exit 1; }
	done
done

/usr/bin/python3 - "$tmp" "$rounds" "${bins[@]}" <<'PY'
import json, statistics, sys

tmp, rounds, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:5]
best = [{}, {}]   # per binary: file -> smallest cpu_ms over the rounds
fields = [{}, {}] # per binary: file -> its cards' fields (first round)
for k in (0, 1):
    for r in range(1, rounds + 1):
        for line in open("%s/%d.%d.ndjson" % (tmp, k, r), encoding="utf-8"):
            o = json.loads(line)
            if "file" not in o:
                continue
            f = o["file"]
            if "cpu_ms" in o and o.get("card", 1) <= 1:
                best[k][f] = min(best[k].get(f, o["cpu_ms"]), o["cpu_ms"])
            if r == 1:
                o = {key: v for key, v in o.items() if key not in ("cpu_ms", "time_cost", "corners")}
                fields[k].setdefault(f, []).append(o)
files = sorted(set(best[0]) & set(best[1]))
if not files:
    sys.exit("bench-ab: no cpu_ms in the output (engine-run run with -j?)")
med = [statistics.median(best[k][f] for f in files) for k in (0, 1)]
diff = statistics.median(best[1][f] - best[0][f] for f in files)
rel = statistics.median(100.0 * (best[1][f] / best[0][f] - 1) for f in files if best[0][f] > 0)
print("| binary | photos | median CPU ms (per-photo min of %d rounds) | median per-photo B - A ms |" % rounds)
print("|---|---|---|---|")
print("| A: %s | %d | %.1f | |" % (bins[0], len(files), med[0]))
print("| B: %s | %d | %.1f | %+.1f (%+.1f%%) |" % (bins[1], len(files), med[1], diff, rel))
same = sum(fields[0].get(f) == fields[1].get(f) for f in files)
print()
print("same fields from A and B on %d of %d photos" % (same, len(files)))
PY
rc=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc --all) CPUs (other jobs inflate CPU time; the minimum over rounds damps it)"
exit $rc
