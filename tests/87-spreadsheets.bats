# Spreadsheet output: CSV with --bom, ID numbers kept as text, formula injection defused, and -f xlsx workbooks.
bats_require_minimum_version 1.5.0
load helper

setup_file() {
	local d="$BATS_FILE_TMPDIR/c" m="$MKCARDS"
	mkdir -p "$d"
	"$PYTHON" "$m" front -o "$d/zhangsan.jpg"
	"$PYTHON" "$m" front -o "$d/lisi.jpg" --name 李四 --sex 女 --birthday 1985年11月27日 \
		--id-number 11010119851127100X --address 北京市东城区样本胡同10号
	"$PYTHON" "$m" back -o "$d/back.jpg" --validity 2015.03.01-2035.03.01
	"$PYTHON" "$m" front -o "$d/eq.jpg" --name '=HYPERLINK("http://x.invalid")'
	"$PYTHON" "$m" front -o "$d/minus.jpg" --name=-2+3
	"$PYTHON" "$m" front -o "$d/plus.jpg" --name=+1
	"$PYTHON" "$m" front -o "$d/at.jpg" --name '@SUM(1)'
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

mode_of() { stat -c %a "$1"; }

@test "-f csv --bom: the file starts with EF BB BF, then the header" {
	run --separate-stderr "$FAIZ" --rate 50 -f csv --bom -o out.csv "$D/zhangsan.jpg"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(head -c 3 out.csv | od -An -tx1 | tr -d ' \n')" = efbbbf ]
	[ "$(head -c 8 out.csv | tail -c 5)" = "file," ]
	[ "$(mode_of out.csv)" = 600 ]
	# Only one BOM, however many rows.
	[ "$(grep -c $'\xef\xbb\xbf' out.csv)" = 1 ]
	# Without --bom: no BOM.
	run --separate-stderr "$FAIZ" --rate 50 -f csv "$D/zhangsan.jpg"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == file,* ]]
}

@test "--bom on stdout, and with --check-id" {
	run --separate-stderr env -u FAIZ_ENDPOINT -u FAIZ_ACCESS_KEY -u FAIZ_SECRET_KEY \
		"$FAIZ" --check-id -f csv --bom 11010519491231002X
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | head -c 3 | od -An -tx1 | tr -d ' \n')" = efbbbf ]
}

@test "--bom without -f csv is a usage error" {
	run --separate-stderr "$FAIZ" --rate 50 -f ndjson --bom "$D/zhangsan.jpg"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *bom* ]]
	run --separate-stderr "$FAIZ" --rate 50 -f xlsx -o x.xlsx --bom "$D/zhangsan.jpg"
	[ "$status" -eq 2 ]
	[ ! -e x.xlsx ]
	[ "$(emu_stats | jq .requests)" = 0 ]
}

@test "csv: the ID number cell starts with a tab; Python's csv reads back the exact number" {
	run --separate-stderr "$FAIZ" --rate 50 -f csv --bom -o out.csv "$D/zhangsan.jpg" "$D/lisi.jpg" "$D/back.jpg"
	[ "$status" -eq 0 ]
	grep -q $',\t440105199208220038,' out.csv
	grep -q $',\t11010119851127100X,' out.csv
	run "$PYTHON" - <<-'EOF'
		import csv
		with open("out.csv", encoding="utf-8-sig", newline="") as f:
		    rows = list(csv.DictReader(f))
		assert len(rows) == 3, rows
		assert list(rows[0])[0] == "file", list(rows[0])
		ids = [r["id_number"] for r in rows]
		assert ids[0] == "\t440105199208220038", ids
		assert ids[1] == "\t11010119851127100X", ids
		assert ids[0][1:] == "440105199208220038" and ids[1].strip() == "11010119851127100X"
		assert ids[2] == "", ids  # the back has no number
		assert rows[1]["name"] == "李四", rows[1]
		assert rows[2]["validity"] == "2015.03.01-2035.03.01", rows[2]
		print("ok")
	EOF
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "csv: names and file names starting with = + - @ get a leading quote" {
	cp "$D/eq.jpg" '=cmd.jpg'
	cp "$D/zhangsan.jpg" '@f.jpg'
	cp "$D/zhangsan.jpg" '+f.jpg'
	cp -- "$D/zhangsan.jpg" '-f.jpg'
	run --separate-stderr "$FAIZ" --rate 50 -f csv -- '=cmd.jpg' '@f.jpg' '+f.jpg' '-f.jpg' \
		"$D/minus.jpg" "$D/plus.jpg" "$D/at.jpg" "$D/zhangsan.jpg"
	[ "$status" -eq 0 ]
	run "$PYTHON" -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
assert len(rows) == 8, rows
got = [(r["file"].rsplit("/", 1)[-1], r["name"]) for r in rows]
want = [("'"'"'=cmd.jpg", "'"'"'=HYPERLINK(\"http://x.invalid\")"),
        ("'"'"'@f.jpg", "张三"), ("'"'"'+f.jpg", "张三"), ("'"'"'-f.jpg", "张三"),
        ("minus.jpg", "'"'"'-2+3"), ("plus.jpg", "'"'"'+1"), ("at.jpg", "'"'"'@SUM(1)"),
        ("zhangsan.jpg", "张三")]
assert got == want, got
# Numbers and booleans are never marked; the ID cell keeps its tab, not a quote.
assert rows[4]["time_cost_preprocess"].isdigit(), rows[4]
assert rows[4]["id_number"] == "\t440105199208220038", rows[4]
print("ok")' <<<"$output"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "-f xlsx -o: a real workbook with a header row, text ID cells, frozen header, mode 0600" {
	run --separate-stderr "$FAIZ" --rate 50 -f xlsx -o out.xlsx "$D/zhangsan.jpg" "$D/lisi.jpg"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$(mode_of out.xlsx)" = 600 ]
	[ "$(head -c 2 out.xlsx)" = PK ]
	# The CSV header is the column list the workbook must carry.
	"$FAIZ" --rate 50 -f csv "$D/zhangsan.jpg" 2>/dev/null | head -n 1 | tr -d '\r' >header.txt
	run "$PYTHON" - <<-'EOF'
		import openpyxl
		wb = openpyxl.load_workbook("out.xlsx")
		ws = wb.worksheets[0]
		header = [c.value for c in ws[1]]
		want = open("header.txt", encoding="utf-8").read().strip().split(",")
		assert header == want, (header, want)
		assert ws.freeze_panes == "A2", ws.freeze_panes
		assert ws.max_row == 3, ws.max_row
		col = header.index("id_number") + 1
		cells = [ws.cell(row=r, column=col) for r in (2, 3)]
		assert [c.data_type for c in cells] == ["s", "s"], [c.data_type for c in cells]
		assert [c.value for c in cells] == ["440105199208220038", "11010119851127100X"], [c.value for c in cells]
		assert all(len(c.value) == 18 for c in cells)
		name = ws.cell(row=3, column=header.index("name") + 1)
		assert name.value == "李四" and name.data_type == "s"
		f = ws.cell(row=2, column=header.index("file") + 1).value
		assert f.endswith("zhangsan.jpg"), f
		print("ok")
	EOF
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "-f xlsx without -o is a usage error (exit 2), nothing sent" {
	run --separate-stderr "$FAIZ" --rate 50 -f xlsx "$D/zhangsan.jpg"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *-o* ]]
	[ "$(emu_stats | jq .requests)" = 0 ]
}

@test "-f xlsx with --pair: one row per person" {
	cp "$D/zhangsan.jpg" a_front.jpg; cp "$D/back.jpg" a_back.jpg
	cp "$D/lisi.jpg" b_front.jpg; cp "$D/back.jpg" b_back.jpg
	run --separate-stderr "$FAIZ" --rate 50 --pair -f xlsx -o p.xlsx a_front.jpg b_front.jpg a_back.jpg b_back.jpg
	[ "$status" -eq 0 ]
	run "$PYTHON" - <<-'EOF'
		import openpyxl
		ws = openpyxl.load_workbook("p.xlsx").worksheets[0]
		rows = list(ws.iter_rows(values_only=True))
		h = list(rows[0])
		assert len(rows) == 3, rows
		get = lambda r, k: r[h.index(k)]
		assert [get(r, "id_number") for r in rows[1:]] == ["440105199208220038", "11010119851127100X"], rows
		assert [get(r, "validity") for r in rows[1:]] == ["2015.03.01-2035.03.01"] * 2, rows
		assert [get(r, "file") for r in rows[1:]] == ["a_front.jpg + a_back.jpg", "b_front.jpg + b_back.jpg"], rows
		assert get(rows[2], "name") == "李四"
		print("ok")
	EOF
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "-f xlsx with --mask: masked values in the cells" {
	run --separate-stderr "$FAIZ" --rate 50 --mask -f xlsx -o m.xlsx "$D/zhangsan.jpg"
	[ "$status" -eq 0 ]
	run "$PYTHON" - <<-'EOF'
		import openpyxl
		ws = openpyxl.load_workbook("m.xlsx").worksheets[0]
		rows = list(ws.iter_rows(values_only=True))
		h = list(rows[0])
		r = rows[1]
		assert r[h.index("id_number")] == "440105********0038", r
		assert r[h.index("name")] == "张*", r
		vals = [str(v) for row in rows for v in row if v is not None]
		assert not any("440105199208220038" in v or "张三" in v for v in vals), vals
		print("ok")
	EOF
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
}

@test "-f xlsx -o an existing file without --force is refused" {
	echo keep >out.xlsx
	run --separate-stderr "$FAIZ" --rate 50 -f xlsx -o out.xlsx "$D/zhangsan.jpg"
	[ "$status" -ne 0 ]
	[ "$(cat out.xlsx)" = keep ]
	run --separate-stderr "$FAIZ" --rate 50 --force -f xlsx -o out.xlsx "$D/zhangsan.jpg"
	[ "$status" -eq 0 ]
	[ "$(head -c 2 out.xlsx)" = PK ]
}
