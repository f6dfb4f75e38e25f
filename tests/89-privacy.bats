# The local engine sends nothing anywhere (issue H.13), and the man page documents every warning code and change reason the code can emit.

bats_require_minimum_version 1.5.0

load helper

setup_file() {
	emu_start
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	BACK=/work/shared/samples/card_back.jpg
	[ -f "$BACK" ] || BACK="$BATS_TEST_DIRNAME/../../shared/samples/card_back.jpg"
	MAN="$BATS_TEST_DIRNAME/../man/faiz-idcard.1"
	SRC="$BATS_TEST_DIRNAME/../src"
	# A generated photo of a front (no specimen segment: mkphotos.py strips it).
	PHOTOS="$BATS_FILE_TMPDIR/photos"
	if [ ! -f "$PHOTOS/good-0000.jpg" ]; then
		"$PYTHON" "$BATS_TEST_DIRNAME/mkphotos.py" set "$PHOTOS" --level good --count 2 --seed 41 >/dev/null
	fi
}

@test "--engine local with keys and an endpoint configured: the emulator gets nothing and no socket is opened" {
	export FAIZ_ACCESS_KEY="$EMU_ACCESS_KEY" FAIZ_SECRET_KEY="$EMU_SECRET_KEY"
	# LeakSanitizer cannot run under ptrace (the ASan build aborts at exit):
	# the traced runs leave leak detection to the untraced tests.
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	run --separate-stderr strace -f -qq -e trace=socket,connect -o "$BATS_TEST_TMPDIR/trace" \
		"$FAIZ" --engine local -f ndjson "$BACK" "$PHOTOS/good-0000.jpg" "$PHOTOS/good-0001.jpg"
	assert_success
	[[ "$(tail -n 1 <<<"$stderr")" == *", local engine (nothing sent)" ]]
	assert_equal "$(jq -s 'length' <<<"$output")" 3
	assert_equal "$(jq -r 'select(.file | endswith("card_back.jpg")) | .issue_authority' <<<"$output")" "瑞金市公安局"
	assert_equal "$(nreq)" 0
	run grep -E 'socket\(|connect\(' "$BATS_TEST_TMPDIR/trace"
	assert_failure
	# The same trace of the faiz engine does show its connection: the check can fail.
	run --separate-stderr strace -f -qq -e trace=socket,connect -o "$BATS_TEST_TMPDIR/trace2" \
		"$FAIZ" --engine faiz -f ndjson "$BACK"
	assert_equal "$(nreq)" 1
	grep -q 'connect(' "$BATS_TEST_TMPDIR/trace2"
}

@test "the local engine recognises with no network at all (a network namespace with no interfaces up)" {
	run --separate-stderr unshare -rn "$FAIZ" --engine local -f ndjson "$BACK"
	assert_success
	assert_equal "$(jq -r .validity <<<"$output")" "2017.07.19-2027.07.19"
	[[ "$(tail -n 1 <<<"$stderr")" == *", local engine (nothing sent)" ]]
	# The same namespace does stop the faiz engine: the test can fail.
	export FAIZ_ACCESS_KEY="$EMU_ACCESS_KEY" FAIZ_SECRET_KEY="$EMU_SECRET_KEY"
	run --separate-stderr unshare -rn "$FAIZ" --engine faiz --retries 0 -f ndjson "$BACK"
	assert_failure
}

@test "every warning code the sources emit is listed under Warning codes in the man page" {
	codes=$(grep -ho 'recog_result_warn([a-z_>.-]*, "[a-z_]*"\|record_warning([a-z_>.-]*, "[a-z_]*"' "$SRC"/*.c |
		sed 's/.*"\([a-z_]*\)"/\1/' | sort -u)
	[ -n "$codes" ]
	assert_equal "$(man_missing 'Warning codes' $codes)" ""
	# Both of the local engine's are there (the grep above found them).
	[[ "$codes" == *low_confidence* && "$codes" == *image_not_saved* ]]
}

@test "every reason of a local-engine change is listed under Confidence and changes" {
	reasons=$(sed -n '/^loc_reason_name(/,/^}/p' "$SRC/loc_fields.c" | grep -o 'return "[a-z_]*"' |
		sed 's/return "\(.*\)"/\1/' | grep -vx unknown)
	[ "$(wc -w <<<"$reasons")" -ge 10 ]
	assert_equal "$(man_missing 'Confidence and changes' $reasons)" ""
	# The threshold the man page gives is the one the code uses.
	thr=$(sed -n 's/^#define LOC_FIELDS_LOW_CONF \([0-9.]*\).*/\1/p' "$SRC/loc_fields.h")
	[ -n "$thr" ]
	sed -n '/^\.Ss Confidence and changes$/,/^\.Ss /p' "$MAN" | grep -q "A field below $thr is named in the warning"
}
