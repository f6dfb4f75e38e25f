# The secret key never leaves: every output mode and every reachable error path, with a random secret, leave no trace of it.
bats_require_minimum_version 1.5.0
load helper

setup_file() {
	SECRET=$(openssl rand -hex 16)
	printf '%s\n' "$SECRET" >"$BATS_FILE_TMPDIR/secret"
	emu_start --key "$EMU_ACCESS_KEY:$SECRET"
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	SECRET=$(cat "$BATS_FILE_TMPDIR/secret")
	export FAIZ_SECRET_KEY="$SECRET"
	cp "$(cards)/front_zhangsan.jpg" front.jpg
	cp "$(cards)/back_zhangsan.jpg" back.jpg
	mkdir -p out
}

# call NAME [ENV=V ...] -- ARGS: run the client, keep its stdout and stderr as out/NAME.{out,err}.
call() {
	local name=$1 envs=()
	shift
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	local st=0
	env "${envs[@]}" "$FAIZ" "$@" >"out/$name.out" 2>"out/$name.err" || st=$?
	echo "$st" >"out/$name.status"
}

@test "the secret key appears in no output, message, file or request, whatever the path" {
	[[ $SECRET =~ ^[0-9a-f]{32}$ ]]
	[ "$SECRET" != "$EMU_SECRET_KEY" ]

	# Output modes.
	script -qec "'$FAIZ' --rate 50 front.jpg back.jpg" /dev/null >out/table.out 2>&1
	grep -q '440105199208220038' out/table.out
	call json -- -f json --rate 50 front.jpg back.jpg
	call ndjson -- -f ndjson --rate 50 front.jpg back.jpg
	call csv -- -f csv --rate 50 front.jpg back.jpg
	call ofile -- --rate 50 -o out/records.json -f json front.jpg
	call raw -- -f ndjson --raw --rate 50 front.jpg back.jpg
	call save -- --rate 50 --save-images out/saved front.jpg back.jpg
	call verbose -- -v --rate 50 front.jpg back.jpg
	call resume -- --rate 50 --resume out/resume.ndjson front.jpg
	for m in json ndjson csv ofile raw save verbose resume; do
		assert_equal "$m:$(cat "out/$m.status")" "$m:0"
	done
	[ -s out/records.json ] && [ -s out/resume.ndjson ]
	[ "$(ls out/saved | wc -l)" -eq 4 ]

	# Error paths.
	emu_faults '["403","403"]'
	call auth -- -v --rate 50 front.jpg
	emu_faults '["quota"]'
	call quota -- -v --rate 50 front.jpg
	emu_faults '["401"]'
	call blacklist -- -v --rate 50 front.jpg
	printf '[default]\nsecret_key %s\n' "$SECRET" >out/badline.conf
	chmod 600 out/badline.conf
	call badline FAIZ_SECRET_KEY= FAIZ_ACCESS_KEY= -- --config out/badline.conf --rate 50 front.jpg
	call nokey FAIZ_ACCESS_KEY= -- --rate 50 front.jpg
	call unknown -- --secret-key="$SECRET" front.jpg
	call unknown2 -- --secret-key "$SECRET" front.jpg
	call endpoint FAIZ_ENDPOINT=ftp://gateway.example -- --rate 50 front.jpg
	call tls "FAIZ_ENDPOINT=https://127.0.0.1:$EMU_PORT" -- -v --rate 50 --retries 0 front.jpg
	assert_equal "$(cat out/auth.status) $(cat out/quota.status) $(cat out/blacklist.status)" "3 3 3"
	assert_equal "$(cat out/badline.status) $(cat out/unknown.status) $(cat out/endpoint.status)" "2 2 2"
	assert_equal "$(cat out/nokey.status) $(cat out/tls.status)" "3 3"
	grep -q '"code":"tls"' out/tls.out

	# The secret in the config file instead of the environment, saying what it can.
	printf '[default]\naccess_key = %s\nsecret_key = "%s"\nendpoint = %s\n' \
		"$EMU_ACCESS_KEY" "$SECRET" "$EMU_URL" >out/faiz.conf
	chmod 644 out/faiz.conf # readable by others: a warning, which must not quote it
	call conf FAIZ_SECRET_KEY= FAIZ_ACCESS_KEY= FAIZ_ENDPOINT= -- -v --raw -f json --rate 50 \
		--config out/faiz.conf front.jpg
	assert_equal "$(cat out/conf.status)" 0
	grep -q 'faiz.conf' out/conf.err
	emu_faults '["403","403"]'
	call confauth FAIZ_SECRET_KEY= FAIZ_ACCESS_KEY= FAIZ_ENDPOINT= -- -v --rate 50 --config out/faiz.conf front.jpg
	assert_equal "$(cat out/confauth.status)" 3

	# Nothing the client wrote holds it (the config files hold it by design).
	run grep -rlF --exclude=badline.conf --exclude=faiz.conf -e "$SECRET" out
	assert_equal "$output" ""
	# Nor did anything the emulator received: headers, and the bodies' digests
	# are the images' (the body itself is the image, checked by digest).
	emu_requests >requests.json
	run grep -cF -e "$SECRET" requests.json "$EMU_LOG"
	refute_output --regexp ':[1-9]'
	[ "$(jq length requests.json)" -ge 5 ]
	# Each request's body is exactly the image sent: its digest is the signed body header.
	assert_equal "$(jq '[.[] | select(.headers.body != .body_sha256)] | length' requests.json)" 0
}
