#!/bin/bash
# Accuracy and speed of the local engine on generated photos (make bench-engine-accuracy; never part of make check).
#
# Generates BENCH_CARDS (100) photos per level (clean, good, hard) with
# tests/mkphotos.py into build/bench-engine/LEVEL (kept between runs, seeds
# fixed), reads each level with build/engine-run in one thread (CPU time per
# image, decoding included), scores them against the truth
# (tests/bench-score.py), then reads the good photos again with the
# engine's pool at -j 2 for images per second and peak RSS, and the peak RSS
# of -j 2 runs over 10 and over all the photos (flat in the batch size). Prints
# markdown tables. Knobs: BENCH_CARDS=100, BENCH_SEED=20000, FAIZ_MODELS=models.
set -u
cd "$(dirname "$0")/.." || exit 2
. tests/bench-photos.sh
echo "bench-engine-accuracy: load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc --all) CPUs" >&2
rows=
for level in clean good hard; do
	d=$out/$level
	bench_photos $level || exit 1
	build/engine-run -m "$models" "$d"/*.jpg >"$out/$level.ndjson" || exit 1
	rows+=$($py tests/bench-score.py $level "$out/$level.ndjson" 2>"$out/$level.misses")$'\n'
done
echo
echo "| level | cards | name | sex | people | birthday | address | id_number | issue_authority | validity | id_number exact | side right | all fields of the card | id wrong, no warning |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s' "$rows"
echo
echo "per-field exact %; a card the engine missed counts wrong in every field; misses in $out/LEVEL.misses"
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
cpu() { $py -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if "cpu_ms" in o and o.get("card", 1) <= 1: print(o["cpu_ms"] / 1000)' "$1" | median; }
j2=$(build/engine-run -m "$models" -j 2 "$out"/good/*.jpg | tail -n 1)
echo
echo "| measure | value | target |"
echo "|---|---|---|"
for level in clean good hard; do
	echo "| median single-thread CPU s/image, $level | $(cpu "$out/$level.ndjson") | <= 0.5 (good) |"
done
echo "| images/s at -j 2, good | $(printf '%s' "$j2" | $py -c 'import json,sys; print(json.load(sys.stdin)["images_per_s"])') | |"
rss() { $py -c 'import json,sys; print(json.load(sys.stdin)["peak_rss_mb"])'; }
# Flat in the batch size: the same -j 2 run over 10 photos and over all three levels.
small=$(ls "$out"/good/*.jpg | head -n 10)
j2s=$(build/engine-run -m "$models" -j 2 $small | tail -n 1)
j2l=$(build/engine-run -m "$models" -j 2 "$out"/clean/*.jpg "$out"/good/*.jpg "$out"/hard/*.jpg | tail -n 1)
echo "| peak RSS MB at -j 2, 10 good photos | $(printf '%s' "$j2s" | rss) | <= 400 |"
echo "| peak RSS MB at -j 2, good ($n images) | $(printf '%s' "$j2" | rss) | <= 400 |"
echo "| peak RSS MB at -j 2, all levels ($((3 * n)) images) | $(printf '%s' "$j2l" | rss) | <= 400, flat |"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs on the machine inflate wall time, not CPU time)"
