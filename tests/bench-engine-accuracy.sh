#!/bin/bash
# Accuracy and speed of the local engine on generated photos (make bench-engine-accuracy; never part of make check).
#
# Generates BENCH_CARDS (100) photos per level (clean, good, hard) with
# tests/mkphotos.py into build/bench-engine/LEVEL (kept between runs, seeds
# fixed), reads each level with build/engine-run in one thread (CPU time per
# image, decoding included), scores them against the truth
# (tests/bench-score.py), reads every level again in one thread until each
# has had BENCH_ROUNDS runs (the CPU figure is the median over the photos of
# each photo's least CPU time over the rounds), then reads the good photos
# again with the engine's pool at -j 2 for images per second and peak RSS,
# and the peak RSS of -j 2 runs over 10 and over all the photos (flat in the
# batch size). Prints markdown tables. Knobs: BENCH_CARDS=100,
# BENCH_SEED=20000, BENCH_ROUNDS=2, FAIZ_MODELS=models.
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
# More one-thread rounds for the CPU time only, all levels in each round:
# other jobs on the machine only ever add CPU time (cache misses, clock
# frequency), so each photo keeps its least disturbed run.
rounds=${BENCH_ROUNDS:-2}
rm -f "$out"/*.cpu[0-9]*.ndjson
for ((round = 2; round <= rounds; round++)); do
	for level in clean good hard; do
		build/engine-run -m "$models" "$out/$level"/*.jpg >"$out/$level.cpu$round.ndjson" || exit 1
	done
done
echo
echo "| level | cards | name | sex | people | birthday | address | id_number | issue_authority | validity | id_number exact | side right | all fields of the card | id wrong, no warning |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s' "$rows"
echo
echo "per-field exact %; a card the engine missed counts wrong in every field; misses in $out/LEVEL.misses"
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
# cpu LEVEL: the median over the level's photos of each one's least CPU s over the rounds.
cpu() { $py -c 'import glob,json,sys
best = {}
for p in [sys.argv[1] + ".ndjson"] + glob.glob(sys.argv[1] + ".cpu[0-9]*.ndjson"):
    for l in open(p):
        o = json.loads(l)
        if "cpu_ms" in o and o.get("card", 1) <= 1:
            best[o["file"]] = min(best.get(o["file"], o["cpu_ms"]), o["cpu_ms"])
for v in best.values(): print(v / 1000)' "$out/$1" | median; }
j2=$(build/engine-run -m "$models" -j 2 "$out"/good/*.jpg | tail -n 1)
echo
echo "| measure | value | target |"
echo "|---|---|---|"
for level in clean good hard; do
	echo "| median single-thread CPU s/image, $level | $(cpu $level) | <= 0.5 (good) |"
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
echo "CPU s/image: median over the photos of each one's least over $rounds one-thread rounds (BENCH_ROUNDS)"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs on the machine inflate wall time, and CPU time a little)"
