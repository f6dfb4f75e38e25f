#!/bin/bash
# The local engine side by side with PaddleOCR's own pipeline on ONNX Runtime, on the same generated photos (make bench-engine-peer; never part of make check).
#
# The peer is tools/ort-pipeline.mjs (det on the whole photo at long side
# 960, rec on every box, fields by label words, as a user's script reads
# them), with onnxruntime-node, sharp, OpenCV for JavaScript and Clipper
# installed into build/ort by tools/ort-pipeline.sh. Both read
# BENCH_CARDS (100) photos per level (clean, good, hard; tests/mkphotos.py,
# seeds fixed, kept in build/bench-engine) in one thread for the fields
# (tests/bench-score.py) and the CPU time per photo (decoding included),
# then the good photos with 2 workers for images per second and peak RSS.
# Prints one markdown table of per-level per-field exact rates and one of
# the speed figures. Knobs: BENCH_CARDS=100, BENCH_SEED=20000,
# BENCH_ROUNDS=2 (2-worker runs per side), FAIZ_MODELS=models.
set -u
cd "$(dirname "$0")/.." || exit 2
. tests/bench-photos.sh
export UV_THREADPOOL_SIZE=1
sh tools/ort-pipeline.sh build/ort || exit 1
echo "bench-engine-peer: load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc --all) CPUs" >&2
for level in clean good hard; do
	bench_photos $level || exit 1
	build/engine-run -m "$models" "$out/$level"/*.jpg >"$out/$level.ndjson" || exit 1
	node tools/ort-pipeline.mjs build/ort "$models" "$out/$level"/*.jpg >"$out/$level.ort.ndjson" || exit 1
done
# The 2-worker runs take turns, BENCH_ROUNDS times, and each side keeps
# its fastest: on a machine shared with other jobs this compares the least
# disturbed runs of each rather than whichever ran in a quiet moment.
: >"$out/j2.all" && : >"$out/j2.ort.all"
for ((round = 1; round <= ${BENCH_ROUNDS:-2}; round++)); do
	build/engine-run -m "$models" -j 2 "$out"/good/*.jpg | tail -n 1 >>"$out/j2.all" || exit 1
	node tools/ort-pipeline.mjs build/ort "$models" -j 2 "$out"/good/*.jpg | tail -n 1 >>"$out/j2.ort.all" || exit 1
done
for ext in "" .ort; do
	$py -c 'import json, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
print(json.dumps(max(runs, key=lambda r: r["images_per_s"])))' "$out/j2$ext.all" >"$out/j2$ext.json" || exit 1
done
$py - "$out" <<'PY'
import json, statistics, subprocess, sys

out = sys.argv[1]
fields = ["name", "sex", "people", "birthday", "address", "id_number",
          "issue_authority", "validity"]
engines = [("ours", ""), ("ORT pipeline", ".ort")]
print("| level | engine | " + " | ".join(fields) + " | side right | all fields of the card |")
print("|---|---|" + "---|" * (len(fields) + 2))
for level in ["clean", "good", "hard"]:
    for name, ext in engines:
        r = json.loads(subprocess.run(
            [sys.executable, "tests/bench-score.py", level,
             "%s/%s%s.ndjson" % (out, level, ext), "--json"],
            capture_output=True, check=True, text=True).stdout)
        cell = lambda v: "-" if v is None else "%.1f" % v
        print("| %s | %s | %s | %.1f | %.1f |" % (level, name, " | ".join(
            cell(r["fields"][f]) for f in fields), r["side"], r["all_fields"]))


def cpu(path):
    v = [o["cpu_ms"] / 1000 for o in map(json.loads, open(path))
         if "cpu_ms" in o and o.get("card", 1) <= 1]
    return "%.3f" % statistics.median(v)


print()
print("| measure | ours | ORT pipeline |")
print("|---|---|---|")
for level in ["clean", "good", "hard"]:
    print("| median single-thread CPU s/image, %s | %s | %s |" % (
        level, cpu("%s/%s.ndjson" % (out, level)),
        cpu("%s/%s.ort.ndjson" % (out, level))))
j = [json.load(open("%s/j2%s.json" % (out, ext))) for _, ext in engines]
print("| images/s with 2 workers, good | %.3f | %.3f |" % (
    j[0]["images_per_s"], j[1]["images_per_s"]))
print("| peak RSS MB with 2 workers, good (%d images) | %.1f | %.1f |" % (
    j[0]["images"], j[0]["peak_rss_mb"], j[1]["peak_rss_mb"]))
PY
echo
echo "per-field exact % per level; a card an engine missed counts wrong in every field; tests/bench-score.py"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) (other jobs on the machine inflate wall time, not CPU time)"
