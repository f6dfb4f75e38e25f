#!/usr/bin/env bats
# Issue F points 14, 19, 20, 22: what reaches the terminal (control characters
# escaped, the table fitted to its width), config pitfalls with their own
# messages, --check-id input normalised, the CSV guards, bash completion of
# --option=value.
bats_require_minimum_version 1.5.0
load helper

ESC=$'\033'

# No byte that a terminal acts on: ESC, BEL, CSI (0x9b), CR.
assert_inert() { # text
	case $1 in
	*"$ESC"* | *$'\a'* | *$'\x9b'* | *$'\r'*)
		printf 'raw control character in:\n%s\n' "$1" | cat -v >&2
		return 1
		;;
	esac
}

# --- point 14: control characters in messages --------------------------------

@test "14: a file name with an escape sequence is printed escaped, not obeyed" {
	local bad=$'x\033[2Jy.jpg' title=$'t\033]0;owned\007.jpg'
	printf 'not a jpeg' >"$bad"
	run --separate-stderr env FAIZ_ACCESS_KEY=a FAIZ_SECRET_KEY=b "$FAIZ" --dry-run -f ndjson \
		"$bad" "$title"
	assert_inert "$stderr"
	[[ $stderr == *'faiz-idcard: x\x1b[2Jy.jpg: not a JPEG'* ]]
	[[ $stderr == *'faiz-idcard: t\x1b]0;owned\x07.jpg: No such file or directory'* ]]
}

@test "14: a file name with a newline or a right-to-left override stays on one line and in order" {
	local nl=$'two\nlines.jpg' rlo=$'a\u202egpj.exe'
	printf 'x' >"$nl"
	printf 'x' >"$rlo"
	run --separate-stderr env FAIZ_ACCESS_KEY=a FAIZ_SECRET_KEY=b "$FAIZ" --dry-run -f ndjson "$nl" "$rlo"
	[[ $stderr == *'faiz-idcard: two\nlines.jpg: not a JPEG'* ]]
	[[ $stderr == *'faiz-idcard: a\u202egpj.exe: not a JPEG'* ]]
	[[ $stderr != *$'\u202e'* ]]
}

@test "14: a server message with control characters is escaped on stderr, kept exact in the record" {
	emu_start
	emu_faults '["ec-msg:40099:bad\u001b[2J\u001b]0;owned\u0007 image\u009b31m"]'
	run --separate-stderr "$FAIZ" -v -f ndjson --rate 50 --retries 0 "$(cards)/front_zhangsan.jpg"
	assert_inert "$stderr"
	[[ $stderr == *'bad\x1b[2J\x1b]0;owned\x07 image\u009b31m'* ]]
	# The record keeps the server's words exactly (JSON escapes them).
	run jq -r '.error.message' <<<"$output"
	assert_output $'bad\033[2J\033]0;owned\a image\u009b31m'
}

@test "14: an option value echoed in a usage error is escaped" {
	run --separate-stderr "$FAIZ" -f $'t\033[2J' x.jpg
	assert_equal "$status" 2
	assert_inert "$stderr"
	[[ $stderr == *"unknown format 't\\x1b[2J'"* ]]
}

@test "14: -o naming a file with control characters: the error names it escaped" {
	run --separate-stderr env FAIZ_ACCESS_KEY=a FAIZ_SECRET_KEY=b "$FAIZ" --dry-run \
		-o $'nodir\033[2J/out.ndjson' "$(cards)/front_zhangsan.jpg"
	assert_inert "$stderr"
	[[ $stderr == *'nodir\x1b[2J/out.ndjson'* ]]
}

# --- point 19: config pitfalls -----------------------------------------------

# Write the config file (mode 0600) and drop the keys the emulator exported,
# so that the file is what is used.
write_config() {
	mkdir -p "$XDG_CONFIG_HOME/faiz"
	cat >"$XDG_CONFIG_HOME/faiz/config"
	chmod 600 "$XDG_CONFIG_HOME/faiz/config"
	unset FAIZ_ACCESS_KEY FAIZ_SECRET_KEY FAIZ_ENDPOINT
}

@test "19: inline # and ; comments after values and sections are comments, not part of the key" {
	emu_start
	write_config <<-EOF
		[default]   # the test account
		access_key = $EMU_ACCESS_KEY   # from the console
		secret_key = $EMU_SECRET_KEY ; rotated in May
		endpoint = $EMU_URL  # the emulator
	EOF
	run --separate-stderr "$FAIZ" -f ndjson --rate 50 "$(cards)/front_zhangsan.jpg"
	assert_success
	assert_equal "$stderr" "faiz-idcard: 1 recognised, 0 failed, 0 skipped, 0 not sent, 0 refused, 10 points charged, ${stderr##*charged, }"
	[ "$(nreq)" -eq 1 ]
}

@test "19: single-quoted values are taken without their quotes" {
	emu_start
	write_config <<-EOF
		[default]
		access_key = '$EMU_ACCESS_KEY'
		secret_key='$EMU_SECRET_KEY'
		endpoint = '$EMU_URL'
	EOF
	run --separate-stderr "$FAIZ" -f ndjson --rate 50 "$(cards)/front_zhangsan.jpg"
	assert_success
	run jq -r '.error' <<<"$output"
	assert_output null
}

@test "19: an endpoint that already ends in the interface path works, with a warning that names its source" {
	emu_start
	write_config <<-EOF
		[default]
		access_key = $EMU_ACCESS_KEY
		secret_key = $EMU_SECRET_KEY
		endpoint = $EMU_URL/api/ai/ocr/idcard/
	EOF
	run --separate-stderr "$FAIZ" -f ndjson --rate 50 "$(cards)/front_zhangsan.jpg"
	assert_success
	[[ $stderr == *"config:4: the endpoint ends in /api/ai/ocr/idcard, which faiz-idcard adds to every request itself: give only the scheme and host"* ]]
	run jq -r '.[0].path' < <(emu_requests)
	assert_output /api/ai/ocr/idcard
	# The same from --endpoint.
	run --separate-stderr "$FAIZ" -f ndjson --rate 50 --endpoint "$EMU_URL/api/ai/ocr/idcard" \
		"$(cards)/front_zhangsan.jpg"
	assert_success
	[[ $stderr == *"faiz-idcard: --endpoint: the endpoint ends in /api/ai/ocr/idcard"* ]]
}

@test "19: a second [default] is named with the line of the first" {
	emu_start
	write_config <<-EOF
		[default]
		access_key = $EMU_ACCESS_KEY
		secret_key = $EMU_SECRET_KEY
		endpoint = $EMU_URL

		[default]
		secret_key = wrong
	EOF
	run --separate-stderr "$FAIZ" -f ndjson --rate 50 --retries 0 "$(cards)/front_zhangsan.jpg"
	[[ $stderr == *"config:6: [default] appears a second time (first at line 1): its keys replace those given there"* ]]
}

@test "19: a line ending in a single = (a pasted base64 secret) is never echoed" {
	emu_start
	write_config <<-EOF
		[default]
		access_key = $EMU_ACCESS_KEY
		c2VjcmV0IGtleQ=
		secret_key = $EMU_SECRET_KEY
		endpoint = $EMU_URL
	EOF
	run --separate-stderr "$FAIZ" -f ndjson --rate 50 "$(cards)/front_zhangsan.jpg"
	assert_success
	[[ $stderr != *c2VjcmV0IGtleQ* ]]
	[[ $stderr == *"config:3: unknown key with an empty value, ignored (not shown: the line may hold a secret)"* ]]
}

# --- point 20: --check-id input, CSV guards, --no-tab ------------------------

@test "20: --check-id takes a UTF-8 BOM on stdin, full-width digits and X, ideographic spaces" {
	run --separate-stderr "$FAIZ" --check-id -f ndjson - < <(printf '\xef\xbb\xbf440105199208220038\r\n\xe3\x80\x80\xef\xbc\x91\xef\xbc\x91\xef\xbc\x90\xef\xbc\x91\xef\xbc\x90\xef\xbc\x95\xef\xbc\x91\xef\xbc\x99\xef\xbc\x94\xef\xbc\x99\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x91\xef\xbc\x90\xef\xbc\x90\xef\xbc\x92\xef\xbc\xb8\xe3\x80\x80\n')
	assert_success
	run jq -c '[.input, .id_number, .valid]' <<<"$output"
	assert_output - <<-'EOF'
		["440105199208220038","440105199208220038",true]
		["　１１０１０５１９４９１２３１００２Ｘ　","11010519491231002X",true]
	EOF
}

@test "20: --check-id messages count characters, not bytes" {
	run --separate-stderr "$FAIZ" --check-id -f ndjson 张三 "$(printf '\xef\xbc\x94%.0s' $(seq 17))"
	assert_equal "$status" 1
	run jq -r '.error.message' <<<"$output"
	assert_output - <<-'EOF'
		17 digits and a check character expected (or 15 digits), not 2 characters
		17 digits and a check character expected (or 15 digits), not 17 characters
	EOF
}

@test "20: CSV: the file column of --check-id gets the tab guard too; --no-tab leaves both bare" {
	run --separate-stderr "$FAIZ" --check-id -f csv 440105199208220038
	assert_success
	assert_equal "$(sed -n 2p <<<"$output")" $'\t440105199208220038,,,,男,,1992-08-22,,\t440105199208220038,,,,,,,,,,,,,,,,,,,,\r'
	run --separate-stderr "$FAIZ" --check-id -f csv --no-tab 440105199208220038 '=1+1'
	assert_equal "$status" 1
	assert_equal "$(sed -n 2p <<<"$output")" $'440105199208220038,,,,男,,1992-08-22,,440105199208220038,,,,,,,,,,,,,,,,,,,,\r'
	# A formula is still defused with --no-tab.
	[[ $(sed -n 3p <<<"$output") == "'=1+1,"* ]]
}

@test "20: --no-tab goes with -f csv only, and works on image records" {
	run --separate-stderr "$FAIZ" --check-id -f ndjson --no-tab 440105199208220038
	assert_equal "$status" 2
	assert_equal "${stderr%%$'\n'*}" "faiz-idcard: --no-tab goes with -f csv"
	emu_start
	run --separate-stderr "$FAIZ" -f csv --no-tab --rate 50 "$(cards)/front_zhangsan.jpg"
	assert_success
	run /usr/bin/python3 -c 'import csv,sys; r=list(csv.DictReader(sys.stdin)); print(r[0]["id_number"])' <<<"$output"
	assert_output 440105199208220038
}

# --- point 22: the table fits the terminal; bash completion of --opt= ---------

# The widest line of the text on stdin, in terminal columns (GNU wc -L counts
# a CJK character as two in a UTF-8 locale).
widest() { LC_ALL=C.UTF-8 wc -L; }

# Four cards whose table rows are about 150 columns wide, with long names.
long_cards() {
	local c
	c="$(cards)"
	mkdir -p "photos/a rather long directory name for scans"
	cp "$c/front_zhangsan.jpg" "$c/back_zhangsan.jpg" "$c/front_lisi.jpg" \
		"$c/temporary_wangwu.jpg" "photos/a rather long directory name for scans/"
	printf '%s\n' "photos/a rather long directory name for scans/"*.jpg
}

@test "22: -f table through a pipe fits \$COLUMNS: shortened with …, whole characters only" {
	emu_start
	mapfile -t files < <(long_cards)
	run --separate-stderr "$FAIZ" -f table --rate 50 "${files[@]}"
	assert_success
	[ "$(widest <<<"$output")" -gt 120 ]
	local cols
	for cols in 80 100 120; do
		run --separate-stderr env COLUMNS=$cols "$FAIZ" -f table --rate 50 "${files[@]}"
		assert_success
		[ "$(wc -l <<<"$output")" -eq 5 ]
		[ "$(widest <<<"$output")" -le "$cols" ]
		[[ $output == *…* ]]
		# Valid UTF-8 throughout: no character was cut in two.
		iconv -f UTF-8 -t UTF-8 <<<"$output" >/dev/null
	done
	# The file column keeps the end of the path: the file name.
	run --separate-stderr env COLUMNS=100 "$FAIZ" -f table --rate 50 "${files[@]}"
	[[ $(sed -n 2p <<<"$output") == …* ]]
}

@test "22: on a terminal the width comes from TIOCGWINSZ, before \$COLUMNS" {
	emu_start
	mapfile -t files < <(long_cards)
	local cmd="stty cols 90 rows 40; COLUMNS=300 '$FAIZ' -q --rate 50"
	local f
	for f in "${files[@]}"; do cmd+=" '$f'"; done
	run script -qec "$cmd" /dev/null </dev/null
	assert_success
	local table
	table="$(tr -d '\r' <<<"$output")"
	[ "$(grep -c . <<<"$table")" -eq 5 ]
	[ "$(widest <<<"$table")" -le 90 ]
	[ "$(widest <<<"$table")" -ge 80 ]
}

@test "22: a table written to a file keeps every character, whatever \$COLUMNS says" {
	emu_start
	mapfile -t files < <(long_cards)
	COLUMNS=60 "$FAIZ" -f table -q --rate 50 "${files[@]}" >table.txt
	[ "$(widest <table.txt)" -gt 120 ]
	run grep -c … table.txt
	assert_output 0
}

@test "22: the --check-id table shows number, valid, sex, birthday and region" {
	run --separate-stderr "$FAIZ" --check-id -f table 440105199208220038 110101194912310027 12
	assert_equal "$status" 1
	assert_output - <<-'EOF'
		NUMBER              VALID  SEX  BIRTHDAY    REGION              STATUS
		440105199208220038  yes    男   1992-08-22  广东省广州市海珠区  ok
		110101194912310027  no     女   1949-12-31  北京市东城区        error invalid_id: the check character does not match the first 17 digits
		12                  no     -    -           -                   error invalid_id: 17 digits and a check character expected (or 15 digits), not 2 characters
	EOF
	# Fitted like the other table.
	run --separate-stderr env COLUMNS=60 "$FAIZ" --check-id -f table 440105199208220038 110101194912310027
	[ "$(widest <<<"$output")" -le 60 ]
	assert_equal "$(sed -n 2p <<<"$output")" "440105199208220038  yes    男   1992-08-22  广东省…  ok"
	# A valid number with a warning: "ok (warnings: CODES)", as documented.
	run --separate-stderr "$FAIZ" --check-id -f table 990000199208220038
	assert_success
	assert_equal "${lines[1]}" "990000199208220038  yes    男   1992-08-22  990000  ok (warnings: region_unknown)"
}

# What bash itself (no bash-completion package) hands the function for
# "faiz-idcard --format=<Tab>": the words faiz-idcard, --format and "=",
# the "=" being the word completed (seen by driving an interactive bash).
plain_bash_complete() {
	bash --norc --noprofile -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="${*:1:$#-1}="; COMP_POINT=${#COMP_LINE}
		_faiz_idcard
		printf "%s\n" "${COMPREPLY[@]}"' _ "$BATS_TEST_DIRNAME/../completions/faiz-idcard.bash" "$@"
}

@test "22: plain bash completes --format=<Tab> and --profile=<Tab>" {
	run plain_bash_complete faiz-idcard --format =
	assert_success
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' csv json ndjson table xlsx)"
	printf '[default]\n[work]\n' >conf
	run env FAIZ_CONFIG="$PWD/conf" bash --norc --noprofile -c '
		source "$1"; COMP_WORDS=(faiz-idcard --profile =); COMP_CWORD=2
		_faiz_idcard; printf "%s\n" "${COMPREPLY[@]}"' _ "$BATS_TEST_DIRNAME/../completions/faiz-idcard.bash"
	assert_success
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' default work)"
}
