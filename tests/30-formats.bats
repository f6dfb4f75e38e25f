# Output formats: ndjson (default off a terminal), json, csv, table, --raw and -o.
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
	C="$(cards)"
	cp "$C/front_zhangsan.jpg" front.jpg
	cp "$C/back_zhangsan.jpg" back.jpg
	: >empty.jpg
}

@test "ndjson is the default when stdout is not a terminal, one compact record per line" {
	run --separate-stderr "$FAIZ" --rate 50 front.jpg back.jpg
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	# Compact: no space after separators, keys in the documented order.
	keys=$(printf '%s\n' "${lines[0]}" | jq -r 'keys_unsorted | join(",")')
	assert_equal "$keys" "file,side,type,name,sex,people,birthday,address,id_number,issue_authority,validity,head_covered,head_blurred,border_covered,gray_image,sid,time_cost,images,sha256,prepared,warnings,error,engine,checks"
	[[ "${lines[0]}" == '{"file":"front.jpg","side":"front","type":"第二代身份证","name":"张三","sex":"男","people":"汉","birthday":"1992年8月22日",'* ]]
	assert_equal "$(printf '%s\n' "${lines[1]}" | jq -c '[.side,.issue_authority,.validity,.name,.error]')" \
		'["back","广州市公安局海珠分局","2015.03.01-2035.03.01",null,null]'
}

@test "ndjson pipes into jq -r .name" {
	run bash -c "'$FAIZ' -q --rate 50 front.jpg | jq -r .name"
	assert_success
	assert_output 张三
}

@test "records carry the quality flags, sid and time_cost with their JSON types" {
	run --separate-stderr "$FAIZ" --rate 50 front.jpg
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -c '[.head_covered,.head_blurred,.border_covered,.gray_image]')" '[false,false,false,false]'
	assert_equal "$(printf '%s' "$output" | jq -r '(.sid|startswith("wcr")), (.time_cost.preprocess|type), (.time_cost.recognize|type), (.images|length)' | tr '\n' ' ')" "true number number 0 "
}

@test "base64 never appears without --raw" {
	run --separate-stderr "$FAIZ" --rate 50 -f json front.jpg
	assert_success
	refute_output --partial '/9j/'
	[ "$(printf '%s' "$output" | jq '.[0] | has("raw")')" = false ]
}

@test "--raw adds the untouched response to json and ndjson" {
	run --separate-stderr "$FAIZ" --rate 50 --raw front.jpg
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -r '.raw.code, .raw.desc, (.raw.data.cropped_image|.[0:4]), .raw.data.name' | tr '\n' ' ')" "0 success /9j/ 张三 "
	run --separate-stderr "$FAIZ" --rate 50 --raw -f json front.jpg
	assert_equal "$(printf '%s' "$output" | jq -r '.[0].raw.data.id_number')" 440105199208220038
}

@test "json is one array of records, pretty printed" {
	run --separate-stderr "$FAIZ" --rate 50 -f json front.jpg empty.jpg back.jpg
	[ "$status" -eq 1 ]
	assert_line --index 0 '['
	assert_line --index 1 '  {'
	assert_line --index 2 '    "file": "front.jpg",'
	assert_equal "$(printf '%s' "$output" | jq -c 'map([.file, .side, (.error.code // "")])')" \
		'[["front.jpg","front",""],["empty.jpg",null,"empty"],["back.jpg","back",""]]'
}

@test "json of only failures is still a valid array" {
	run --separate-stderr "$FAIZ" -f json empty.jpg
	[ "$status" -eq 1 ]
	assert_equal "$(printf '%s' "$output" | jq -c 'map(.error)')" '[{"code":"empty","message":"empty file"}]'
}

@test "csv has the documented header and fixed columns, CRLF line ends" {
	run --separate-stderr "$FAIZ" --rate 50 -f csv front.jpg empty.jpg back.jpg
	[ "$status" -eq 1 ]
	header='file,side,type,name,sex,people,birthday,address,id_number,issue_authority,validity,head_covered,head_blurred,border_covered,gray_image,sid,time_cost_preprocess,time_cost_recognize,cropped_image,portrait_image,id_number_image,sha256,prepared,warnings,error_code,error_message,engine,card_index,card_count'
	assert_equal "${lines[0]}" "$header"$'\r'
	[ "${#lines[@]}" -eq 4 ]
	# Parse it back with Python's csv module: same columns, right values.
	printf '%s' "$output" >out.csv
	run /usr/bin/python3 -c '
import csv, sys
rows = list(csv.DictReader(open("out.csv", newline="", encoding="utf-8")))
print(len(rows))
f, e, b = rows
print(f["name"], f["id_number"].lstrip("\t"), f["side"], f["head_covered"], f["error_code"] == "")
print(e["file"], e["error_code"], e["error_message"], e["name"] == "")
print(b["issue_authority"], b["validity"])
'
	assert_success
	assert_output "3
张三 440105199208220038 front false True
empty.jpg empty empty file True
广州市公安局海珠分局 2015.03.01-2035.03.01"
}

@test "csv quotes fields with commas, quotes and newlines" {
	cp front.jpg 'a,"b".jpg'
	run --separate-stderr "$FAIZ" --rate 50 -f csv 'a,"b".jpg'
	assert_success
	[[ "${lines[1]}" == '"a,""b"".jpg",front,'* ]]
}

@test "table aligns columns by display width" {
	cp "$C/front_lisi.jpg" lisi.jpg
	run --separate-stderr "$FAIZ" --rate 50 -f table front.jpg back.jpg empty.jpg
	[ "$status" -eq 1 ]
	assert_line --index 0 --regexp '^FILE +SIDE +NAME +SEX +PEOPLE +BIRTHDAY +ID_NUMBER +ADDRESS +ISSUE_AUTHORITY +VALIDITY +STATUS$'
	# Every STATUS cell starts at the same display column.
	run /usr/bin/python3 -c '
import sys, unicodedata
def w(s): return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
cols = set()
for line in sys.stdin.read().splitlines():
    i = max(line.rfind("  ok"), line.rfind("  error"), line.rfind("  STATUS"))
    cols.add(w(line[:i]))
print(len(cols))
' <<<"$output"
	assert_output 1
	run --separate-stderr "$FAIZ" --rate 50 -f table front.jpg empty.jpg
	assert_line --index 1 --regexp '^front\.jpg +front +张三 +男 +汉 +1992年8月22日 +440105199208220038 +广东省.* +- +- +ok$'
	assert_line --index 2 --regexp '^empty\.jpg +- +- +- +- +- +- +- +- +- +error empty: empty file$'
}

@test "-o writes the records to a file of mode 0600" {
	run --separate-stderr "$FAIZ" --rate 50 -o out.ndjson front.jpg
	assert_success
	[ -z "$output" ]
	[ "$(stat -c %a out.ndjson)" = 600 ]
	[ "$(jq -r .name out.ndjson)" = 张三 ]
	run --separate-stderr "$FAIZ" --rate 50 -f csv -o out.csv front.jpg
	assert_success
	[ "$(head -c 5 out.csv)" = "file," ]
	[ -z "$(ls -A | grep '^\.')" ]
}

@test "the table is the default when stdout is a terminal" {
	run script -qec "'$FAIZ' -q --rate 50 front.jpg" /dev/null
	assert_success
	assert_line --index 0 --regexp '^FILE +SIDE +NAME'
	assert_line --index 1 --regexp '^front\.jpg +front +张三 '
}
