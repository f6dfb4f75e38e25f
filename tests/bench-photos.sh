# Sourced by the engine benches: bench_photos LEVEL makes $out/LEVEL hold $n generated photos of that level (kept between runs, seed fixed).
bench_photos() {
	local d=$out/$1
	if [ "$(ls "$d"/*.jpg 2>/dev/null | wc -l)" -ne "$n" ]; then
		rm -rf "$d"
		$py tests/mkphotos.py set "$d" --level "$1" --count "$n" --seed "$seed" >/dev/null || return 1
	fi
}
