# --resume, --dry-run without credentials, SIGINT/SIGTERM mid-batch (complete records only, nothing paid twice), progress line.
bats_require_minimum_version 1.5.0
load helper

setup_file() {
	emu_start
	local d="$BATS_FILE_TMPDIR/more"
	mkdir -p "$d"
	"$PYTHON" "$MKCARDS" front -o "$d/zhao.jpg" --name 赵六 >&2
	"$PYTHON" "$MKCARDS" front -o "$d/qian.jpg" --name 钱七 >&2
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	C="$(cards)"
	M="$BATS_FILE_TMPDIR/more"
	# Six different cards, all sent as they are (no preparation): body_sha256 == the file's sha256.
	mkdir -p work
	cp "$C/front_zhangsan.jpg" work/1.jpg
	cp "$C/front_lisi.jpg" work/2.jpg
	cp "$C/back_zhangsan.jpg" work/3.jpg
	cp "$C/temporary_wangwu.jpg" work/4.jpg
	cp "$M/zhao.jpg" work/5.jpg
	cp "$M/qian.jpg" work/6.jpg
	BG=
}

teardown() {
	if [ -n "${BG:-}" ] && kill -0 "$BG" 2>/dev/null; then
		kill -KILL "$BG" 2>/dev/null
		wait "$BG" 2>/dev/null
	fi
	return 0
}

# --- helpers ---------------------------------------------------------------------


faiz() { run --separate-stderr "$FAIZ" --rate 50 --retries 1 -j 1 "$@"; }

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# The SHA-256 of the bodies the emulator received, sorted.
sent_shas() { emu_requests | jq -r '.[].body_sha256' | sort; }

# shas_of FILE...: their SHA-256, sorted.
shas_of() {
	local f
	for f in "$@"; do sha "$f"; done | sort
}

# Every line of FILE is a JSON object; prints the count.
assert_whole_records() {
	local f="$1" n=0 line
	if [ -s "$f" ]; then
		assert_equal "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' ')" 0a
	fi
	while IFS= read -r line; do
		printf '%s\n' "$line" | jq -e 'type == "object" and has("file") and has("error")' >/dev/null || {
			echo "$f: not a whole record: $line" >&2
			return 1
		}
		n=$((n + 1))
	done <"$f"
	echo "$n"
}

# Wait (at most 5 s) until the emulator has answered every request it received.
emu_quiet() {
	local i s
	for i in $(seq 100); do
		s="$(emu_stats)"
		[ "$(jq -r '.requests == .charged' <<<"$s")" = true ] && return 0
		sleep 0.05
	done
	echo "emulator still busy: $s" >&2
	return 1
}

# bg ARGS...: start the client in work/ in the background, SIGINT at its default action (as in a
# foreground job), with the emulator's answers slowed down.
bg() {
	emu_config '{"latency": 0.3}'
	(cd work && exec env --default-signal=INT,TERM "$FAIZ" "$@") >"$BATS_TEST_TMPDIR/bg.out" 2>"$BATS_TEST_TMPDIR/bg.err" 3>&- &
	BG=$!
}

# interrupt SIG: once the emulator has seen 2 requests and answered one (at most 10 s), send SIG; wait (at most 15 s)
# for the client to end; its exit status in BG_STATUS.
interrupt() {
	local i
	# 2 requests seen and the first one answered.
	for i in $(seq 200); do
		[ "$(emu_requests | jq '(length >= 2) and ([.[] | select(.status != null)] | length >= 1)')" = true ] && break
		sleep 0.05
	done
	[ "$(nreq)" -ge 2 ]
	sleep 0.15
	kill -"$1" "$BG"
	for i in $(seq 300); do
		kill -0 "$BG" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$BG" 2>/dev/null; then
		echo "the client did not end within 15 s of SIG$1" >&2
		return 1
	fi
	BG_STATUS=0
	wait "$BG" || BG_STATUS=$?
	BG=
}

# After an interrupted run that wrote FILE (in work/): only complete records, no temp files, and a
# --resume run sends exactly the images FILE does not hold as recognised.
check_interrupted_then_resume() {
	local file="$1" kept charged1 requests1 kept_shas
	assert_equal "$BG_STATUS" 130
	emu_quiet
	charged1="$(charged)"
	requests1="$(nreq)"
	# Interrupted mid-batch.
	((requests1 >= 2 && requests1 < 6))
	[ -f "work/$file" ]
	kept="$(assert_whole_records "work/$file")"
	((kept >= 1))
	assert_equal "$(jq -s '[.[] | select(.error == null)] | length' "work/$file")" "$kept"
	# Every kept record is the right file's, with its sha256.
	for f in $(jq -r .file "work/$file"); do
		assert_equal "$(jq -r --arg f "$f" 'select(.file == $f) | .sha256' "work/$file")" "$(sha "work/$f")"
	done
	# Nothing left behind but the inputs and the output.
	assert_equal "$(cd work && ls -A | LC_ALL=C sort | tr '\n' ' ')" "1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg $file "
	# In-flight uploads abandoned at the interrupt: charged by the service, never recorded.
	abandoned=$((charged1 - kept))
	((abandoned >= 0))
	kept_shas="$(jq -r .sha256 "work/$file" | sort)"

	emu_reset
	cd work
	faiz --resume "$file" 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg
	cd ..
	assert_equal "$status" 0
	assert_equal "$(nreq)" $((6 - kept))
	assert_equal $((charged1 + $(charged))) $((6 + abandoned))
	# No image recognised in the first run was sent again; together the runs cover all six.
	assert_equal "$(comm -12 <(printf '%s\n' "$kept_shas") <(sent_shas))" ""
	assert_equal "$( (printf '%s\n' "$kept_shas"; sent_shas) | sort)" \
		"$(shas_of work/1.jpg work/2.jpg work/3.jpg work/4.jpg work/5.jpg work/6.jpg)"
	assert_equal "$(assert_whole_records "work/$file")" 6
	assert_equal "$(jq -r .file "work/$file" | sort | tr '\n' ' ')" "1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg "
	assert_equal "$(jq -s '[.[] | select(.error != null)] | length' "work/$file")" 0
	printf '%s\n' "$stderr" | grep -q "\b$kept skipped"
}

# --- sha256 and --resume ---------------------------------------------------------

@test "records carry the sha256 of each file's content" {
	cd work
	faiz 1.jpg 3.jpg
	assert_equal "$status" 0
	assert_equal "$(printf '%s\n' "${lines[0]}" | jq -r .sha256)" "$(sha 1.jpg)"
	assert_equal "$(printf '%s\n' "${lines[1]}" | jq -r .sha256)" "$(sha 3.jpg)"
}

@test "--resume: a second run over 3 done + 2 new sends only the 2 new, appends 5 lines in all, mode 0600" {
	cd work
	faiz --resume out.ndjson 1.jpg 2.jpg 3.jpg
	assert_equal "$status" 0
	assert_equal "$output" ""
	assert_equal "$(stat -c %a out.ndjson)" 600
	assert_equal "$(wc -l <out.ndjson)" 3
	assert_equal "$(nreq)" 3
	emu_reset
	faiz --resume out.ndjson 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg
	assert_equal "$status" 0
	assert_equal "$output" ""
	assert_equal "$(nreq)" 2
	assert_equal "$(sent_shas)" "$(shas_of 4.jpg 5.jpg)"
	assert_equal "$(assert_whole_records out.ndjson)" 5
	assert_equal "$(jq -r .file out.ndjson | tr '\n' ' ')" "1.jpg 2.jpg 3.jpg 4.jpg 5.jpg "
	assert_equal "$(stat -c %a out.ndjson)" 600
	printf '%s\n' "$stderr" | grep -Eq '^faiz-idcard: 2 recognised, 0 failed, 3 skipped, '
	# Matched by content: a renamed copy of a done image is skipped too.
	emu_reset
	cp 2.jpg renamed.jpg
	faiz --resume out.ndjson renamed.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 0
	assert_equal "$(wc -l <out.ndjson)" 5
}

@test "--resume --retry-failed: an image that failed in the first run (40007) is sent again" {
	cd work
	emu_faults '["ok","ec:40007","ok"]'
	faiz --resume out.ndjson 1.jpg 2.jpg 3.jpg
	assert_equal "$status" 1
	assert_equal "$(jq -r '.error.code // "ok"' out.ndjson | tr '\n' ' ')" "ok 40007 ok "
	emu_reset
	faiz --resume out.ndjson --retry-failed 1.jpg 2.jpg 3.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 1
	assert_equal "$(sent_shas)" "$(sha 2.jpg)"
	assert_equal "$(assert_whole_records out.ndjson)" 4
	assert_equal "$(sed -n 4p out.ndjson | jq -r '.file, .error')" "$(printf '2.jpg\nnull')"
	printf '%s\n' "$stderr" | grep -Eq '^faiz-idcard: 1 recognised, 0 failed, 2 skipped, '
}

@test "--resume: the records of a dry run are plans, not results: nothing skipped" {
	cd work
	faiz --dry-run 1.jpg 2.jpg 3.jpg
	assert_equal "$status" 0
	printf '%s\n' "${lines[@]}" >plan.ndjson
	assert_equal "$(jq -r .dry_run plan.ndjson | sort -u)" true
	assert_equal "$(nreq)" 0
	faiz --resume plan.ndjson 1.jpg 2.jpg 3.jpg
	assert_equal "$status" 0
	assert_equal "$(nreq)" 3
	assert_equal "$(assert_whole_records plan.ndjson)" 6
	printf '%s\n' "$stderr" | grep -Eq '^faiz-idcard: 3 recognised, 0 failed, 0 skipped, '
}

@test "--resume with -f csv (without -o) or with --dry-run: usage error, exit 2, the file untouched, nothing sent" {
	cd work
	printf '' >out.ndjson
	for extra in "-f csv" "--dry-run -o other.ndjson"; do
		# shellcheck disable=SC2086
		faiz --resume out.ndjson $extra 1.jpg
		assert_equal "$status" 2
		assert_equal "$output" ""
		printf '%s\n' "$stderr" | grep -q '^faiz-idcard: .*--resume'
	done
	assert_equal "$(stat -c %s out.ndjson)" 0
	[ ! -e other.ndjson ]
	assert_equal "$(nreq)" 0
}

@test "--resume: a cut last line is warned about as FILE:LINE, its image sent again, new records on a new line" {
	cd work
	faiz --resume out.ndjson 1.jpg 2.jpg 3.jpg
	assert_equal "$status" 0
	head -c -40 out.ndjson >cut.ndjson
	chmod 600 cut.ndjson
	emu_reset
	faiz --resume cut.ndjson 1.jpg 2.jpg 3.jpg 4.jpg
	assert_equal "$status" 0
	printf '%s\n' "$stderr" | grep -Fxq 'faiz-idcard: cut.ndjson:3: not a JSON record; ignored'
	assert_equal "$(nreq)" 2
	assert_equal "$(sent_shas)" "$(shas_of 3.jpg 4.jpg)"
	assert_equal "$(wc -l <cut.ndjson)" 5
	assert_equal "$(tail -c 1 cut.ndjson | od -An -tx1 | tr -d ' ')" 0a
	# Line 3 is still the cut one; lines 4 and 5 are whole records.
	! sed -n 3p cut.ndjson | jq -e . >/dev/null 2>&1 || false
	assert_equal "$(sed -n 4p cut.ndjson | jq -r '.file + " " + (.error | tostring)')" "3.jpg null"
	assert_equal "$(sed -n 5p cut.ndjson | jq -r '.file + " " + (.error | tostring)')" "4.jpg null"
}

# --- --dry-run -------------------------------------------------------------------

@test "--dry-run needs no credentials and no network: one dry_run record per image, the cost, exit 0" {
	cd work
	run --separate-stderr env -u FAIZ_ACCESS_KEY -u FAIZ_SECRET_KEY FAIZ_ENDPOINT=http://127.0.0.1:9 \
		"$FAIZ" --dry-run 1.jpg 2.jpg 3.jpg 4.jpg
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 4
	assert_equal "$(printf '%s\n' "${lines[@]}" | jq -r .file | tr '\n' ' ')" "1.jpg 2.jpg 3.jpg 4.jpg "
	assert_equal "$(printf '%s\n' "${lines[@]}" | jq -r '.dry_run, .error, .side' | sort | uniq -c | awk '{print $1, $2}' | tr '\n' ' ')" \
		"8 null 4 true "
	assert_equal "$(printf '%s\n' "${lines[0]}" | jq -r .sha256)" "$(sha 1.jpg)"
	printf '%s\n' "$stderr" | grep -q '^faiz-idcard: dry run: 4 images would be sent, costing 40 points'
	assert_equal "$(nreq)" 0
}

# --- signals ---------------------------------------------------------------------

@test "SIGINT mid-batch with -o: exit 130, only complete records kept, no temp file; --resume then pays for nothing twice" {
	bg --rate 2 -o out.ndjson 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg
	interrupt INT
	assert_equal "$(stat -c %a work/out.ndjson)" 600
	check_interrupted_then_resume out.ndjson
}

@test "SIGTERM mid-batch with --resume FILE: exit 130, the file ends with a whole line; the next --resume completes it" {
	bg --rate 2 --resume res.ndjson 1.jpg 2.jpg 3.jpg 4.jpg 5.jpg 6.jpg
	interrupt TERM
	check_interrupted_then_resume res.ndjson
}

# --- progress line ---------------------------------------------------------------

@test "progress line on a terminal stderr (img/s, ETA); none with -q" {
	cd work
	cmd="$(printf '%q ' "$FAIZ" --rate 10 -o p.ndjson 1.jpg 2.jpg 3.jpg 4.jpg)"
	run script -qec "$cmd" /dev/null </dev/null
	assert_equal "$status" 0
	[[ "$output" == *"img/s"* ]]
	[[ "$output" == *"ETA"* ]]
	[[ "$output" == *"4 recognised"* ]]
	assert_equal "$(wc -l <p.ndjson)" 4
	cmd="$(printf '%q ' "$FAIZ" -q --rate 10 -o q.ndjson 1.jpg 2.jpg 3.jpg 4.jpg)"
	run script -qec "$cmd" /dev/null </dev/null
	assert_equal "$status" 0
	[[ "$output" != *"img/s"* ]]
	[[ "$output" != *"ETA"* ]]
	assert_equal "$(printf '%s' "$output" | tr -d '\r\n')" ""
	assert_equal "$(wc -l <q.ndjson)" 4
}
