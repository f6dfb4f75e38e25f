# The local engine's saved images, time_cost and orientation handling (issue H.2, H.6): the rectified card, portrait and number strip as the service's, EXIF orientation applied, any quarter turn.

bats_require_minimum_version 1.5.0

load helper

setup_file() {
	export PHOTOS="$BATS_FILE_TMPDIR/photos" TURNED="$BATS_FILE_TMPDIR/turned"
	"$PYTHON" "$BATS_TEST_DIRNAME/mkphotos.py" set "$PHOTOS" --level clean --count 2 --seed 7 >/dev/null
	BACK=/work/shared/samples/card_back.jpg
	[ -f "$BACK" ] || BACK="$BATS_TEST_DIRNAME/../../shared/samples/card_back.jpg"
	mkdir -p "$TURNED"
	"$PYTHON" - "$BACK" "$TURNED" <<'PY'
import sys
from PIL import Image
back, d = sys.argv[1], sys.argv[2]
im = Image.open(back)
# Pixels stored turned a quarter anticlockwise, with the EXIF tag that says
# to turn them clockwise for display (orientation 6), and the mirror case (5):
# mirrored text is unreadable (no_card) unless the tag is applied.
ex = Image.Exif(); ex[0x0112] = 6
im.rotate(90, expand=True).save(d + "/exif6.jpg", quality=92, exif=ex)
ex = Image.Exif(); ex[0x0112] = 5
im.transpose(Image.Transpose.TRANSPOSE).save(d + "/exif5.jpg", quality=92, exif=ex)
for a in (90, 180, 270):
    im.rotate(a, expand=True).save(d + "/rot%d.jpg" % a, quality=92)
# Any angle, on a grey ground.
for a in (20, 60, 200, 300):
    im.rotate(a, expand=True, resample=Image.Resampling.BICUBIC,
              fillcolor=(90, 90, 90)).save(d + "/any%d.jpg" % a, quality=92)
PY
}

setup() {
	common_setup
}

@test "--save-images: the rectified card at the card's proportions, the portrait and the number strip of a front; the card of a back; all mode 0600" {
	run --separate-stderr "$FAIZ" --engine local -f ndjson --save-images "$BATS_TEST_TMPDIR/img" \
		"$PHOTOS/clean-0000.jpg" "$PHOTOS/clean-0001.jpg"
	assert_success
	front=$(jq -c 'select(.side == "front")' <<<"$output")
	back=$(jq -c 'select(.side == "back")' <<<"$output")
	assert_equal "$(jq -r '.images | keys | join(",")' <<<"$front")" "cropped,id_number,portrait"
	assert_equal "$(jq -r '.images | keys | join(",")' <<<"$back")" "cropped"
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/img")" 700
	sizes=$("$PYTHON" - "$(jq -r '.images.cropped' <<<"$front")" "$(jq -r '.images.portrait' <<<"$front")" \
		"$(jq -r '.images.id_number' <<<"$front")" "$(jq -r '.images.cropped' <<<"$back")" <<'PY'
import sys
from PIL import Image
for p in sys.argv[1:]:
    w, h = Image.open(p).size
    print(w, h)
PY
)
	# The card: 856x540 (85.6 x 54 mm); the portrait taller than wide; the strip one text line.
	read -r cw ch pw ph nw nh bw bh <<<"$(tr '\n' ' ' <<<"$sizes")"
	assert_equal "$cw x $ch" "856 x 540"
	assert_equal "$bw x $bh" "856 x 540"
	(( ph > pw && pw > 150 ))
	(( nw > 8 * nh && nh > 15 ))
	for f in "$BATS_TEST_TMPDIR"/img/*; do
		assert_equal "$(stat -c %a "$f")" 600
	done
	assert_equal "$(ls "$BATS_TEST_TMPDIR/img" | wc -l)" 4
}

@test "time_cost gives the preprocess and recognise milliseconds, both measured" {
	run --separate-stderr "$FAIZ" --engine local -f ndjson "$PHOTOS/clean-0000.jpg"
	assert_success
	assert_equal "$(jq -r '.time_cost | keys | join(",")' <<<"$output")" "preprocess,recognize"
	[ "$(jq -r '.time_cost.preprocess > 0 and .time_cost.recognize > 0 and (.time_cost.recognize | floor) == .time_cost.recognize' <<<"$output")" = true ]
}

@test "EXIF orientation is applied and any turn is read: the real back, nine ways" {
	run --separate-stderr "$FAIZ" --engine local -f ndjson "$TURNED"
	assert_success
	assert_equal "$(jq -r '[.issue_authority, .validity] | join(" ")' <<<"$output" | sort -u)" \
		"瑞金市公安局 2017.07.19-2027.07.19"
	assert_equal "$(jq -s 'length' <<<"$output")" 9
	assert_equal "$(jq -r '.warnings | length' <<<"$output" | sort -u)" 0
}
