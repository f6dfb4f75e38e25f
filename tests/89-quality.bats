# The quality flags end to end (issue H.5): synthetic photos from tests/mkphotos.py through the CLI's local engine, each record's gray_image, border_covered, head_blurred and head_covered against the truth written beside the photo.

bats_require_minimum_version 1.5.0

load helper

# mkphotos.py flags: one good-level photo per case, with exactly the
# degradation its name says (flag-plain has none); a photocopy page is the
# grey case of two cards. No photo carries the specimen segment.
setup_file() {
	IMG="$BATS_FILE_TMPDIR/img"
	"$PYTHON" "$HELPER_DIR/mkphotos.py" flags "$IMG" --seed 1 >&2
	"$PYTHON" "$HELPER_DIR/mkphotos.py" set "$IMG" --level photocopy --count 1 --seed 12 >&2
}

setup() {
	common_setup
	IMG="$BATS_FILE_TMPDIR/img"
	unset FAIZ_ACCESS_KEY FAIZ_SECRET_KEY FAIZ_PROFILE FAIZ_CONFIG FAIZ_ENGINE
}

FLAGS='[.gray_image, .border_covered, .head_blurred, .head_covered]'

# The flags the truth gives each card of a photo, one line per card.
truth_flags() {
	jq -c '.gray_image as $g | .cards[] | [$g, .border_covered, .head_blurred, .head_covered]' "${1%.jpg}.json"
}

# check CASE...: the CLI's record flags for each flag-CASE.jpg equal its truth;
# prints the records' flags, one line per card.
check() {
	local c f
	for c in "$@"; do
		f="$IMG/flag-$c.jpg"
		run grep -c FAIZ-SPECIMEN "$f"
		assert_output 0
		run --separate-stderr "$FAIZ" --engine local -f ndjson "$f"
		assert_success
		assert_equal "$(jq -r .error <<<"$output")" null
		assert_equal "$(jq -c "$FLAGS" <<<"$output")" "$(truth_flags "$f")"
	done
}

@test "a clean card, front and back: every flag false" {
	check plain plain_back
	for c in plain plain_back; do
		assert_equal "$(truth_flags "$IMG/flag-$c.jpg")" "[false,false,false,false]"
	done
}

@test "a black-and-white photo and a photocopy page: gray_image on every card" {
	check gray
	assert_equal "$(truth_flags "$IMG/flag-gray.jpg")" "[true,false,false,false]"
	f="$IMG/photocopy-0000.jpg"
	run --separate-stderr "$FAIZ" --engine local -f ndjson "$f"
	assert_success
	assert_records 2
	assert_equal "$(jq -r .gray_image <<<"$output" | paste -sd' ')" "true true"
	assert_equal "$(jq -c .gray_image <<<"$output" | paste -sd' ')" \
		"$(jq -c '.gray_image as $g | .cards[] | $g' "${f%.jpg}.json" | paste -sd' ')"
}

@test "a card cut by the frame, and an object over a card's edge (front and back): border_covered" {
	check cut edge edge_back
	for c in cut edge edge_back; do
		assert_equal "$(truth_flags "$IMG/flag-$c.jpg")" "[false,true,false,false]"
	done
}

@test "a blurred portrait: head_blurred, and nothing else" {
	check head_blur
	assert_equal "$(truth_flags "$IMG/flag-head_blur.jpg")" "[false,false,true,false]"
}

@test "a note or a coin over the portrait: head_covered, and nothing else" {
	check head_note head_coin
	for c in head_note head_coin; do
		assert_equal "$(truth_flags "$IMG/flag-$c.jpg")" "[false,false,false,true]"
	done
}

@test "the flags reach the csv columns too" {
	f="$IMG/flag-head_note.jpg"
	run --separate-stderr "$FAIZ" --engine local -f csv "$f"
	assert_success
	run "$PYTHON" -c '
import csv, sys
r = next(csv.DictReader(open(sys.argv[1], newline="")))
print(",".join(r[k] for k in ("gray_image", "border_covered", "head_blurred", "head_covered")))
' <(printf '%s\n' "$output")
	assert_output "false,false,false,true"
}
