# Issue C through the binary: --check-id offline, checks of recognised cards, --pair person records, --mask, --strict.
bats_require_minimum_version 1.5.0
load helper

# Specimen cards with chosen fields, made once for the file.
setup_file() {
	local d="$BATS_FILE_TMPDIR/c" m="$MKCARDS"
	mkdir -p "$d"
	# A consistent front: 440105199208220038 is 1992-08-22, male (17th digit 3).
	"$PYTHON" "$m" front -o "$d/ok_front.jpg"
	"$PYTHON" "$m" front -o "$d/bday.jpg" --birthday 1992年8月23日
	"$PYTHON" "$m" front -o "$d/sex.jpg" --sex 女
	"$PYTHON" "$m" front -o "$d/badid.jpg" --id-number 440105199208220039
	"$PYTHON" "$m" front -o "$d/ouyang.jpg" --name 欧阳娜娜
	"$PYTHON" "$m" temporary -o "$d/temp.jpg" --name 王五 --birthday 2001年1月9日 \
		--id-number 32010220010109005X --address 江苏省南京市玄武区样本路88号
	"$PYTHON" "$m" back -o "$d/b10.jpg" --validity 2015.03.01-2025.03.01
	"$PYTHON" "$m" back -o "$d/b7.jpg" --validity 2015.03.01-2022.03.01
	"$PYTHON" "$m" back -o "$d/blong.jpg" --validity 2015.03.01-长期
	# A person born 2000-01-01 (440105200001010039), cards issued 2018 (age 18).
	"$PYTHON" "$m" front -o "$d/p_front.jpg" --birthday 2000年1月1日 --id-number 440105200001010039
	"$PYTHON" "$m" back -o "$d/p_b10.jpg" --validity 2018.05.01-2028.05.01
	"$PYTHON" "$m" back -o "$d/p_b20.jpg" --validity 2018.05.01-2038.05.01
	"$PYTHON" "$m" back -o "$d/p_beijing.jpg" --validity 2018.05.01-2028.05.01 \
		--authority 北京市公安局东城分局
	emu_start
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	D="$BATS_FILE_TMPDIR/c"
}

# --- helpers ---------------------------------------------------------------------

# The binary with no FAIZ_* variable at all (no endpoint, no keys): --check-id is offline.
offline() {
	env -u FAIZ_ENDPOINT -u FAIZ_ACCESS_KEY -u FAIZ_SECRET_KEY -u FAIZ_PROFILE -u FAIZ_CONFIG \
		-u FAIZ_BIN "$FAIZ" "$@"
}

# idcheck 17DIGITS: the 18-character number with its GB 11643-1999 ISO 7064 MOD 11-2 check character
# (weights 2^(18-i) mod 11 = 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; check = "10X98765432"[sum mod 11]).
idcheck() {
	awk -v s="$1" 'BEGIN {
		split("7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2", w, " ")
		t = 0
		for (i = 1; i <= 17; i++) t += substr(s, i, 1) * w[i]
		printf "%s%s\n", s, substr("10X98765432", t % 11 + 1, 1)
	}'
}

# rec N FILTER: jq FILTER on the Nth (0-based) line of stdout.
rec() {
	printf '%s\n' "${lines[$1]}" | jq -r "$2"
}

codes() {
	printf '%s\n' "${lines[$1]}" | jq -c '[.warnings[].code]'
}

# ================================================================================
# --check-id, offline
# ================================================================================

@test "idcheck helper agrees with GB 11643 on known numbers" {
	[ "$(idcheck 11010519491231002)" = 11010519491231002X ]
	[ "$(idcheck 44010519920822003)" = 440105199208220038 ]
}

@test "--check-id: a valid number (GB 11643-1999 example 11010519491231002X) with no FAIZ_* variables" {
	# GB 11643-1999 appendix example: 北京市朝阳区, born 1949-12-31, sequence 002 (even: female), check X.
	run --separate-stderr offline --check-id 11010519491231002X
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(rec 0 .valid)" = true ]
	[ "$(rec 0 .id_number)" = 11010519491231002X ]
	[ "$(rec 0 .input)" = 11010519491231002X ]
	[ "$(rec 0 .error)" = null ]
	[ "$(rec 0 '.warnings | length')" = 0 ]
	[ "$(rec 0 .checks.birth_date)" = 1949-12-31 ]
	[ "$(rec 0 .checks.sex)" = 女 ]
	[ "$(rec 0 .checks.region.code)" = 110105 ]
	[ "$(rec 0 .checks.region.province)" = 北京市 ]
	[ "$(rec 0 .checks.region.county)" = 朝阳区 ]
	[ "$(rec 0 .checks.region.in_force)" = true ]
	[ "$(rec 0 .checks.id_number.check_digit)" = pass ]
	[ "$(rec 0 .checks.id_number.structure)" = pass ]
	[ "$(rec 0 .checks.id_number.birth_date)" = pass ]
	[ "$(rec 0 .checks.id_number.normalised)" = 11010519491231002X ]
}

@test "--check-id: age is counted on --as-of" {
	run --separate-stderr offline --check-id --as-of 2020-01-01 11010519491231002X
	[ "$status" -eq 0 ]
	[ "$(rec 0 .checks.age)" = 70 ]
	run --separate-stderr offline --check-id --as-of 2019-12-31 11010519491231002X
	[ "$(rec 0 .checks.age)" = 70 ]
	run --separate-stderr offline --check-id --as-of 2019-12-30 11010519491231002X
	[ "$(rec 0 .checks.age)" = 69 ]
}

@test "--check-id: a lower-case x is normalised to X" {
	run --separate-stderr offline --check-id 11010519491231002x
	[ "$status" -eq 0 ]
	[ "$(rec 0 .valid)" = true ]
	[ "$(rec 0 .id_number)" = 11010519491231002X ]
	[ "$(rec 0 .checks.id_number.normalised)" = 11010519491231002X ]
}

@test "--check-id: a 15-digit first-generation number is converted to 18 with its check character" {
	run --separate-stderr offline --check-id 110105491231002
	[ "$status" -eq 0 ]
	[ "$(rec 0 .valid)" = true ]
	[ "$(rec 0 .input)" = 110105491231002 ]
	[ "$(rec 0 .id_number)" = 11010519491231002X ]
	[ "$(rec 0 .checks.birth_date)" = 1949-12-31 ]
}

@test "--check-id: a wrong check character is invalid, exit 1" {
	run --separate-stderr offline --check-id 11010519491231001X
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(rec 0 .valid)" = false ]
	[ "$(rec 0 .error.code)" = invalid_id ]
	[ -n "$(rec 0 .error.message)" ]
	[ "$(rec 0 .checks.id_number.check_digit)" = fail ]
	[[ "$stderr" == *"not valid"* ]]
}

@test "--check-id: 31 February with a correct check character is invalid" {
	local n
	n="$(idcheck 11010519490231002)"
	run --separate-stderr offline --check-id "$n"
	[ "$status" -eq 1 ]
	[ "$(rec 0 .valid)" = false ]
	[ "$(rec 0 .error.code)" = invalid_id ]
	[ "$(rec 0 .checks.id_number.check_digit)" = pass ]
	[ "$(rec 0 .checks.id_number.birth_date)" = fail ]
}

@test "--check-id: a birth date after --as-of is invalid, valid once the date has come" {
	local n
	n="$(idcheck 11010520211231000)"
	run --separate-stderr offline --check-id --as-of 2020-01-01 "$n"
	[ "$status" -eq 1 ]
	[ "$(rec 0 .valid)" = false ]
	[ "$(rec 0 .error.code)" = invalid_id ]
	[ "$(rec 0 .checks.id_number.check_digit)" = pass ]
	[ "$(rec 0 .checks.id_number.birth_date)" = fail ]
	run --separate-stderr offline --check-id --as-of 2022-01-01 "$n"
	[ "$status" -eq 0 ]
	[ "$(rec 0 .valid)" = true ]
}

@test "--check-id -: numbers read from stdin, one a line, in order" {
	run --separate-stderr offline --check-id - <<<$'11010519491231002X\n110105491231002\n440105199208220038'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(rec 0 .input)" = 11010519491231002X ]
	[ "$(rec 1 .input)" = 110105491231002 ]
	[ "$(rec 1 .id_number)" = 11010519491231002X ]
	[ "$(rec 2 .checks.region.county)" = 海珠区 ]
	run --separate-stderr offline --check-id - <<<$'11010519491231002X\n11010519491231001X'
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(rec 0 .valid)" = true ]
	[ "$(rec 1 .valid)" = false ]
}

@test "--check-id sends no request even when credentials are set" {
	run --separate-stderr "$FAIZ" --check-id 11010519491231002X 11010519491231001X
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(emu_stats | jq .requests)" = 0 ]
}

@test "--check-id -f ndjson and -f json" {
	run --separate-stderr offline --check-id -f ndjson 11010519491231002X 11010519491231001X
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(rec 0 .valid)" = true ]
	[ "$(rec 1 .error.code)" = invalid_id ]
	run --separate-stderr offline --check-id -f json 11010519491231002X 110105491231002
	[ "$status" -eq 0 ]
	[ "$(jq -r 'length' <<<"$output")" = 2 ]
	[ "$(jq -r '.[1].id_number' <<<"$output")" = 11010519491231002X ]
	[ "$(jq -r '.[0].checks.region.county' <<<"$output")" = 朝阳区 ]
}

@test "--check-id -f table" {
	run --separate-stderr offline --check-id -f table 11010519491231002X 11010519491231001X
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == "NUMBER "*" VALID  SEX  BIRTHDAY    REGION "*" STATUS" ]]
	[[ "${lines[1]}" == *11010519491231002X* ]]
	[[ "${lines[1]}" == *1949-12-31* ]]
	[[ "${lines[2]}" == *invalid_id* ]]
}

@test "--check-id -f csv" {
	run --separate-stderr offline --check-id -f csv 11010519491231002X 11010519491231001X
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == file,*id_number*error_code* ]]
	run "$PYTHON" -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
assert len(rows) == 2, rows
assert rows[0]["id_number"].strip() == "11010519491231002X", rows[0]
assert rows[0]["error_code"] == "", rows[0]
assert rows[1]["error_code"] == "invalid_id", rows[1]
print("ok")' <<<"$output"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "--check-id: a code abolished before the birth year warns region_not_in_force and stays valid" {
	# 110103 崇文区 was merged into 东城区 in 2010.
	run --separate-stderr offline --check-id "$(idcheck 11010320120101001)"
	[ "$status" -eq 0 ]
	[ "$(rec 0 .valid)" = true ]
	[ "$(codes 0)" = '["region_not_in_force"]' ]
	[ "$(rec 0 .checks.region.county)" = 崇文区 ]
	[ "$(rec 0 .checks.region.in_force)" = false ]
	[ "$(rec 0 .checks.id_number.region)" = warn ]
	# Born while it existed: no warning.
	run --separate-stderr offline --check-id "$(idcheck 11010319800101001)"
	[ "$status" -eq 0 ]
	[ "$(codes 0)" = '[]' ]
	[ "$(rec 0 .checks.region.in_force)" = true ]
}

@test "--check-id: a code reused for two places is read by the birth year (130123)" {
	run --separate-stderr offline --check-id "$(idcheck 13012319900101001)" "$(idcheck 13012320000101001)"
	[ "$status" -eq 0 ]
	[ "$(rec 0 .checks.region.province)" = 河北省 ]
	[ "$(rec 0 .checks.region.county)" = 栾城县 ]
	[ "$(rec 1 .checks.region.county)" = 正定县 ]
	[ "$(codes 0)" = '[]' ]
	[ "$(codes 1)" = '[]' ]
}

@test "--check-id: a district roll-up code (440101) warns region_rollup" {
	run --separate-stderr offline --check-id "$(idcheck 44010119900101001)"
	[ "$status" -eq 0 ]
	[ "$(rec 0 .valid)" = true ]
	[ "$(codes 0)" = '["region_rollup"]' ]
	[ "$(rec 0 .checks.region.city)" = 广州市 ]
}

@test "--check-id: an unknown code (990000) warns region_unknown" {
	run --separate-stderr offline --check-id "$(idcheck 99000019900101001)"
	[ "$status" -eq 0 ]
	[ "$(rec 0 .valid)" = true ]
	[ "$(codes 0)" = '["region_unknown"]' ]
	[ "$(rec 0 .checks.id_number.region)" = warn ]
}

@test "--check-id --strict: a warning makes exit 1, the record is still printed" {
	local n
	n="$(idcheck 44010119900101001)"
	run --separate-stderr offline --check-id --strict "$n"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(rec 0 .id_number)" = "$n" ]
	[ "$(codes 0)" = '["region_rollup"]' ]
	[[ "$stderr" == *strict* ]]
	# No warning: --strict changes nothing.
	run --separate-stderr offline --check-id --strict 11010519491231002X
	[ "$status" -eq 0 ]
}

@test "--check-id conflicts and usage errors exit 2" {
	run --separate-stderr offline --check-id --pair 11010519491231002X
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	run --separate-stderr offline --check-id --save-images d 11010519491231002X
	[ "$status" -eq 2 ]
	run --separate-stderr offline --check-id --as-of 2020-02-30 11010519491231002X
	[ "$status" -eq 2 ]
	[[ "$stderr" == *as-of* ]]
}

# ================================================================================
# Checks of recognised cards (emulator)
# ================================================================================

@test "a consistent front: every check passes, no warnings" {
	run --separate-stderr "$FAIZ" --rate 50 --as-of 2026-01-01 "$D/ok_front.jpg"
	[ "$status" -eq 0 ]
	[ "$(codes 0)" = '[]' ]
	[ "$(rec 0 .checks.id_number.valid)" = true ]
	[ "$(rec 0 '.checks.id_number | [.structure, .check_digit, .birth_date, .region, .sex, .birthday] | join(",")')" = \
		pass,pass,pass,pass,pass,pass ]
	[ "$(rec 0 .checks.birth_date)" = 1992-08-22 ]
	[ "$(rec 0 .checks.age)" = 33 ]
	[ "$(rec 0 .checks.sex)" = 男 ]
	[ "$(rec 0 .checks.region.county)" = 海珠区 ]
	[ "$(rec 0 .checks.region.city)" = 广州市 ]
	[ "$(rec 0 '.checks | has("validity")')" = false ]
}

@test "a printed birthday that differs from the number: birthday_mismatch" {
	run --separate-stderr "$FAIZ" --rate 50 "$D/bday.jpg"
	[ "$status" -eq 0 ]
	[ "$(codes 0)" = '["birthday_mismatch"]' ]
	[ "$(rec 0 .checks.id_number.birthday)" = fail ]
	[ "$(rec 0 .checks.id_number.valid)" = true ]
	[ "$(rec 0 .error)" = null ]
}

@test "a printed sex that differs from the number: sex_mismatch" {
	run --separate-stderr "$FAIZ" --rate 50 "$D/sex.jpg"
	[ "$status" -eq 0 ]
	[ "$(codes 0)" = '["sex_mismatch"]' ]
	[ "$(rec 0 .checks.id_number.sex)" = fail ]
	[ "$(rec 0 .checks.sex)" = 男 ]
}

@test "a recognised front with a bad check character: warning invalid_id, not an error" {
	run --separate-stderr "$FAIZ" --rate 50 "$D/badid.jpg"
	[ "$status" -eq 0 ]
	[ "$(rec 0 .error)" = null ]
	[ "$(rec 0 .checks.id_number.valid)" = false ]
	[ "$(rec 0 .checks.id_number.check_digit)" = fail ]
	[[ "$(codes 0)" == *'"invalid_id"'* ]]
}

@test "a back 2015.03.01-2025.03.01: expired on 2026-01-01, not on 2024-01-01" {
	run --separate-stderr "$FAIZ" --rate 50 --as-of 2026-01-01 "$D/b10.jpg"
	[ "$status" -eq 0 ]
	[ "$(codes 0)" = '["expired"]' ]
	[ "$(rec 0 .checks.validity.expired)" = true ]
	[ "$(rec 0 .checks.validity.start)" = 2015-03-01 ]
	[ "$(rec 0 .checks.validity.end)" = 2025-03-01 ]
	[ "$(rec 0 .checks.validity.years)" = 10 ]
	[ "$(rec 0 .checks.validity.period)" = pass ]
	[ "$(rec 0 '.checks | has("id_number")')" = false ]
	run --separate-stderr "$FAIZ" --rate 50 --as-of 2024-01-01 "$D/b10.jpg"
	[ "$status" -eq 0 ]
	[ "$(codes 0)" = '[]' ]
	[ "$(rec 0 .checks.validity.expired)" = false ]
	# The end date is the last valid day.
	run --separate-stderr "$FAIZ" --rate 50 --as-of 2025-03-01 "$D/b10.jpg"
	[ "$(rec 0 .checks.validity.expired)" = false ]
}

@test "a back valid only from after --as-of: not_yet_valid" {
	run --separate-stderr "$FAIZ" --rate 50 --as-of 2014-01-01 "$D/b10.jpg"
	[ "$status" -eq 0 ]
	[ "$(codes 0)" = '["not_yet_valid"]' ]
	[ "$(rec 0 .checks.validity.not_yet_valid)" = true ]
}

@test "a 7-year period: validity_period" {
	run --separate-stderr "$FAIZ" --rate 50 --as-of 2020-01-01 "$D/b7.jpg"
	[ "$status" -eq 0 ]
	[ "$(codes 0)" = '["validity_period"]' ]
	[ "$(rec 0 .checks.validity.years)" = 7 ]
	[ "$(rec 0 .checks.validity.period)" = fail ]
}

@test "长期: long_term, no end, never expired" {
	run --separate-stderr "$FAIZ" --rate 50 --as-of 2099-12-31 "$D/blong.jpg"
	[ "$status" -eq 0 ]
	[ "$(codes 0)" = '[]' ]
	[ "$(rec 0 .checks.validity.long_term)" = true ]
	[ "$(rec 0 .checks.validity.end)" = null ]
	[ "$(rec 0 .checks.validity.expired)" = false ]
	[ "$(rec 0 .checks.validity.period)" = pass ]
}

@test "a temporary card: its number is checked like a front's" {
	# The emulator returns only the front fields for a temporary card (no validity), so its 3-month
	# period cannot be exercised here; the number checks can.
	run --separate-stderr "$FAIZ" --rate 50 --as-of 2026-01-01 "$D/temp.jpg"
	[ "$status" -eq 0 ]
	[ "$(rec 0 .side)" = temporary ]
	[ "$(rec 0 .checks.id_number.valid)" = true ]
	[ "$(rec 0 .checks.id_number.birthday)" = pass ]
	[ "$(rec 0 .checks.region.county)" = 玄武区 ]
	[[ "$(codes 0)" != *invalid_id* ]]
	[[ "$(codes 0)" != *mismatch* ]]
}

@test "--strict: a card with a warning makes exit 1 but its record is printed" {
	run --separate-stderr "$FAIZ" --rate 50 --strict "$D/ok_front.jpg" "$D/bday.jpg"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(codes 0)" = '[]' ]
	[ "$(codes 1)" = '["birthday_mismatch"]' ]
	[ "$(rec 1 .name)" = 张三 ]
	[[ "$stderr" == *strict* ]]
	run --separate-stderr "$FAIZ" --rate 50 --strict "$D/ok_front.jpg"
	[ "$status" -eq 0 ]
}

# ================================================================================
# --pair
# ================================================================================

@test "--pair by name: x_front/x_back, 张三正面/张三反面, 人像面/国徽面, card-1/card-2" {
	cp "$D/ok_front.jpg" x_front.jpg; cp "$D/b10.jpg" x_back.jpg
	cp "$D/ok_front.jpg" 张三正面.jpg; cp "$D/b10.jpg" 张三反面.jpg
	cp "$D/ok_front.jpg" 李四人像面.jpg; cp "$D/b10.jpg" 李四国徽面.jpg
	cp "$D/ok_front.jpg" card-1.jpg; cp "$D/b10.jpg" card-2.jpg
	# Shuffled so that no two partners are neighbours in the right order.
	run --separate-stderr "$FAIZ" --rate 50 --pair --as-of 2020-01-01 x_back.jpg 张三正面.jpg card-2.jpg \
		李四国徽面.jpg x_front.jpg card-1.jpg 张三反面.jpg 李四人像面.jpg
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	local all
	all="$(printf '%s\n' "${lines[@]}" | jq -sc 'map(.files) | sort')"
	[ "$all" = "$(jq -nc '[["card-1.jpg","card-2.jpg"],["x_front.jpg","x_back.jpg"],["张三正面.jpg","张三反面.jpg"],["李四人像面.jpg","李四国徽面.jpg"]] | sort')" ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -s -c 'map(.pairing) | unique')" = '["name"]' ]
}

@test "--pair consecutive: a front followed by a back, in either order" {
	cp "$D/p_front.jpg" a.jpg; cp "$D/p_b10.jpg" b.jpg
	cp "$D/p_b10.jpg" c.jpg; cp "$D/p_front.jpg" d.jpg
	run --separate-stderr "$FAIZ" --rate 50 --pair a.jpg b.jpg c.jpg d.jpg
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(rec 0 .pairing)" = consecutive ]
	[ "$(rec 0 '.files | join(" ")')" = 'a.jpg b.jpg' ]
	[ "$(rec 1 .pairing)" = consecutive ]
	# The front comes first in files whatever the input order.
	[ "$(rec 1 '.files | join(" ")')" = 'd.jpg c.jpg' ]
}

@test "--pair: the person record carries both sides' fields and checks" {
	cp "$D/p_front.jpg" p_front.jpg; cp "$D/p_b10.jpg" p_back.jpg
	run --separate-stderr "$FAIZ" --rate 50 --pair --as-of 2026-01-01 p_front.jpg p_back.jpg
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(rec 0 '.files | join(" ")')" = 'p_front.jpg p_back.jpg' ]
	[ "$(rec 0 .pairing)" = name ]
	[ "$(rec 0 .name)" = 张三 ]
	[ "$(rec 0 .sex)" = 男 ]
	[ "$(rec 0 .birthday)" = 2000年1月1日 ]
	[ "$(rec 0 .address)" = 广东省广州市海珠区新港中路样本街1号 ]
	[ "$(rec 0 .id_number)" = 440105200001010039 ]
	[ "$(rec 0 .issue_authority)" = 广州市公安局海珠分局 ]
	[ "$(rec 0 .validity)" = 2018.05.01-2028.05.01 ]
	[ "$(rec 0 .error)" = null ]
	[ "$(rec 0 .checks.id_number.valid)" = true ]
	[ "$(rec 0 .checks.validity.years)" = 10 ]
	[ "$(rec 0 .checks.validity.expired)" = false ]
	[ "$(rec 0 .checks.age)" = 26 ]
}

@test "--pair: a 10-year card issued at 18 passes, a 20-year one warns period_age_mismatch" {
	cp "$D/p_front.jpg" a_front.jpg; cp "$D/p_b10.jpg" a_back.jpg
	cp "$D/p_front.jpg" b_front.jpg; cp "$D/p_b20.jpg" b_back.jpg
	run --separate-stderr "$FAIZ" --rate 50 --pair --as-of 2026-01-01 a_front.jpg a_back.jpg b_front.jpg b_back.jpg
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(codes 0)" = '[]' ]
	[ "$(rec 0 .checks.validity.period_age)" = pass ]
	[ "$(rec 0 .checks.validity.age_at_issue)" = 18 ]
	[ "$(codes 1)" = '["period_age_mismatch"]' ]
	[ "$(rec 1 .checks.validity.period_age)" = warn ]
	# The period itself is a legal one: only the pair check objects.
	[ "$(rec 1 .checks.validity.period)" = pass ]
}

@test "--pair: authority vs region of the number (海珠分局 with 440105 passes, 东城分局 warns)" {
	cp "$D/p_front.jpg" a_front.jpg; cp "$D/p_b10.jpg" a_back.jpg
	cp "$D/p_front.jpg" b_front.jpg; cp "$D/p_beijing.jpg" b_back.jpg
	run --separate-stderr "$FAIZ" --rate 50 --pair --as-of 2026-01-01 a_front.jpg a_back.jpg b_front.jpg b_back.jpg
	[ "$status" -eq 0 ]
	[ "$(rec 0 .checks.authority)" = pass ]
	[ "$(codes 0)" = '[]' ]
	[ "$(rec 1 .checks.authority)" = warn ]
	[ "$(codes 1)" = '["authority_region"]' ]
	run --separate-stderr "$FAIZ" --rate 50 --pair --strict --as-of 2026-01-01 b_front.jpg b_back.jpg
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "--pair: an image with no partner gets warning unpaired" {
	cp "$D/p_front.jpg" a_front.jpg; cp "$D/p_b10.jpg" a_back.jpg
	cp "$D/ok_front.jpg" lone.jpg
	run --separate-stderr "$FAIZ" --rate 50 --pair --as-of 2026-01-01 a_front.jpg a_back.jpg lone.jpg
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(rec 0 '.files | join(" ")')" = 'a_front.jpg a_back.jpg' ]
	[ "$(rec 1 .file)" = lone.jpg ]
	[ "$(rec 1 .side)" = front ]
	[ "$(codes 1)" = '["unpaired"]' ]
	run --separate-stderr "$FAIZ" --rate 50 --pair --strict lone.jpg
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
}

@test "--pair -f table: one row per person" {
	cp "$D/p_front.jpg" a_front.jpg; cp "$D/p_b10.jpg" a_back.jpg
	cp "$D/ouyang.jpg" lone.jpg
	run --separate-stderr "$FAIZ" --rate 50 --pair -f table --as-of 2026-01-01 a_front.jpg a_back.jpg lone.jpg
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" == FILE* ]]
	[[ "${lines[1]}" == *a_front.jpg* ]]
	[[ "${lines[1]}" == *a_back.jpg* ]]
	[[ "${lines[1]}" == *440105200001010039* ]]
	[[ "${lines[1]}" == *广州市公安局海珠分局* ]]
	[[ "${lines[1]}" == *2018.05.01-2028.05.01* ]]
	[[ "${lines[2]}" == *lone.jpg* ]]
	[[ "${lines[2]}" == *欧阳娜娜* ]]
	[[ "${lines[2]}" == *unpaired* ]]
}

@test "--pair conflicts with --unordered and --resume: exit 2" {
	run --separate-stderr "$FAIZ" --pair --unordered "$D/ok_front.jpg"
	[ "$status" -eq 2 ]
	run --separate-stderr "$FAIZ" --pair --resume r.ndjson "$D/ok_front.jpg"
	[ "$status" -eq 2 ]
	[ "$(emu_stats | jq .requests)" = 0 ]
}

# ================================================================================
# --mask
# ================================================================================

# assert_no_secrets: stdout of the last run holds none of the specimen's unmasked values.
assert_no_secrets() {
	local s
	for s in 440105199208220038 19920822 张三 欧阳娜娜 海珠区新港中路 样本街1号; do
		if [[ "$output" == *"$s"* ]]; then
			echo "unmasked '$s' in stdout: $output" >&2
			return 1
		fi
	done
}

@test "--mask -f ndjson: number, name (compound surname too) and address masked" {
	cp "$D/ok_front.jpg" m1.jpg; cp "$D/ouyang.jpg" m2.jpg
	run --separate-stderr "$FAIZ" --rate 50 --mask m1.jpg m2.jpg
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(rec 0 .id_number)" = '440105********0038' ]
	[ "$(rec 0 .checks.id_number.normalised)" = '440105********0038' ]
	[ "$(rec 0 .name)" = '张*' ]
	[ "$(rec 0 .address)" = '广东省广州市***' ]
	[ "$(rec 1 .name)" = '欧阳**' ]
	# The checks ran on the real number before masking.
	[ "$(rec 0 .checks.id_number.valid)" = true ]
	assert_no_secrets
}

@test "--mask in json, csv and table" {
	cp "$D/ok_front.jpg" m1.jpg; cp "$D/ouyang.jpg" m2.jpg
	local f
	for f in json csv table; do
		run --separate-stderr "$FAIZ" --rate 50 --mask -f "$f" m1.jpg m2.jpg
		[ "$status" -eq 0 ]
		[[ "$output" == *'440105********0038'* ]]
		[[ "$output" == *'张*'* ]]
		[[ "$output" == *'欧阳**'* ]]
		[[ "$output" == *'广东省广州市***'* ]]
		assert_no_secrets
	done
	run --separate-stderr "$FAIZ" --rate 50 --mask -f json m1.jpg
	[ "$(jq -r '.[0].id_number' <<<"$output")" = '440105********0038' ]
}

@test "--mask with --pair: the person record is masked" {
	cp "$D/ok_front.jpg" m_front.jpg; cp "$D/b10.jpg" m_back.jpg
	local f
	for f in ndjson json csv table; do
		run --separate-stderr "$FAIZ" --rate 50 --pair --mask -f "$f" m_front.jpg m_back.jpg
		[ "$status" -eq 0 ]
		[[ "$output" == *'440105********0038'* ]]
		[[ "$output" == *'张*'* ]]
		assert_no_secrets
	done
	run --separate-stderr "$FAIZ" --rate 50 --pair --mask m_front.jpg m_back.jpg
	[ "$(rec 0 .id_number)" = '440105********0038' ]
	[ "$(rec 0 .address)" = '广东省广州市***' ]
	[ "$(rec 0 .issue_authority)" = 广州市公安局海珠分局 ]
}

@test "--check-id --mask: the number appears nowhere in stdout, in any format" {
	local f
	for f in ndjson json csv table; do
		run --separate-stderr offline --check-id --mask -f "$f" 440105199208220038 440105920822003
		[ "$status" -eq 0 ]
		[[ "$output" == *'440105********0038'* ]]
		assert_no_secrets
		[[ "$output" != *920822003* ]]
	done
	run --separate-stderr offline --check-id --mask 440105199208220038
	[ "$status" -eq 0 ]
	[ "$(rec 0 .id_number)" = '440105********0038' ]
	[ "$(rec 0 .input)" = '440105********0038' ]
	[ "$(rec 0 .valid)" = true ]
}

@test "--raw with --mask: no raw in the record" {
	cp "$D/ok_front.jpg" m1.jpg
	run --separate-stderr "$FAIZ" --rate 50 --raw --mask m1.jpg
	[ "$status" -eq 0 ]
	[ "$(rec 0 'has("raw")')" = false ]
	assert_no_secrets
	# Without --mask the raw response is there (so the test above means something).
	run --separate-stderr "$FAIZ" --rate 50 --raw m1.jpg
	[ "$(rec 0 'has("raw")')" = true ]
}

@test "--save-images with --mask: the images are written, the same as without --mask" {
	cp "$D/ok_front.jpg" m1.jpg
	run --separate-stderr "$FAIZ" --rate 50 --mask --save-images masked m1.jpg
	[ "$status" -eq 0 ]
	assert_no_secrets
	[ "$(rec 0 .images.id_number)" = masked/m1.id_number.jpg ]
	run --separate-stderr "$FAIZ" --rate 50 --save-images plain m1.jpg
	[ "$status" -eq 0 ]
	local k
	for k in cropped portrait id_number; do
		[ -s "masked/m1.$k.jpg" ]
		[ "$(head -c 2 "masked/m1.$k.jpg" | od -An -tx1 | tr -d ' ')" = ffd8 ]
		cmp "masked/m1.$k.jpg" "plain/m1.$k.jpg"
	done
}
