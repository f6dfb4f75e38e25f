# TLS: an https endpoint with a self-signed certificate is refused; --insecure and --cacert make it work.
bats_require_minimum_version 1.5.0
load helper

setup_file() {
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -days 1 \
		-keyout "$BATS_FILE_TMPDIR/key.pem" -out "$BATS_FILE_TMPDIR/cert.pem" 2>/dev/null
	emu_start --tls-cert "$BATS_FILE_TMPDIR/cert.pem" --tls-key "$BATS_FILE_TMPDIR/key.pem"
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	cp "$(cards)/front_zhangsan.jpg" front.jpg
	cp "$(cards)/front_lisi.jpg" lisi.jpg
}

@test "the emulator serves https (the harness reaches it)" {
	[[ $FAIZ_ENDPOINT == https://127.0.0.1:* ]]
	assert_equal "$(emu_stats | jq -c .)" '{"requests":0,"charged":0,"refused":0}'
}

@test "an unverifiable certificate: code tls, exit 3, a clear message, nothing reaches the handler" {
	run --separate-stderr "$FAIZ" -j 1 --rate 50 --retries 2 front.jpg lisi.jpg
	assert_equal "$status" 3
	[ "$(printf '%s\n' "$output" | jq -r 'select(.file == "front.jpg") | .error.code')" = tls ]
	printf '%s\n' "$output" | jq -r 'select(.file == "front.jpg") | .error.message' |
		grep -q 'TLS: SSL certificate problem'
	# The second image is not sent once the run stopped (-j 1: it was not already in flight).
	[ "$(printf '%s\n' "$output" | jq -r 'select(.file == "lisi.jpg") | .error.code')" = not_sent ]
	grep -q 'front.jpg: TLS: SSL certificate problem: self-signed certificate' <<<"$stderr"
	grep -q -- '--cacert FILE' <<<"$stderr"
	# Not retried, and no request (so no image byte) was handled.
	assert_equal "$(emu_stats | jq .requests)" 0
	assert_equal "$(emu_requests | jq length)" 0
}

@test "--insecure: works, with a warning on stderr that verification is off" {
	run --separate-stderr "$FAIZ" --rate 50 --insecure front.jpg
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -r .id_number)" 440105199208220038
	grep -q 'warning: --insecure: .*certificate is not verified' <<<"$stderr"
	assert_equal "$(emu_stats | jq .requests)" 1
}

@test "--insecure with -q still warns (verification off is never silent)" {
	run --separate-stderr "$FAIZ" --rate 50 -q --insecure front.jpg
	assert_success
	grep -q 'warning: --insecure' <<<"$stderr"
}

@test "--cacert FILE: verifies against the given CA and works without --insecure" {
	run --separate-stderr "$FAIZ" --rate 50 --cacert "$BATS_FILE_TMPDIR/cert.pem" front.jpg
	assert_success
	assert_equal "$(printf '%s' "$output" | jq -r .id_number)" 440105199208220038
	refute grep -q 'insecure' <<<"$stderr"
	assert_equal "$(emu_stats | jq .requests)" 1
}

@test "--cacert with a different CA: still refused, code tls, exit 3" {
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -days 1 -keyout other.key -out other.pem 2>/dev/null
	run --separate-stderr "$FAIZ" --rate 50 --cacert other.pem front.jpg
	assert_equal "$status" 3
	assert_equal "$(printf '%s' "$output" | jq -r .error.code)" tls
	assert_equal "$(emu_stats | jq .requests)" 0
}

@test "--cacert naming a missing file: code tls, exit 3, nothing sent" {
	run --separate-stderr "$FAIZ" --rate 50 --cacert missing.pem front.jpg
	assert_equal "$status" 3
	assert_equal "$(printf '%s' "$output" | jq -r .error.code)" tls
	assert_equal "$(emu_stats | jq .requests)" 0
}

@test "--insecure and --cacert together: usage error, exit 2" {
	run --separate-stderr "$FAIZ" --insecure --cacert "$BATS_FILE_TMPDIR/cert.pem" front.jpg
	assert_equal "$status" 2
	grep -q -- '--insecure and --cacert cannot be used together' <<<"$stderr"
	grep -q '^usage:' <<<"$stderr"
}
