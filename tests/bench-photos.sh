# Sourced by the engine benches, from the checkout's top: their settings (one thread each, BENCH_CARDS,
# BENCH_SEED, FAIZ_MODELS, build/bench-engine), build/engine-run built, and bench_photos LEVEL, which makes
# $out/LEVEL hold $n generated photos of that level (kept between runs, seed fixed).
export LC_ALL=C.UTF-8 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
n=${BENCH_CARDS:-100}
seed=${BENCH_SEED:-20000}
models=${FAIZ_MODELS:-models}
out=build/bench-engine
py=/usr/bin/python3
make -s build/engine-run >&2 || exit 1
mkdir -p "$out"

bench_photos() {
	local d=$out/$1
	if [ "$(ls "$d"/*.jpg 2>/dev/null | wc -l)" -ne "$n" ]; then
		rm -rf "$d"
		$py tests/mkphotos.py set "$d" --level "$1" --count "$n" --seed "$seed" >/dev/null || return 1
	fi
}
