# Image preparation (issue B): EXIF orientation baked in, downscaling, re-encoding to fit, small_image, --no-resize, --dry-run.
bats_require_minimum_version 1.5.0
load helper

setup_file() {
	emu_start
	local d="$BATS_FILE_TMPDIR/p" o
	mkdir -p "$d"
	# r1 is the upright reference; rN stores the same card so that EXIF orientation N shows it upright.
	for o in 1 2 3 4 5 6 7 8; do
		"$PYTHON" "$MKCARDS" front -o "$d/r$o.jpg" --exif-orientation "$o" >&2
	done
	"$PYTHON" "$MKCARDS" front -o "$d/big.jpg" --width 6000 >&2
	"$PYTHON" "$MKCARDS" front -o "$d/noisy.jpg" --width 4000 --noise >&2
	"$PYTHON" "$MKCARDS" front -o "$d/small.jpg" --width 600 >&2
	# A one-shot HTTP server that keeps the body of each POST (capture/N.body) and answers 40007.
	cat >"$BATS_FILE_TMPDIR/capture.py" <<'EOF'
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
out, portfile = sys.argv[1], sys.argv[2]
n = [0]
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        n[0] += 1
        with open(os.path.join(out, "%d.body" % n[0]), "wb") as f:
            f.write(body)
        with open(os.path.join(out, "%d.hdr" % n[0]), "w") as f:
            json.dump({k.lower(): v for k, v in self.headers.items()}, f)
        text = json.dumps({"code": "0", "data": {"error_code": 40007, "error_msg": "fail to recognize"},
                           "desc": "success", "sid": "capture"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)
    def log_message(self, *a):
        pass
s = HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
EOF
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	P="$BATS_FILE_TMPDIR/p"
	ID_ZHANG=440105199208220038
}

teardown() {
	if [ -n "${CAP_PID:-}" ]; then
		kill "$CAP_PID" 2>/dev/null
		wait "$CAP_PID" 2>/dev/null
	fi
	return 0
}

# --- helpers ---------------------------------------------------------------------


faiz() { run --separate-stderr "$FAIZ" --rate 50 --retries 1 -j 1 "$@"; }

rec() { printf '%s\n' "${lines[$1]}" | jq -r "$2"; }

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# size FILE: "WxH" as PIL reads it.
size() {
	"$PYTHON" -c 'import sys; from PIL import Image; w, h = Image.open(sys.argv[1]).size; print("%dx%d" % (w, h))' "$1"
}

# upright IMG: IMG shows the reference card r1.jpg as it is, and not turned or mirrored
# (mean absolute grey difference under 5 against r1, over 10 against each other orientation).
upright() {
	"$PYTHON" - "$1" "$P/r1.jpg" <<'EOF'
import sys
from PIL import Image, ImageChops, ImageStat
img = Image.open(sys.argv[1]).convert("L")
ref = Image.open(sys.argv[2]).convert("L")
assert img.size == ref.size, "size %r, want %r" % (img.size, ref.size)
def diff(a, b):
    return ImageStat.Stat(ImageChops.difference(a, b)).mean[0]
T = Image.Transpose
d0 = diff(img, ref)
assert d0 < 5, "differs from the upright card by %.2f" % d0
for t in (T.ROTATE_180, T.FLIP_LEFT_RIGHT, T.FLIP_TOP_BOTTOM):
    d = diff(img, ref.transpose(t))
    assert d > 10 and d > 3 * d0, "as close to a turned card (%s: %.2f) as to the upright one (%.2f)" % (t, d, d0)
EOF
}

# has_exif FILE: an APP1 "Exif\0\0" segment before the scan.
has_exif() {
	"$PYTHON" - "$1" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
assert d[:2] == b"\xff\xd8", "no SOI"
i = 2
while i + 4 <= len(d) and d[i] == 0xFF:
    m = d[i + 1]
    if m == 0xFF:
        i += 1
        continue
    if m == 0xDA or m == 0xD9:
        break
    n = int.from_bytes(d[i + 2:i + 4], "big")
    if m == 0xE1 and d[i + 4:i + 10] == b"Exif\0\0":
        sys.exit(0)
    i += 2 + n
sys.exit(1)
EOF
}

# --- EXIF orientation ------------------------------------------------------------

@test "EXIF orientation 6: sent upright and re-encoded, recognised, the original untouched" {
	cp "$P/r6.jpg" card.jpg
	before="$(sha card.jpg)"
	has_exif card.jpg
	faiz --save-images out --images cropped card.jpg
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 1
	assert_equal "$(rec 0 .error)" null
	assert_equal "$(rec 0 .name)" 张三
	assert_equal "$(rec 0 .id_number)" "$ID_ZHANG"
	assert_equal "$(rec 0 .prepared.rotated)" 90
	assert_equal "$(rec 0 '.prepared.reencoded | type')" object
	assert_equal "$(rec 0 .prepared.reencoded.from)" "$(stat -c %s card.jpg)"
	assert_equal "$(rec 0 '.prepared | has("resized")')" false
	assert_equal "$(rec 0 .warnings)" "[]"
	# The file is not modified; sha256 is the original's.
	assert_equal "$(sha card.jpg)" "$before"
	assert_equal "$(rec 0 .sha256)" "$before"
	# What was sent: a new body (not the file's bytes), of the size the record says.
	assert_equal "$(nreq)" 1
	body_sha="$(emu_requests | jq -r '.[0].body_sha256')"
	[ "$body_sha" != "$before" ]
	assert_equal "$(emu_requests | jq -r '.[0].body_len')" "$(rec 0 .prepared.reencoded.to)"
	# The emulator's cropped image is the upload decoded and re-encoded: landscape and upright.
	assert_equal "$(size out/card.cropped.jpg)" "$(size "$P/r1.jpg")"
	assert_equal "$(size card.jpg)" 757x1200
	upright out/card.cropped.jpg
}

@test "EXIF orientation 6: the bytes sent are a JPEG without EXIF, upright size, the same upload the emulator got" {
	cp "$P/r6.jpg" card.jpg
	# The emulator's view of the upload.
	faiz card.jpg
	assert_equal "$status" 0
	emu_sha="$(emu_requests | jq -r '.[0].body_sha256')"
	emu_len="$(emu_requests | jq -r '.[0].body_len')"
	# The same run against a server that keeps the body.
	mkdir capture
	"$PYTHON" "$BATS_FILE_TMPDIR/capture.py" capture cap.port 3>&- &
	CAP_PID=$!
	for _ in $(seq 50); do [ -s cap.port ] && break; sleep 0.1; done
	[ -s cap.port ]
	faiz --endpoint "http://127.0.0.1:$(cat cap.port)" card.jpg
	assert_equal "$status" 1
	assert_equal "$(rec 0 .error.code)" 40007
	[ -f capture/1.body ]
	[ ! -f capture/2.body ]
	assert_equal "$(sha capture/1.body)" "$emu_sha"
	assert_equal "$(stat -c %s capture/1.body)" "$emu_len"
	# The body header is the SHA-256 of what was sent.
	assert_equal "$(jq -r .body capture/1.hdr)" "$emu_sha"
	assert_equal "$(head -c 2 capture/1.body | od -An -tx1 | tr -d ' \n')" ffd8
	if has_exif capture/1.body; then
		echo 'the body sent still has an EXIF segment' >&2
		return 1
	fi
	assert_equal "$(size capture/1.body)" 1200x757
	upright capture/1.body
}

@test "all 8 EXIF orientations: the right rotated name and an upright card sent" {
	faiz --save-images out --images cropped "$P"/r[1-8].jpg
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 8
	assert_equal "$(printf '%s\n' "${lines[@]}" | jq -c '.prepared.rotated')" \
		"$(printf '%s\n' null '"mirror"' '"180"' '"flip"' '"transpose"' '"90"' '"transverse"' '"270"')"
	# Orientation 1 needs nothing: sent as it is.
	assert_equal "$(rec 0 .prepared)" null
	for i in 0 1 2 3 4 5 6 7; do
		assert_equal "$(rec "$i" .name)" 张三
		assert_equal "$(rec "$i" .error)" null
	done
	assert_equal "$(nreq)" 8
	for o in 1 2 3 4 5 6 7 8; do
		upright "out/r$o.cropped.jpg" || {
			echo "orientation $o: the card sent is not upright" >&2
			return 1
		}
	done
}

# --- downscaling and re-encoding ------------------------------------------------

@test "a 6000-pixel-wide card is scaled to 4000 wide: prepared.resized from/to, the crop is 4000 wide" {
	cp "$P/big.jpg" big.jpg
	before="$(sha big.jpg)"
	read -r w h < <(size big.jpg | tr x ' ')
	assert_equal "$w" 6000
	faiz --save-images out --images cropped big.jpg
	assert_equal "$status" 0
	assert_equal "$(rec 0 .name)" 张三
	assert_equal "$(rec 0 '.prepared.resized.from | tojson')" "[$w,$h]"
	want_h=$(((h * 4000 + 3000) / 6000))
	assert_equal "$(rec 0 '.prepared.resized.to | tojson')" "[4000,$want_h]"
	assert_equal "$(rec 0 '.prepared | has("rotated")')" false
	assert_equal "$(size out/big.cropped.jpg)" "4000x$want_h"
	len="$(emu_requests | jq -r '.[0].body_len')"
	((len <= 3145728))
	assert_equal "$(sha big.jpg)" "$before"
	assert_equal "$(rec 0 .sha256)" "$before"
}

@test "the ~11 MB noisy 4000-wide card is re-encoded under 3145728 bytes and recognised; original untouched" {
	cp "$P/noisy.jpg" noisy.jpg
	orig_len="$(stat -c %s noisy.jpg)"
	((orig_len > 3145728))
	before="$(sha noisy.jpg)"
	faiz noisy.jpg
	assert_equal "$status" 0
	assert_equal "$(rec 0 .error)" null
	assert_equal "$(rec 0 .name)" 张三
	assert_equal "$(rec 0 .prepared.reencoded.from)" "$orig_len"
	to="$(rec 0 .prepared.reencoded.to)"
	((to <= 3145728))
	[[ " 92 85 75 65 50 " == *" $(rec 0 .prepared.reencoded.quality) "* ]]
	assert_equal "$(nreq)" 1
	len="$(emu_requests | jq -r '.[0].body_len')"
	((len <= 3145728))
	assert_equal "$len" "$to"
	assert_equal "$(sha noisy.jpg)" "$before"
	assert_equal "$(rec 0 .sha256)" "$before"
}

# --- small images ----------------------------------------------------------------

@test "a card 600 px wide: sent as it is with the warning small_image; the table STATUS says so" {
	cp "$P/small.jpg" small.jpg
	faiz small.jpg
	assert_equal "$status" 0
	assert_equal "$(rec 0 .error)" null
	assert_equal "$(rec 0 .prepared)" null
	assert_equal "$(rec 0 '[.warnings[].code]' | jq -c .)" '["small_image"]'
	assert_equal "$(rec 0 '.warnings[0].message | length > 0')" true
	assert_equal "$(emu_requests | jq -r '.[0].body_sha256')" "$(sha small.jpg)"
	faiz -f table small.jpg
	assert_equal "$status" 0
	printf '%s\n' "$output" | grep '^small\.jpg ' | grep -q small_image
}

# --- --no-resize -----------------------------------------------------------------

@test "--no-resize: the rotated file's bytes are sent untouched; the 11 MB file is too_large and not sent" {
	cp "$P/r6.jpg" card.jpg
	cp "$P/noisy.jpg" noisy.jpg
	faiz --no-resize card.jpg noisy.jpg
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 2
	assert_equal "$(rec 0 .error)" null
	assert_equal "$(rec 0 .prepared)" null
	assert_equal "$(rec 1 .error.code)" too_large
	assert_equal "$(rec 1 .prepared)" null
	assert_equal "$(nreq)" 1
	assert_equal "$(emu_requests | jq -r '.[0].body_sha256')" "$(sha card.jpg)"
	assert_equal "$(emu_requests | jq -r '.[0].body_len')" "$(stat -c %s card.jpg)"
	printf '%s\n' "$stderr" | grep -q '^faiz-idcard: noisy.jpg: '
}

@test "--no-resize: a 6000-pixel card is image_size, not sent" {
	cp "$P/big.jpg" big.jpg
	faiz --no-resize big.jpg
	assert_equal "$status" 1
	assert_equal "$(rec 0 .error.code)" image_size
	assert_equal "$(nreq)" 0
}

# --- --dry-run -------------------------------------------------------------------

@test "--dry-run: the planned preparation of each image, the cost, no request" {
	cp "$P/r6.jpg" card.jpg
	cp "$P/big.jpg" big.jpg
	cp "$P/noisy.jpg" noisy.jpg
	cp "$P/small.jpg" small.jpg
	read -r w h < <(size big.jpg | tr x ' ')
	faiz --dry-run card.jpg big.jpg noisy.jpg small.jpg
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 4
	for i in 0 1 2 3; do
		assert_equal "$(rec "$i" .dry_run)" true
		assert_equal "$(rec "$i" .error)" null
	done
	assert_equal "$(rec 0 .prepared.rotated)" 90
	assert_equal "$(rec 1 '.prepared.resized | tojson')" "{\"from\":[$w,$h],\"to\":[4000,$(((h * 4000 + 3000) / 6000))]}"
	assert_equal "$(rec 2 .prepared.reencoded.from)" "$(stat -c %s noisy.jpg)"
	assert_equal "$(rec 3 .prepared)" null
	assert_equal "$(rec 3 '[.warnings[].code] | tojson')" '["small_image"]'
	assert_equal "$(rec 0 .sha256)" "$(sha card.jpg)"
	assert_equal "$(nreq)" 0
	printf '%s\n' "$stderr" | grep -q '^faiz-idcard: dry run: 4 images would be sent, costing 40 points'
}

@test "--dry-run --no-resize: nothing planned, the limits applied locally, no request" {
	cp "$P/r6.jpg" card.jpg
	cp "$P/noisy.jpg" noisy.jpg
	faiz --dry-run --no-resize card.jpg noisy.jpg
	assert_equal "$status" 1
	assert_equal "$(rec 0 .prepared)" null
	assert_equal "$(rec 0 .dry_run)" true
	assert_equal "$(rec 1 .error.code)" too_large
	assert_equal "$(nreq)" 0
	printf '%s\n' "$stderr" | grep -q '^faiz-idcard: dry run: 1 images\? would be sent, costing 10 points; 1 refused locally'
}
