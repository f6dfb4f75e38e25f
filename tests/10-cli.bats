# Command-line behaviour: --help, --version, usage errors and their exit status.
bats_require_minimum_version 1.5.0
load helper

synopsis_first_line='usage: faiz-idcard [-0qrvV] [-f format] [-j jobs] [-o file] [--raw]'

@test "--help goes to stdout and exits 0" {
	run --separate-stderr "$FAIZ" --help
	assert_success
	[ -z "$stderr" ]
	assert_line --index 0 "$synopsis_first_line"
	assert_output --partial 'Recognise Chinese resident ID cards'
	assert_output --partial '--save-images DIR'
}

@test "-h is --help" {
	run --separate-stderr "$FAIZ" -h
	assert_success
	assert_line --index 0 "$synopsis_first_line"
}

@test "--version prints the name and version and exits 0" {
	run --separate-stderr "$FAIZ" --version
	assert_success
	version=$(sed -n 's/^#define FAIZ_VERSION "\(.*\)"/\1/p' "$BATS_TEST_DIRNAME/../src/version.h")
	assert_output "faiz-idcard $version"
	run --separate-stderr "$FAIZ" -V
	assert_output "faiz-idcard $version"
}

# usage_error ARGS...: exit 2, the reason then the synopsis on stderr, nothing on stdout.
usage_error() {
	run --separate-stderr "$FAIZ" "$@"
	[ "$status" -eq 2 ] || { echo "status $status for $*"; return 1; }
	[ -z "$output" ] || { echo "stdout not empty for $*"; return 1; }
	[ "$(printf '%s\n' "$stderr" | sed -n 2p)" = "$synopsis_first_line" ] ||
		{ echo "no synopsis for $*: $stderr"; return 1; }
}

@test "no input files is a usage error" {
	usage_error
	assert_equal "$(printf '%s\n' "$stderr" | head -1)" "faiz-idcard: no input files"
}

@test "an unknown option is a usage error naming it" {
	usage_error --frobnicate a.jpg
	[[ "$stderr" == "faiz-idcard: unknown option '--frobnicate'"* ]]
	usage_error -x a.jpg
	[[ "$stderr" == "faiz-idcard: unknown option '-x'"* ]]
}

@test "the secret key cannot be given on the command line" {
	usage_error --secret-key abc a.jpg
	usage_error --secret abc a.jpg
}

@test "an option without its argument is a usage error" {
	usage_error a.jpg --timeout
	[[ "$stderr" == "faiz-idcard: option '--timeout' needs an argument"* ]]
	usage_error a.jpg -f
	[[ "$stderr" == "faiz-idcard: option '-f' needs an argument"* ]]
}

@test "an unknown format is refused" {
	usage_error -f xml a.jpg
	[[ "$stderr" == "faiz-idcard: unknown format 'xml' (use table, json, ndjson, csv or xlsx)"* ]]
}

@test "numbers are parsed strictly" {
	for bad in 0 -1 abc 1x '' 1e9 nan inf; do
		usage_error --timeout "$bad" a.jpg
		[[ "$stderr" == "faiz-idcard: --timeout: '$bad' is not a number of seconds"* ]]
	done
	for bad in -1 1.5 abc 101 ''; do
		usage_error --retries "$bad" a.jpg
		[[ "$stderr" == "faiz-idcard: --retries: '$bad' is not a whole number from 0 to 100"* ]]
	done
	for bad in 0 -2 2000 x; do
		usage_error --rate "$bad" a.jpg
	done
	usage_error --connect-timeout 0 a.jpg
}

@test "conflicting options are refused after parsing" {
	usage_error -v -q a.jpg
	[[ "$stderr" == "faiz-idcard: -v and -q cannot be used together"* ]]
	usage_error --images portrait a.jpg
	[[ "$stderr" == "faiz-idcard: --images needs --save-images DIR"* ]]
	usage_error --raw -f csv a.jpg
	usage_error --raw -f table a.jpg
	usage_error --save-images d --images portrait,bogus a.jpg
	usage_error --save-images d --images '' a.jpg
	usage_error --profile '' a.jpg
}

@test "options may follow the operands" {
	emu_start
	run --separate-stderr "$FAIZ" "$(cards)/front_zhangsan.jpg" -f json --rate 50
	assert_success
	[ "$(printf '%s' "$output" | jq -r '.[0].name')" = 张三 ]
}

@test "-- ends the options so a file may start with a dash" {
	emu_start
	cp "$(cards)/front_zhangsan.jpg" ./-card.jpg
	run --separate-stderr "$FAIZ" --rate 50 -- -card.jpg
	assert_success
	[ "$(printf '%s' "$output" | jq -r .file)" = -card.jpg ]
}

@test "-q hides the summary but not errors" {
	emu_start
	: >empty.jpg
	run --separate-stderr "$FAIZ" -q --rate 50 empty.jpg "$(cards)/front_zhangsan.jpg"
	[ "$status" -eq 1 ]
	assert_equal "$stderr" "faiz-idcard: empty.jpg: empty file"
	run --separate-stderr "$FAIZ" --rate 50 "$(cards)/front_zhangsan.jpg"
	assert_success
	[[ "$stderr" == *"faiz-idcard: 1 recognised, 0 failed, 0 skipped, 0 not sent, 0 refused, 10 points charged, "* ]]
}
