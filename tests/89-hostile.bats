# Hostile pictures given to the local engine (issue H.11): each gets its own clear per-image error naming the file, the others are recognised, nothing is lost.

bats_require_minimum_version 1.5.0

load helper

setup_file() {
	export HOSTILE="$BATS_FILE_TMPDIR/hostile"
	mkdir -p "$HOSTILE"
	"$PYTHON" - "$HOSTILE" <<'PY'
import sys
from PIL import Image, ImageDraw, ImageFont
d = sys.argv[1]
Image.new("RGB", (800, 600), (30, 120, 200)).save(d + "/flat.jpg", quality=90)
Image.new("RGB", (40, 30), (200, 200, 200)).save(d + "/tiny.jpg")
Image.new("RGB", (21000, 60), (200, 200, 200)).save(d + "/wide.jpg")
Image.new("L", (11000, 11000), 128).save(d + "/huge.jpg", quality=50)
im = Image.new("RGB", (1200, 900), (255, 255, 255))
dr = ImageDraw.Draw(im)
font = ImageFont.truetype("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 40)
for i, t in enumerate(["会议通知", "各位同事：本周五下午三点", "在三楼会议室召开年度总结会议",
                       "请准时参加，谢谢。", "行政部 2026年11月30日"]):
    dr.text((80, 80 + i * 120), t, fill=(0, 0, 0), font=font)
im.save(d + "/text.jpg", quality=90)
PY
	BACK=/work/shared/samples/card_back.jpg
	[ -f "$BACK" ] || BACK="$BATS_TEST_DIRNAME/../../shared/samples/card_back.jpg"
	cp "$BACK" "$HOSTILE/back.jpg"
	head -c "$(($(stat -c %s "$BACK") / 3))" "$BACK" >"$HOSTILE/trunc.jpg"
}

setup() {
	common_setup
}

@test "each hostile picture gets its own error naming the file; the real back is still recognised; exit 1" {
	run --separate-stderr "$FAIZ" --engine local -f ndjson -o "$BATS_TEST_TMPDIR/out.ndjson" "$HOSTILE"
	assert_equal "$status" 1
	out="$BATS_TEST_TMPDIR/out.ndjson"
	assert_equal "$(stat -c %a "$out")" 600
	got=$(jq -r '[(.file | split("/") | last), (.error.code // "ok")] | join(" ")' "$out" | sort)
	assert_equal "$got" "back.jpg ok
flat.jpg no_card
huge.jpg image_size
text.jpg no_card
tiny.jpg image_size
trunc.jpg truncated
wide.jpg image_size"
	assert_equal "$(jq -r 'select(.error == null) | .issue_authority' "$out")" "瑞金市公安局"
	# No field from a picture that is not a card.
	assert_equal "$(jq -c 'select(.error != null) | [.side, .name, .id_number, .issue_authority]' "$out" | sort -u)" '[null,null,null,null]'
	# stderr names each failed file with its reason, one line each.
	for f in flat tiny wide huge text trunc; do
		grep -q "^faiz-idcard: $HOSTILE/$f.jpg: ." <<<"$stderr" || fail "no message for $f.jpg: $stderr"
	done
	grep -q "^faiz-idcard: $HOSTILE/tiny.jpg: .*64 to 20000 pixels" <<<"$stderr"
	[[ "$(tail -n 1 <<<"$stderr")" == "faiz-idcard: 1 recognised, 6 failed, "*", local engine (nothing sent)" ]]
}

@test "--strict does not turn a hostile picture's error into a crash, and a one-picture run exits 1 with its record" {
	run --separate-stderr "$FAIZ" --engine local --strict -f json "$HOSTILE/text.jpg"
	assert_equal "$status" 1
	assert_equal "$(jq -r '.[0].error.code' <<<"$output")" no_card
}

@test "every error code of the local engine is documented under Error codes in the man page" {
	codes=$(cat "$BATS_TEST_DIRNAME"/../src/loc_read.h "$BATS_TEST_DIRNAME"/../src/loc_engine.h |
		sed -n 's/^#define LOC_[A-Z_]* "\([a-z_]*\)".*/\1/p' | sort -u)
	[ "$(wc -w <<<"$codes")" -ge 3 ]
	assert_equal "$(man_missing 'Error codes' $codes)" ""
}
