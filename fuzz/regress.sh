#!/bin/sh
# Replays fuzz/corpus/NAME and fuzz/regress/NAME through each target once,
# without mutation, for `make fuzz-regress`: regress.sh NAME...
failed=0
for name in "$@"; do
	dirs=
	for d in "fuzz/corpus/$name" "fuzz/regress/$name"; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	[ -n "$dirs" ] || continue
	log=build/fuzz/log/regress-$name.log
	mkdir -p build/fuzz/log
	if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	    "build/fuzz/fuzz_$name" -runs=0 $dirs >"$log" 2>&1; then
		echo "ok - fuzz-regress $name"
	else
		echo "not ok - fuzz-regress $name (see $log)"
		failed=1
	fi
done
exit $failed
