# `faiz-idcard serve` itself: the subcommand, its options, the local engine behind the endpoint, and this tool's client against it.
bats_require_minimum_version 1.5.0
load helper

AK=0123456789abcdef0123456789abcdef
SK=fedcba9876543210fedcba9876543210

setup() {
	common_setup
	C="$(cards)"
	BACK=/work/shared/samples/card_back.jpg
	[ -f "$BACK" ] || BACK="$BATS_TEST_DIRNAME/../../shared/samples/card_back.jpg"
	SERVE_PID=
}

teardown() {
	if [ -n "$SERVE_PID" ]; then
		kill -TERM "$SERVE_PID" 2>/dev/null
		wait "$SERVE_PID" 2>/dev/null
	fi
	return 0
}

post() { # FILE [CURL ARGS]: raw body; prints the HTTP status, then the body
	local f="$1"
	shift
	curl -sS --noproxy '*' -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}\n' \
		-H 'Content-Type: application/octet-stream' --data-binary "@$f" "$@" \
		"$SERVE_URL/api/ai/ocr/idcard"
	cat "$BATS_TEST_TMPDIR/body"
}

keys_file() {
	printf '%s %s\n' "$AK" "$SK" >"$1"
	chmod 600 "$1"
}

@test "serve --help: the synopsis and every option, exit 0" {
	run --separate-stderr "$FAIZ" serve --help
	assert_success
	local o
	for o in --listen --keys --redis --require-body-hash --jobs --queue --request-timeout \
		--tls-cert --tls-key --models --quiet --help; do
		grep -qF -- "$o" <<<"$output"
	done
	grep -qF "usage: faiz-idcard serve" <<<"$output"
}

@test "serve usage errors: an operand, an unknown option, a bad number, a certificate without its key: exit 2" {
	run --separate-stderr "$FAIZ" serve photos/
	assert_equal "$status" 2
	grep -qF "serve takes no operands" <<<"$stderr"
	run --separate-stderr "$FAIZ" serve --rate 2
	assert_equal "$status" 2
	grep -qF "unknown option --rate" <<<"$stderr"
	run --separate-stderr "$FAIZ" serve -j 0
	assert_equal "$status" 2
	grep -qF "serve --jobs: '0'" <<<"$stderr"
	run --separate-stderr "$FAIZ" serve --tls-cert c.pem
	assert_equal "$status" 2
	grep -qF -- "--tls-cert and --tls-key go together" <<<"$stderr"
}

@test "without --keys, serve refuses a non-loopback address: exit 2" {
	run --separate-stderr "$FAIZ" serve --listen 0.0.0.0:0
	assert_equal "$status" 2
	grep -qi "loopback" <<<"$stderr"
}

@test "a file named serve is given as ./serve and read as an image, not as the subcommand" {
	cp "$BACK" serve
	run --separate-stderr "$FAIZ" -f ndjson ./serve
	[ "$(jq -r .file <<<"$output")" = ./serve ]
	[ "$(jq -r .side <<<"$output")" = back ]
}

@test "serve answers the real back with the local engine; healthz ready; junk gets the page's code; SIGTERM exits 0" {
	serve_start SERVE -j 2
	[ "$(curl -sS --noproxy '*' "$SERVE_URL/healthz")" = ready ]
	run post "$BACK"
	[ "${lines[0]}" = 200 ]
	sed 1d <<<"$output" >answer.json
	[ "$(jq -r .code answer.json)" = 0 ]
	[ "$(jq -r .data.type answer.json)" = "第二代身份证背面" ]
	jq -r .data.cropped_image answer.json | base64 -d >crop.jpg
	[ "$(head -c 2 crop.jpg | od -An -tx1 | tr -d ' ')" = ffd8 ]
	# Not an image at all, and a JPEG cut short.
	printf 'hello, not a picture' >junk.bin
	run post junk.bin
	[ "${lines[0]}" = 200 ]
	[ "$(sed 1d <<<"$output" | jq -r .data.error_code)" = 40005 ]
	head -c 20000 "$BACK" >cut.jpg
	run post cut.jpg
	[ "$(sed 1d <<<"$output" | jq -r .data.error_code)" = 40009 ]
	kill -TERM "$SERVE_PID"
	local st=0
	wait "$SERVE_PID" || st=$?
	SERVE_PID=
	assert_equal "$st" 0
	grep -qF "stopped" "$SERVE_LOG"
}

@test "this tool's client against serve gives the same records as --engine local" {
	keys_file keys
	serve_start SERVE --keys keys -j 2
	# Apart from what differs by nature: the session id, the timings, the
	# engine's name, the faiz client's own advice about small photos, and
	# what only the local engine's records carry (card of the file, field
	# confidences, changes by the card's rules), which the service's answer
	# has no field for.
	SAME='del(.sid, .time_cost, .engine, .prepared, .card, .confidence, .changes) | .warnings |= map(select(.code != "small_image"))'
	run --separate-stderr "$FAIZ" -f ndjson --engine local "$BACK" "$C/front_zhangsan.jpg"
	printf '%s\n' "$output" | jq -c "$SAME" >local.ndjson
	FAIZ_ACCESS_KEY=$AK FAIZ_SECRET_KEY=$SK run --separate-stderr "$FAIZ" -f ndjson --engine faiz \
		--endpoint "$SERVE_URL" --rate 20 "$BACK" "$C/front_zhangsan.jpg"
	printf '%s\n' "$output" | jq -c "$SAME" >served.ndjson
	assert_equal "$(wc -l <local.ndjson)" 2
	diff local.ndjson served.ndjson
	# Both went through the server, authenticated.
	assert_equal "$(grep -c 'POST /api/ai/ocr/idcard 200' "$SERVE_LOG")" 2
}

@test "the access log holds no personal data: no name, number or image bytes" {
	serve_start SERVE -j 1
	run post "$C/front_zhangsan.jpg"
	[ "${lines[0]}" = 200 ]
	local name num
	name="$(sed 1d <<<"$output" | jq -r '.data.name // empty')"
	num="$(sed 1d <<<"$output" | jq -r '.data.id_number // empty')"
	grep -qF "POST /api/ai/ocr/idcard 200" "$SERVE_LOG"
	# The engine read the card, so there is something to look for.
	assert_equal "$name" "张三"
	assert_equal "$num" 440105199208220038
	! grep -qF "$name" "$SERVE_LOG"
	! grep -qF "$num" "$SERVE_LOG"
	# The specimen's own printed number never appears in the log either.
	! grep -qE '[0-9]{17}[0-9X]' "$SERVE_LOG"
}

@test "docs drift: every option of serve is in the man page's Options of serve, serve --help and the three completions" {
	local root="$BATS_TEST_DIRNAME/.." names o
	names="$(sed -n '/serve_options\[\][[:space:]]*=/,/^};/p' "$root/src/srv_opts.c" |
		sed -n 's/^[[:space:]]*{ "\([^"]*\)".*/\1/p')"
	[ "$(wc -l <<<"$names")" -ge 12 ]
	man_opts="$(awk '/^\.Ss Options of serve/ { on = 1; next } /^\.S[sh] / { on = 0 } on' "$root/man/faiz-idcard.1")"
	run "$FAIZ" serve --help
	for o in $names; do
		grep -qE "^\.It .*Fl -$o( |$)" <<<"$man_opts" || { echo "man: --$o" >&2; return 1; }
		grep -qF -- "--$o" <<<"$output" || { echo "help: --$o" >&2; return 1; }
		grep -qF -- "--$o" "$root/completions/faiz-idcard.bash" || { echo "bash: --$o" >&2; return 1; }
		grep -qF -- "--$o" "$root/completions/_faiz-idcard" || { echo "zsh: --$o" >&2; return 1; }
		grep -qE -- "-l $o( |$)" "$root/completions/faiz-idcard.fish" ||
			case $o in jobs | quiet | help) ;; *) echo "fish: --$o" >&2; return 1 ;; esac
	done
	# And the man page lists no option of serve that the code does not have.
	for o in $(sed -n 's/^\.It .*Fl -\([a-z-]*\).*/\1/p' <<<"$man_opts"); do
		grep -qx -- "$o" <<<"$names" || { echo "man has --$o" >&2; return 1; }
	done
}

@test "bash completion: serve is offered first, then its own options" {
	comp() { # WORDS...: the candidates bash would offer for the last word
		bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
			_faiz_idcard; printf "%s\n" "${COMPREPLY[@]}"' _ \
			"$BATS_TEST_DIRNAME/../completions/faiz-idcard.bash" "$@"
	}
	run comp faiz-idcard se
	grep -qx serve <<<"$output"
	run comp faiz-idcard serve --re
	grep -qx -- --redis <<<"$output"
	grep -qx -- --request-timeout <<<"$output"
	grep -qx -- --require-body-hash <<<"$output"
	! grep -qx -- --resume <<<"$output"
	run comp faiz-idcard --re
	grep -qx -- --resume <<<"$output"
	! grep -qx -- --redis <<<"$output"
}
