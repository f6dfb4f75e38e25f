# --save-images, --images, --force and -o FILE: what is written, with which modes, and what is never clobbered.

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
	CARDS="$(cards)"
	FRONT="$CARDS/front_zhangsan.jpg"
	BACK="$CARDS/back_zhangsan.jpg"
}


faiz() { run --separate-stderr "$FAIZ" --rate 50 --retries 1 "$@"; }

# is_jpeg FILE: starts FF D8 FF and PIL can decode it.
is_jpeg() {
	[ "$(head -c 3 "$1" | od -An -tx1 | tr -d ' \n')" = ffd8ff ] || {
		echo "$1 does not start FF D8 FF" >&2
		return 1
	}
	"$PYTHON" -c 'import sys; from PIL import Image; im = Image.open(sys.argv[1]); assert im.format == "JPEG"; im.load()' "$1"
}

# no_temp DIR: nothing hidden (temp or dot files) left in DIR.
no_temp() {
	local left
	left="$(find "$1" -mindepth 1 -name '.*' -o -mindepth 1 -name '*.tmp' -o -mindepth 1 -name '*~')"
	assert_equal "$left" ""
}

# listing DIR: sorted names in DIR, one a line.
listing() { (cd "$1" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort); }

@test "a front saves cropped, portrait and id_number JPEGs, mode 0600, DIR created 0700" {
	faiz --save-images out "$FRONT"
	assert_equal "$status" 0
	assert_equal "$(stat -c %a out)" 700
	assert_equal "$(listing out)" "$(printf '%s\n' front_zhangsan.cropped.jpg front_zhangsan.id_number.jpg front_zhangsan.portrait.jpg)"
	local k
	for k in cropped portrait id_number; do
		is_jpeg "out/front_zhangsan.$k.jpg"
		assert_equal "$(stat -c %a "out/front_zhangsan.$k.jpg")" 600
		assert_equal "$(jq -r ".images.$k" <<<"$output")" "out/front_zhangsan.$k.jpg"
	done
	assert_equal "$(jq -r '.images | keys | length' <<<"$output")" 3
	no_temp out
}

@test "modes are exactly 0700 and 0600 even with umask 000" {
	umask 000
	faiz --save-images out "$FRONT"
	assert_equal "$status" 0
	assert_equal "$(stat -c %a out)" 700
	local f
	for f in out/*; do
		assert_equal "$(stat -c %a "$f")" 600
	done
	assert_equal "$(listing out | wc -l)" 3
}

@test "a back saves only the cropped image" {
	faiz --save-images out "$BACK"
	assert_equal "$status" 0
	assert_equal "$(listing out)" back_zhangsan.cropped.jpg
	is_jpeg out/back_zhangsan.cropped.jpg
	assert_equal "$(stat -c %a out/back_zhangsan.cropped.jpg)" 600
	assert_equal "$(jq -c '.images' <<<"$output")" '{"cropped":"out/back_zhangsan.cropped.jpg"}'
}

@test "the images paths are the saved paths, also in json and csv" {
	faiz -f json --save-images "$BATS_TEST_TMPDIR/abs" "$FRONT" "$BACK"
	assert_equal "$status" 0
	assert_equal "$(jq -r '.[0].images.portrait' <<<"$output")" "$BATS_TEST_TMPDIR/abs/front_zhangsan.portrait.jpg"
	assert_equal "$(jq -r '.[1].images.cropped' <<<"$output")" "$BATS_TEST_TMPDIR/abs/back_zhangsan.cropped.jpg"
	local p
	for p in $(jq -r '.[].images[]' <<<"$output"); do
		[ -f "$p" ]
	done
	emu_reset
	faiz -f csv --save-images csvout "$FRONT"
	assert_equal "$status" 0
	grep -qF 'csvout/front_zhangsan.cropped.jpg,csvout/front_zhangsan.portrait.jpg,csvout/front_zhangsan.id_number.jpg' <<<"$output"
}

@test "without --save-images the images object is empty and nothing is written" {
	faiz "$FRONT"
	assert_equal "$status" 0
	assert_equal "$(jq -c '.images' <<<"$output")" '{}'
	assert_equal "$(find . -name '*.jpg' | wc -l)" 0
}

@test "--images portrait saves only the portrait" {
	faiz --save-images out --images portrait "$FRONT"
	assert_equal "$status" 0
	assert_equal "$(listing out)" front_zhangsan.portrait.jpg
	is_jpeg out/front_zhangsan.portrait.jpg
	assert_equal "$(jq -c '.images' <<<"$output")" '{"portrait":"out/front_zhangsan.portrait.jpg"}'
}

@test "--images cropped,id_number saves those two" {
	faiz --save-images out --images cropped,id_number "$FRONT"
	assert_equal "$status" 0
	assert_equal "$(listing out)" "$(printf '%s\n' front_zhangsan.cropped.jpg front_zhangsan.id_number.jpg)"
	assert_equal "$(jq -c '.images | keys' <<<"$output")" '["cropped","id_number"]'
}

@test "--images without --save-images is exit 2 and nothing is sent" {
	faiz --images portrait "$FRONT"
	assert_equal "$status" 2
	assert_equal "$output" ""
	grep -qF -- '--images' <<<"$stderr"
	assert_equal "$(nreq)" 0
}

@test "--images with an unknown kind is exit 2" {
	faiz --save-images out --images portrait,face "$FRONT"
	assert_equal "$status" 2
	assert_equal "$(nreq)" 0
}

@test "an existing target: error exists, exit 1, file untouched, no request sent" {
	mkdir -m 0700 out
	echo "keep me" >out/front_zhangsan.portrait.jpg
	faiz --save-images out "$FRONT"
	assert_equal "$status" 1
	assert_equal "$(jq -r '.error.code' <<<"$output")" exists
	grep -qF 'front_zhangsan.portrait.jpg' <<<"$(jq -r '.error.message' <<<"$output")"
	grep -qF "faiz-idcard: $FRONT: " <<<"$stderr"
	assert_equal "$(cat out/front_zhangsan.portrait.jpg)" "keep me"
	# All or nothing: the other two were not written either.
	assert_equal "$(listing out)" front_zhangsan.portrait.jpg
	assert_equal "$(nreq)" 0
	assert_equal "$(emu_stats | jq -r '.charged')" 0
	no_temp out
}

@test "an existing target of an image kind not asked for does not block" {
	mkdir -m 0700 out
	echo "keep me" >out/front_zhangsan.cropped.jpg
	faiz --save-images out --images portrait "$FRONT"
	assert_equal "$status" 0
	assert_equal "$(cat out/front_zhangsan.cropped.jpg)" "keep me"
	is_jpeg out/front_zhangsan.portrait.jpg
}

@test "--force overwrites existing saved images" {
	mkdir -m 0700 out
	echo "old" >out/front_zhangsan.cropped.jpg
	chmod 0644 out/front_zhangsan.cropped.jpg
	faiz --save-images out --force "$FRONT"
	assert_equal "$status" 0
	is_jpeg out/front_zhangsan.cropped.jpg
	assert_equal "$(stat -c %a out/front_zhangsan.cropped.jpg)" 600
	assert_equal "$(jq -r '.images.cropped' <<<"$output")" out/front_zhangsan.cropped.jpg
	assert_equal "$(nreq)" 1
	no_temp out
}

@test "same stem from two directories: x.* and x-2.*, nothing overwritten" {
	mkdir a b
	cp "$FRONT" a/x.jpg
	cp "$CARDS/front_lisi.jpg" b/x.jpg
	faiz --save-images out a/x.jpg b/x.jpg
	assert_equal "$status" 0
	assert_equal "$(listing out)" "$(printf '%s\n' x-2.cropped.jpg x-2.id_number.jpg x-2.portrait.jpg x.cropped.jpg x.id_number.jpg x.portrait.jpg)"
	assert_equal "$(jq -rs '.[0].images.cropped' <<<"$output")" out/x.cropped.jpg
	assert_equal "$(jq -rs '.[1].images.cropped' <<<"$output")" out/x-2.cropped.jpg
	assert_equal "$(jq -rs '.[1].images.id_number' <<<"$output")" out/x-2.id_number.jpg
	local k
	for k in cropped portrait id_number; do
		is_jpeg "out/x.$k.jpg"
		is_jpeg "out/x-2.$k.jpg"
		! cmp -s "out/x.$k.jpg" "out/x-2.$k.jpg"
	done
	no_temp out
}

@test "25 folders of front.jpg with -r: front, front-2 ... front-25 in input order" {
	local i d want=() got
	for i in $(seq -w 1 25); do
		mkdir -p "people/p$i"
		distinct "$FRONT" "people/p$i/front.jpg" "$i"
	done
	# A hang guard only (the run takes about a second): the old naming
	# spun before the first upload and ignored SIGTERM.
	run --separate-stderr timeout -s KILL 120 "$FAIZ" --rate 50 --retries 1 -r --save-images out people/
	assert_equal "$status" 0
	assert_records 25
	assert_equal "$(nreq)" 25
	for i in $(seq 1 25); do
		d="$(printf 'people/p%02d/front.jpg' "$i")"
		if [ "$i" -eq 1 ]; then got=front; else got="front-$i"; fi
		assert_equal "$(jq -r .file <<<"${lines[$((i - 1))]}")" "$d"
		assert_equal "$(jq -r .images.cropped <<<"${lines[$((i - 1))]}")" "out/$got.cropped.jpg"
		want+=("$got.cropped.jpg" "$got.id_number.jpg" "$got.portrait.jpg")
	done
	assert_equal "$(listing out)" "$(printf '%s\n' "${want[@]}" | LC_ALL=C sort)"
	no_temp out
}

@test "a symlink at the target name is not followed without --force" {
	mkdir -m 0700 out
	echo "victim" >victim.txt
	ln -s ../victim.txt out/front_zhangsan.cropped.jpg
	faiz --save-images out "$FRONT"
	assert_equal "$status" 1
	assert_equal "$(jq -r '.error.code' <<<"$output")" exists
	assert_equal "$(cat victim.txt)" victim
	[ -L out/front_zhangsan.cropped.jpg ]
	assert_equal "$(nreq)" 0
	no_temp out
}

@test "a symlink at the target name is not followed with --force" {
	mkdir -m 0700 out
	echo "victim" >victim.txt
	ln -s ../victim.txt out/front_zhangsan.cropped.jpg
	faiz --save-images out --force "$FRONT"
	assert_equal "$(cat victim.txt)" victim
	# Either the link was replaced by the new image or the run refused it; never written through.
	if [ -L out/front_zhangsan.cropped.jpg ]; then
		assert_equal "$status" 1
		assert_equal "$(readlink out/front_zhangsan.cropped.jpg)" ../victim.txt
	else
		assert_equal "$status" 0
		is_jpeg out/front_zhangsan.cropped.jpg
		assert_equal "$(stat -c %a out/front_zhangsan.cropped.jpg)" 600
	fi
	no_temp out
}

@test "a dangling symlink at the target name is not followed with --force" {
	mkdir -m 0700 out
	ln -s ../created-through-link.jpg out/front_zhangsan.portrait.jpg
	faiz --save-images out --force "$FRONT"
	[ ! -e created-through-link.jpg ]
	no_temp out
}

@test "fault bad-base64: bad_image, exit 1, nothing written in DIR" {
	emu_faults '["bad-base64"]'
	faiz --save-images out "$FRONT"
	assert_equal "$status" 1
	assert_equal "$(jq -r '.error.code' <<<"$output")" bad_image
	grep -qF "faiz-idcard: $FRONT: " <<<"$stderr"
	if [ -d out ]; then
		assert_equal "$(listing out)" ""
	fi
}

@test "fault not-jpeg-image: bad_image, exit 1, nothing written in DIR" {
	emu_faults '["not-jpeg-image"]'
	faiz --save-images out "$FRONT"
	assert_equal "$status" 1
	assert_equal "$(jq -r '.error.code' <<<"$output")" bad_image
	assert_equal "$(jq -c '.images' <<<"$output")" '{}'
	if [ -d out ]; then
		assert_equal "$(listing out)" ""
	fi
}

@test "a bad image for one card does not stop the next from being saved" {
	emu_faults '["bad-base64", "ok"]'
	faiz --save-images out "$FRONT" "$BACK"
	assert_equal "$status" 1
	assert_equal "$(jq -rs '.[0].error.code' <<<"$output")" bad_image
	assert_equal "$(jq -rs '.[1].error' <<<"$output")" null
	assert_equal "$(listing out)" back_zhangsan.cropped.jpg
	no_temp out
}

@test "no temp or dot files are left in DIR after a mixed run" {
	cp "$CARDS/empty.jpg" empty.jpg
	faiz --save-images out "$FRONT" empty.jpg "$BACK" "$CARDS/temporary_wangwu.jpg"
	assert_equal "$status" 1
	no_temp out
	assert_equal "$(listing out | grep -vc '\.jpg$')" 0
}

# --- -o FILE ------------------------------------------------------------------------

@test "-o FILE writes the records to FILE, mode 0600, nothing on stdout, no temp file" {
	mkdir res
	faiz -o res/out.ndjson "$FRONT" "$BACK"
	assert_equal "$status" 0
	assert_equal "$output" ""
	assert_equal "$(stat -c %a res/out.ndjson)" 600
	assert_equal "$(jq -s 'length' res/out.ndjson)" 2
	assert_equal "$(jq -rs '.[0].id_number' res/out.ndjson)" 440105199208220038
	assert_equal "$(listing res)" out.ndjson
}

@test "-o FILE is 0600 even with umask 000" {
	umask 000
	faiz -o out.json -f json "$FRONT"
	assert_equal "$status" 0
	assert_equal "$(stat -c %a out.json)" 600
	assert_equal "$(jq -r '.[0].side' out.json)" front
}

@test "-o refuses to overwrite an existing FILE without --force: exit 2, untouched, no request" {
	mkdir res
	echo "precious" >res/out.ndjson
	faiz -o res/out.ndjson "$FRONT"
	assert_equal "$status" 2
	assert_equal "$output" ""
	grep -qF res/out.ndjson <<<"$stderr"
	assert_equal "$(cat res/out.ndjson)" precious
	assert_equal "$(nreq)" 0
	assert_equal "$(listing res)" out.ndjson
}

@test "-o --force overwrites an existing FILE and leaves no temp file" {
	mkdir res
	echo "old" >res/out.ndjson
	chmod 0644 res/out.ndjson
	faiz -o res/out.ndjson --force "$FRONT"
	assert_equal "$status" 0
	assert_equal "$(jq -r '.id_number' res/out.ndjson)" 440105199208220038
	assert_equal "$(stat -c %a res/out.ndjson)" 600
	assert_equal "$(listing res)" out.ndjson
}

@test "-o does not follow a symlink at FILE without --force" {
	mkdir res
	echo "victim" >victim.txt
	ln -s ../victim.txt res/out.ndjson
	faiz -o res/out.ndjson "$FRONT"
	assert_equal "$status" 2
	assert_equal "$(cat victim.txt)" victim
	assert_equal "$(nreq)" 0
}

@test "-o with a failing image still writes the file and leaves no temp file" {
	mkdir res
	cp "$CARDS/empty.jpg" empty.jpg
	faiz -o res/out.ndjson "$FRONT" empty.jpg
	assert_equal "$status" 1
	assert_equal "$(jq -s 'length' res/out.ndjson)" 2
	assert_equal "$(jq -rs '.[1].error.code' res/out.ndjson)" empty
	assert_equal "$(listing res)" out.ndjson
}

@test "-o and --save-images together: records in FILE list the saved images" {
	mkdir res
	faiz -o res/r.ndjson --save-images out "$FRONT"
	assert_equal "$status" 0
	assert_equal "$(jq -r '.images.portrait' res/r.ndjson)" out/front_zhangsan.portrait.jpg
	is_jpeg out/front_zhangsan.portrait.jpg
	assert_equal "$(listing res)" r.ndjson
	no_temp out
}
