# The BLAS kernels: on a processor OpenBLAS does not know, the program starts again with the kernels its instruction set allows; a core type the user sets is kept.

bats_require_minimum_version 1.5.0

load helper

setup() {
	common_setup
	unset OPENBLAS_CORETYPE
	BACK="$BATS_TEST_DIRNAME/fixtures/card_back.jpg"
}

# The cores OpenBLAS reported while loading, one per line (OPENBLAS_VERBOSE=2
# prints "Core: NAME" each time the library starts in a process).
cores() { grep -o 'Core: [A-Za-z0-9]*' <<<"$stderr" | cut -d' ' -f2; }

@test "blas: the kernels in use match the processor's widest instruction set" {
	OPENBLAS_VERBOSE=2 run --separate-stderr "$FAIZ" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "faiz-idcard "* ]]
	last=$(cores | tail -n 1)
	[ -n "$last" ]
	flags=$(grep -m1 '^flags' /proc/cpuinfo)
	if [[ " $flags " == *" avx2 "* && " $flags " == *" fma "* ]]; then
		# Prescott's SSE3 kernels are the fallback for an unknown model.
		[ "$last" != Prescott ]
	fi
	# Started at most twice: the re-exec happens once, never in a loop.
	[ "$(cores | wc -l)" -le 2 ]
}

@test "blas: a core type the user sets is kept, and the answer is the same" {
	OPENBLAS_CORETYPE=Prescott OPENBLAS_VERBOSE=2 run --separate-stderr "$FAIZ" --engine local -f ndjson "$BACK"
	[ "$status" -eq 0 ]
	[ "$(cores)" = Prescott ]
	slow=$(jq -cS 'del(.time_cost)' <<<"$output")
	run --separate-stderr "$FAIZ" --engine local -f ndjson "$BACK"
	[ "$status" -eq 0 ]
	[ "$(jq -cS 'del(.time_cost)' <<<"$output")" = "$slow" ]
	[ "$(jq -r .issue_authority <<<"$output")" = 瑞金市公安局 ]
}

@test "blas: the restart keeps the arguments and standard input" {
	# A list of paths on stdin, read after the restart.
	run --separate-stderr "$FAIZ" --engine local -f ndjson - <<<"$BACK"
	[ "$status" -eq 0 ]
	[ "$(jq -r .issue_authority <<<"$output")" = 瑞金市公安局 ]
	[ "$(jq -r .file <<<"$output")" = "$BACK" ]
}
