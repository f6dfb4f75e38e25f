#!/bin/bash
# Benchmark of the neural-network runtime against ONNX Runtime, one thread each (make bench-engine; never part of make check).
#
# For det at 1x3x736x960 (long side 960) and rec at 1x3x48x320: the median
# single-threaded CPU time per pass over BENCH_ITER passes after warm-up,
# for onnxruntime-node 1.30 (installed into build/ort by
# tools/ort-install.sh, only for this bench) and for ours (build/nn-bench,
# whose CLI is documented at the top of tools/nn-bench.c), with the peak
# RSS of a process that has both models loaded and has run them. Prints a
# markdown table, the BLAS library the runtime is linked with and the
# thread settings. Knobs: BENCH_ITER=20, BENCH_ROUNDS=2, FAIZ_MODELS=models.
set -u
cpus=$(nproc --all)
cd "$(dirname "$0")/.." || exit 2
export LC_ALL=C.UTF-8
iter=${BENCH_ITER:-20}
models=${FAIZ_MODELS:-models}
det=$models/ch_PP-OCRv4_det_infer.onnx
rec=$models/ch_PP-OCRv4_rec_infer.onnx
target=1.25
rss_target=200
# One thread everywhere: OpenBLAS and any OpenMP runtime are held to the
# calling thread, whatever build of them is installed.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 GOTO_NUM_THREADS=1

sh tools/models.sh verify "$models" >/dev/null || { echo "bench-engine: $models: run make models" >&2; exit 1; }
sh tools/ort-install.sh build/ort || exit 1

echo "bench-engine: load average before: $(cut -d' ' -f1-3 /proc/loadavg), $cpus CPUs" >&2
have_ours=0
if make -s build/nn-bench >&2; then
	have_ours=1
else
	echo "bench-engine: build/nn-bench does not build; ours left out" >&2
fi
# The two sides take turns, BENCH_ROUNDS times, and each keeps its best
# median: on a machine shared with other jobs this compares the least
# disturbed runs of each rather than whichever ran in a quiet moment.
ort_out= ours_out=
for ((round = 1; round <= ${BENCH_ROUNDS:-2}; round++)); do
	o=$(node tools/ort-bench.mjs build/ort "$det" 3 736 960 "$iter" "$rec" 3 48 320 "$iter") || exit 1
	ort_out+=$o$'\n'
	if [ $have_ours = 1 ]; then
		o=$(build/nn-bench "$det" 3 736 960 "$iter" "$rec" 3 48 320 "$iter") ||
			{ echo "bench-engine: build/nn-bench failed" >&2; have_ours=0; o=; }
		ours_out+=$o$'\n'
	fi
done

# field OUTPUT PREFIX MODEL KEY: the value after KEY on PREFIX's lines for
# MODEL ("" for any), the smallest over the rounds (numbers) or the last.
field() {
	printf '%s\n' "$1" | awk -v p="$2" -v m="$3" -v k="$4" '
	    $1 == p && (m == "" || $2 == m) {
		for (i = 1; i < NF; i++)
			if ($i == k) {
				v = $(i + 1)
				if (best == "" || (v ~ /^[0-9.]+$/ && v + 0 < best + 0))
					best = v
			}
	    }
	    END { if (best != "") print best }'
}
ratio() { # OURS ORT
	[ -n "$1" ] && [ -n "$2" ] || { echo "-"; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
verdict() { # VALUE LIMIT
	[ -n "$1" ] && [ "$1" != - ] || { echo "not measured"; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b ? "met" : "missed") }'
}

echo
echo "| model | input | ORT 1.30 ms | ours ms | ours/ORT | target <= $target |"
echo "|---|---|---|---|---|---|"
for m in det rec; do
	if [ $m = det ]; then f=$det dims=1x3x736x960; else f=$rec dims=1x3x48x320; fi
	o=$(field "$ort_out" ort "$f" median_ms)
	u=$(field "$ours_out" nn-bench "$f" median_ms)
	r=$(ratio "$u" "$o")
	echo "| $m | $dims | ${o:--} | ${u:--} | $r | $(verdict "$r" $target) |"
done
ort_rss=$(field "$ort_out" ort "" peak_rss_mb)
ours_rss=$(field "$ours_out" nn-bench "" peak_rss_mb)
echo
echo "| peak RSS, both models loaded, one pass of each | ORT 1.30 (in node) MB | ours MB | target <= $rss_target MB |"
echo "|---|---|---|---|"
echo "| | ${ort_rss:--} | ${ours_rss:--} | $(verdict "${ours_rss:--}" $rss_target) |"
echo
echo "best of ${BENCH_ROUNDS:-2} alternating rounds of: the median of $iter passes after warm-up; CPU time (user + system) of the whole process per pass; RSS the smallest peak over the rounds"
echo "ORT: onnxruntime-node $(field "$ort_out" ort "" version), CPU provider, intraOpNumThreads 1, interOpNumThreads 1, sequential, graph optimisation all"
if [ -x build/nn-bench ]; then
	blas=$(ldd build/nn-bench | awk '/blas|lapack|dnnl/ { print $1 " -> " $3 }' | head -3)
	for l in $(ldd build/nn-bench | awk '/blas/ { print $3 }'); do
		blas="$blas (resolves to $(readlink -f "$l"))"
	done
	core=$(printf '%s\n' "$ours_out" | awk '/blas_core/ { print $3; exit }')
	echo "ours: build/nn-bench, BLAS ${blas:-none linked}, kernels ${core:-unknown}; OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1"
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg) on $cpus CPUs (other jobs inflate both sides' CPU time)"
