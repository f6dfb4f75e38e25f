# Several cards in one image (issue H.12): one record per card in reading order, its own images, pairing within a page; the engine key (H.1); small mends of the dry run and --text-lines.

bats_require_minimum_version 1.5.0

load helper

# Photographs made once for the file by tests/mkphotos.py: a photocopy page
# (front above back), a scan of two people (a row each, front left), a scan
# of three unrelated cards. Their truth (NAME.json) sits beside each; the
# photos carry no specimen segment, so the engine sees pixels only.
setup_file() {
	IMG="$BATS_FILE_TMPDIR/img"
	"$PYTHON" "$HELPER_DIR/mkphotos.py" set "$IMG" --level photocopy --count 1 --seed 11 >&2
	"$PYTHON" "$HELPER_DIR/mkphotos.py" set "$IMG" --level pairs --count 1 --seed 11 >&2
	"$PYTHON" "$HELPER_DIR/mkphotos.py" set "$IMG" --level multi --count 1 --seed 14 --prefix multi >&2
	# Six cards in 2 rows of 3, the first blurred: its edges spread their
	# votes, and the first search of the card finder misses it.
	"$PYTHON" "$HELPER_DIR/mkphotos.py" set "$IMG" --level multi --count 1 --seed 51008 --prefix grid >&2
	emu_start
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	IMG="$BATS_FILE_TMPDIR/img"
	PC="$IMG/photocopy-0000.jpg"
	PAIRS="$IMG/pairs-0000.jpg"
	MULTI="$IMG/multi-0000.jpg"
	unset FAIZ_ACCESS_KEY FAIZ_SECRET_KEY FAIZ_PROFILE FAIZ_CONFIG FAIZ_ENGINE
}

faiz() { run --separate-stderr "$FAIZ" "$@"; }

# truth PHOTO JQ: evaluate JQ on the photo's truth file.
truth() { jq -r "$2" "${1%.jpg}.json"; }

# The value of a record (ndjson line N, from 1) of the last run.
rec() { sed -n "${1}p" <<<"$output" | jq -r "$2"; }

# The sides, and per card its number (front) or validity (back), in order.
truth_cards() {
	truth "$1" '.cards[] | [.side, (if .side == "front" then .fields.id_number else .fields.validity end)] | @tsv'
}
record_cards() {
	jq -r '[.side, (if .side == "front" then .id_number else .validity end)] | @tsv' <<<"$output"
}

@test "the test photos hold no specimen segment and several cards each" {
	for f in "$PC" "$PAIRS" "$MULTI"; do
		run grep -c "FAIZ-SPECIMEN" "$f"
		assert_output 0
		[ "$(truth "$f" '.cards | length')" -ge 2 ]
	done
}

@test "a photocopy page: one record per card in reading order, each saying which card it is and the engine" {
	faiz --engine local -f ndjson "$PC"
	assert_success
	assert_records 2
	assert_equal "$(record_cards)" "$(truth_cards "$PC")"
	assert_equal "$(jq -c .card <<<"$output" | paste -sd' ')" '{"index":1,"count":2} {"index":2,"count":2}'
	assert_equal "$(jq -r .engine <<<"$output" | sort -u)" local
	assert_equal "$(jq -r .file <<<"$output" | sort -u)" "$PC"
	assert_equal "$(rec 1 .name)" "$(truth "$PC" '.cards[0].fields.name')"
	assert_equal "$(rec 2 .issue_authority)" "$(truth "$PC" '.cards[1].fields.issue_authority')"
	[[ "$stderr" == *"2 recognised, 0 failed, 0 skipped, 2 cards from 1 image of several, "* ]]
}

@test "several people's cards on one scan: the records follow the reading order of the truth" {
	faiz --engine local -f ndjson "$MULTI"
	assert_success
	n="$(truth "$MULTI" '.cards | length')"
	assert_records "$n"
	assert_equal "$(record_cards)" "$(truth_cards "$MULTI")"
	assert_equal "$(jq -r '"\(.card.index)/\(.card.count)"' <<<"$output" | paste -sd' ')" \
		"$(seq 1 "$n" | sed "s|\$|/$n|" | paste -sd' ')"
}

@test "six cards in two rows of three, one of them blurred: every card is found, in reading order" {
	grid="$IMG/grid-0000.jpg"
	assert_equal "$(truth "$grid" '.degradations[0]')" multi:2x3
	faiz --engine local -f ndjson "$grid"
	assert_success
	assert_records 6
	assert_equal "$(record_cards)" "$(truth_cards "$grid")"
	assert_equal "$(rec 1 .id_number)" "$(truth "$grid" '.cards[0].fields.id_number')"
	assert_equal "$(rec 6 .issue_authority)" "$(truth "$grid" '.cards[5].fields.issue_authority')"
}

@test "--save-images: each card its own images, STEM.cardK for the cards after the first, mode 0600" {
	faiz --engine local -f ndjson --save-images out "$PC"
	assert_success
	assert_equal "$(rec 1 .images.cropped)" out/photocopy-0000.cropped.jpg
	assert_equal "$(rec 1 .images.portrait)" out/photocopy-0000.portrait.jpg
	assert_equal "$(rec 1 .images.id_number)" out/photocopy-0000.id_number.jpg
	assert_equal "$(rec 2 .images.cropped)" out/photocopy-0000.card2.cropped.jpg
	# The back has no portrait and no number strip.
	assert_equal "$(rec 2 '.images | keys | join(",")')" cropped
	assert_equal "$(ls out | paste -sd' ')" \
		"photocopy-0000.card2.cropped.jpg photocopy-0000.cropped.jpg photocopy-0000.id_number.jpg photocopy-0000.portrait.jpg"
	for f in out/*; do
		assert_equal "$(stat -c %a "$f")" 600
		assert_equal "$(head -c 2 "$f" | od -An -tx1 | tr -d ' ')" ffd8
	done
	# The two crops are two cards, not one image twice.
	run cmp -s out/photocopy-0000.cropped.jpg out/photocopy-0000.card2.cropped.jpg
	assert_failure
	# A second run refuses to overwrite card 2's image as it does card 1's.
	faiz --engine local -f ndjson --save-images out "$PC"
	assert_failure
	assert_equal "$(rec 1 .error.code)" exists
}

@test "--save-images: a file named like the page's card 2 gets its own stem, and no image is overwritten" {
	mkdir pages
	cp "$PC" pages/page.jpg
	cp "$FIXTURES/card_back.jpg" pages/page.card2.jpg
	faiz --engine local -f ndjson --save-images out pages/page.jpg pages/page.card2.jpg
	assert_success
	assert_equal "$(rec 2 .images.cropped)" out/page.card2.cropped.jpg
	assert_equal "$(rec 3 .images.cropped)" out/page.card2-2.cropped.jpg
	assert_equal "$(ls out | grep -c cropped)" 3
	# Each crop is its own card.
	assert_equal "$(md5sum out/*cropped.jpg | cut -d' ' -f1 | sort -u | wc -l)" 3
}

@test "the same page twice: the duplicate gets a copy of every card's record and images under its own stems" {
	cp "$PC" copy.jpg
	faiz --engine local -f ndjson --save-images out "$PC" copy.jpg
	assert_success
	assert_records 4
	assert_equal "$(jq -r '.duplicate_of // "-"' <<<"$output" | paste -sd' ')" "- - $PC $PC"
	assert_equal "$(rec 3 .card.index)/$(rec 4 .card.index)" 1/2
	assert_equal "$(rec 4 .images.cropped)" out/copy.card2.cropped.jpg
	cmp out/photocopy-0000.card2.cropped.jpg out/copy.card2.cropped.jpg
	cmp out/photocopy-0000.portrait.jpg out/copy.portrait.jpg
	assert_equal "$(stat -c %a out/copy.card2.cropped.jpg)" 600
	[[ "$stderr" == *"2 recognised, 0 failed, 0 skipped, 2 duplicates, 4 cards from 2 images of several, "* ]]
}

@test "--pair: a photocopy's front and back are one person; two people on one scan are two persons" {
	faiz --engine local -f ndjson --pair "$PC" "$PAIRS"
	assert_success
	assert_records 3
	assert_equal "$(jq -c .cards <<<"$output" | paste -sd' ')" "[1,2] [1,2] [3,4]"
	assert_equal "$(jq -r .pairing <<<"$output" | sort -u)" consecutive
	assert_equal "$(rec 1 .file)" "$PC cards 1 + 2"
	assert_equal "$(rec 1 .name)/$(rec 1 .validity)" \
		"$(truth "$PC" '.cards[0].fields.name')/$(truth "$PC" '.cards[1].fields.validity')"
	# Each person's front with that person's back (the truth numbers the rows).
	for p in 1 2; do
		assert_equal "$(rec $((p + 1)) .id_number)/$(rec $((p + 1)) .validity)" \
			"$(truth "$PAIRS" "[.cards[] | select(.person == $p and .side == \"front\")][0].fields.id_number")/$(truth "$PAIRS" "[.cards[] | select(.person == $p and .side == \"back\")][0].fields.validity")"
	done
	assert_equal "$(jq -r .engine <<<"$output" | sort -u)" local
	assert_equal "$(jq '[.warnings[] | select(.code == "unpaired")] | length' <<<"$output" | sort -u)" 0
}

@test "--from-records --pair pairs the cards of a page read back from ndjson" {
	"$FAIZ" --engine local -f ndjson -q "$PAIRS" >recs.ndjson
	faiz --from-records recs.ndjson --pair -f ndjson
	assert_success
	assert_records 2
	assert_equal "$(jq -c .cards <<<"$output" | paste -sd' ')" "[1,2] [3,4]"
}

@test "--resume: a file of several cards is done only when every card is recorded" {
	faiz --engine local --resume rec.ndjson "$PC"
	assert_success
	assert_equal "$(wc -l <rec.ndjson)" 2
	# A run killed between the two cards' records left only the first.
	head -n 1 rec.ndjson >cut.ndjson
	mv cut.ndjson rec.ndjson
	chmod 600 rec.ndjson
	faiz --engine local --resume rec.ndjson "$PC"
	assert_success
	[[ "$stderr" == *"2 recognised, 0 failed, 0 skipped, "* ]]
	assert_equal "$(wc -l <rec.ndjson)" 3
	assert_equal "$(tail -n 2 rec.ndjson | jq -r .card.index | paste -sd' ')" "1 2"
	# Now complete: skipped, nothing appended.
	faiz --engine local --resume rec.ndjson "$PC"
	assert_success
	[[ "$stderr" == *"0 recognised, 0 failed, 1 skipped, "* ]]
	assert_equal "$(wc -l <rec.ndjson)" 3
}

@test "a killed run's journal: a page with every card journaled is taken, one with a card missing is recognised again" {
	"$FAIZ" --engine local -f ndjson -q "$PC" "$MULTI" >all.ndjson
	n="$(truth "$MULTI" '.cards | length')"
	# What a run killed during the second image's cards had journaled; the
	# first page's front is marked to tell a taken record from a new one.
	{
		jq -c --arg f "$PC" 'select(.file == $f) | if .card.index == 1 then .name = "JOURNALED" else . end' all.ndjson
		jq -c --arg f "$MULTI" 'select(.file == $f and .card.index == 1) | .name = "JOURNALED"' all.ndjson
	} >.out.ndjson.faiz-journal
	chmod 600 .out.ndjson.faiz-journal
	faiz --engine local -o out.ndjson "$PC" "$MULTI"
	assert_success
	[[ "$stderr" == *"2 of the records were taken from the journal"* ]]
	assert_equal "$(wc -l <out.ndjson)" $((2 + n))
	assert_equal "$(jq -r '.name // "-"' out.ndjson | grep -c JOURNALED)" 1
	assert_equal "$(sed -n 1p out.ndjson | jq -r .name)" JOURNALED
	assert_equal "$(jq -r --arg f "$MULTI" 'select(.file == $f) | .card.index' out.ndjson | paste -sd' ')" "$(seq 1 "$n" | paste -sd' ')"
	[ ! -e .out.ndjson.faiz-journal ]
}

@test "--summary counts images in total and records in the outcomes, with the cards from images of several" {
	faiz --engine local -f ndjson --summary sum.json "$PC" "$PAIRS"
	assert_success
	assert_equal "$(jq -c '[.total, .recognised, .multicard_images, .multicard_cards]' sum.json)" "[2,6,2,6]"
}

@test "csv and xlsx: engine, card_index and card_count columns; the table names the card" {
	faiz --engine local -f csv "$PC"
	assert_success
	run "$PYTHON" -c '
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(" ".join("%s:%s/%s" % (r["engine"], r["card_index"], r["card_count"]) for r in rows))
' <(printf '%s\n' "$output")
	assert_output "local:1/2 local:2/2"
	faiz --engine local -o rec.xlsx "$PC"
	assert_success
	run "$PYTHON" -c '
import openpyxl, sys
ws = openpyxl.load_workbook(sys.argv[1]).active
rows = list(ws.iter_rows(values_only=True))
h = rows[0]
print(" ".join("%s:%s/%s" % (r[h.index("engine")], r[h.index("card_index")], r[h.index("card_count")]) for r in rows[1:]))
' rec.xlsx
	assert_output "local:1/2 local:2/2"
	faiz --engine local -f table "$PC"
	assert_success
	[[ "$output" == *"photocopy-0000.jpg [card 1/2]"* ]]
	[[ "$output" == *"photocopy-0000.jpg [card 2/2]"* ]]
}

@test "the faiz engine's records say engine faiz, in ndjson and csv, and a dry run's too" {
	export FAIZ_ACCESS_KEY="$EMU_ACCESS_KEY" FAIZ_SECRET_KEY="$EMU_SECRET_KEY"
	card="$(cards)/front_zhangsan.jpg"
	faiz -f ndjson "$card"
	assert_success
	assert_equal "$(jq -r .engine <<<"$output")" faiz
	# The service counts no cards: no card key.
	assert_equal "$(jq -r 'has("card")' <<<"$output")" false
	faiz -f csv "$card"
	assert_success
	[[ "$(sed -n 1p <<<"$output")" == *",engine,card_index,card_count"$'\r' ]]
	[[ "$(sed -n 2p <<<"$output")" == *",faiz,,"$'\r' ]]
	faiz -f ndjson --dry-run "$card"
	assert_success
	assert_equal "$(jq -r .engine <<<"$output")" faiz
	# A file refused before any engine saw it still says whose run it was.
	faiz --engine local -f ndjson missing.jpg
	assert_equal "$(jq -r .engine <<<"$output")" local
}

@test "--dry-run with --engine local or FAIZ_ENGINE=local: the same usage error" {
	faiz --engine local --dry-run "$PC"
	assert_equal "$status" 2
	want="$(head -n 1 <<<"$stderr")"
	[[ "$want" == *"--dry-run is an option of the faiz engine"* ]]
	FAIZ_ENGINE=local faiz --dry-run "$PC"
	assert_equal "$status" 2
	assert_equal "$(head -n 1 <<<"$stderr")" "$want"
	assert_output ""
	FAIZ_ENGINE=nonsense faiz --dry-run "$PC"
	assert_equal "$status" 2
	[[ "$stderr" == *"FAIZ_ENGINE: unknown engine 'nonsense'"* ]]
	# --engine beats the variable, as everywhere.
	FAIZ_ENGINE=local faiz -f ndjson --engine faiz --dry-run "$PC"
	assert_success
	assert_equal "$(jq -r .dry_run <<<"$output")" true
}

@test "--text-lines -o lines.csv: the extension chooses formats of records only; the lines are ndjson" {
	faiz --text-lines -o lines.csv "$PC"
	assert_success
	[ "$(wc -l <lines.csv)" -gt 5 ]
	jq -e -s 'all(.[]; has("text") and has("box"))' lines.csv >/dev/null
	assert_equal "$(stat -c %a lines.csv)" 600
	# Records still take their format from the name.
	faiz --engine local -o rec.csv "$PC"
	assert_success
	assert_equal "$(head -c 5 rec.csv)" "file,"
}
