#!/bin/sh
# Runs one libFuzzer target for `make fuzz`: run.sh NAME SECONDS MAX_LEN.
# Prints one line (runs, coverage, features, corpus, crashes) and exits 1
# when the fuzzer found a crash, a leak or a timeout.
name=$1 secs=$2 maxlen=$3
bin=build/fuzz/fuzz_$name
scratch=build/fuzz/corpus/$name
crashes=build/fuzz/crashes/$name
log=build/fuzz/log/$name.log
mkdir -p "$scratch" "$crashes" "$(dirname "$log")"
rm -f "$crashes"/*
seeds=
[ -d "fuzz/corpus/$name" ] && seeds=fuzz/corpus/$name
# The scratch directory comes first: libFuzzer writes new inputs there only.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
"$bin" -max_total_time="$secs" -max_len="$maxlen" -timeout=10 \
	-print_final_stats=1 -artifact_prefix="$crashes/" \
	"$scratch" $seeds >"$log" 2>&1
status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
found=$(find "$crashes" -type f | wc -l | tr -d ' ')
printf 'fuzz %s: %s runs in %ss, cov %s, ft %s, corpus %s, crashes %s\n' \
	"$name" "${runs:-?}" "$secs" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$found"
if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
	for f in "$crashes"/*; do
		[ -f "$f" ] && echo "fuzz $name: reproducer $f"
	done
	grep -m 1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" |
		sed "s/^/fuzz $name: /"
	echo "fuzz $name: exit status $status, see $log"
	exit 1
fi
