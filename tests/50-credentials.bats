# Credentials, profiles, endpoint and config file: precedence, warnings, errors, and the secret key never shown.

bats_require_minimum_version 1.5.0

load helper

# Three key pairs the emulator knows: one for the environment, one for the
# config file's [default] section, one for its [work] section.
AK_ENV=0123456789abcdef0123456789abcdef
SK_ENV=fedcba9876543210fedcba9876543210
AK_DEF=defa0000000000000000000000000001
SK_DEF=5ecde0000000000000000000000000f1
AK_WORK=a0a0000000000000000000000000a0a2
SK_WORK=5ec0000000000000000000000000b0b2
DEAD=http://127.0.0.1:1

setup_file() {
	emu_start --key "$AK_ENV:$SK_ENV" --key "$AK_DEF:$SK_DEF" --key "$AK_WORK:$SK_WORK"
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	CARDS="$(cards)"
	CARD="$CARDS/front_zhangsan.jpg"
	# Each test sets exactly the credentials it is about.
	unset FAIZ_ACCESS_KEY FAIZ_SECRET_KEY FAIZ_ENDPOINT FAIZ_PROFILE FAIZ_CONFIG
	CONF_DIR="$XDG_CONFIG_HOME/faiz"
	CONF="$CONF_DIR/config"
}

# write_config FILE [MODE]: the config text from stdin, mode 0600 unless given.
write_config() {
	mkdir -p "$(dirname "$1")"
	cat >"$1"
	chmod "${2:-600}" "$1"
}

# A config with [default] and [work] sections, both pointing at ENDPOINT ($EMU_URL unless given).
std_config() {
	write_config "$1" "${3:-600}" <<EOF
# test config
[default]
access_key = $AK_DEF
secret_key = "$SK_DEF"
endpoint = ${2:-$EMU_URL}

; the work account
[work]
access_key = $AK_WORK
secret_key = $SK_WORK
endpoint = ${2:-$EMU_URL}
EOF
}

# sent_key: the accessKey header of the last request the emulator saw.
sent_key() { emu_requests | jq -r '.[-1].headers.accesskey'; }

# no_secret: no secret key appears in stdout or stderr of the last run.
no_secret() {
	local s
	for s in "$SK_ENV" "$SK_DEF" "$SK_WORK"; do
		if [[ "$output" == *"$s"* || "$stderr" == *"$s"* ]]; then
			echo "secret key $s leaked; stdout: $output; stderr: $stderr" >&2
			return 1
		fi
	done
}

# ok_run: the last run recognised the card with the key pair AK.
ok_run() {
	assert_equal "$status" 0
	assert_equal "$(jq -r '.id_number' <<<"$output")" 440105199208220038
	assert_equal "$(sent_key)" "$1"
	no_secret
}

faiz() { run --separate-stderr "$FAIZ" --rate 50 --retries 0 --connect-timeout 2 "$@"; }

# --- where credentials come from -------------------------------------------------

@test "FAIZ_ACCESS_KEY and FAIZ_SECRET_KEY from the environment work" {
	export FAIZ_ACCESS_KEY="$AK_ENV" FAIZ_SECRET_KEY="$SK_ENV" FAIZ_ENDPOINT="$EMU_URL"
	faiz -v "$CARD"
	ok_run "$AK_ENV"
	assert_equal "$stderr" "$(grep . <<<"$stderr")"
	grep -q 'POST' <<<"$stderr"
}

@test "config at \$XDG_CONFIG_HOME/faiz/config with [default] works; mode 0600 gives no warning" {
	std_config "$CONF"
	faiz -v "$CARD"
	ok_run "$AK_DEF"
	refute grep -q 'chmod' <<<"$stderr"
	refute grep -q 'readable' <<<"$stderr"
}

@test "config at \$HOME/.config/faiz/config is read when XDG_CONFIG_HOME is unset" {
	unset XDG_CONFIG_HOME
	std_config "$HOME/.config/faiz/config"
	# A decoy in a place that is not looked at.
	std_config "$BATS_TEST_TMPDIR/xdg/faiz/config" "$DEAD"
	faiz "$CARD"
	ok_run "$AK_DEF"
}

@test "XDG_CONFIG_HOME wins over \$HOME/.config" {
	std_config "$HOME/xdg/faiz/config"
	std_config "$HOME/.config/faiz/config" "$DEAD"
	export XDG_CONFIG_HOME="$HOME/xdg"
	faiz "$CARD"
	ok_run "$AK_DEF"
}

@test "FAIZ_CONFIG names the config file" {
	std_config "$BATS_TEST_TMPDIR/env.conf"
	std_config "$CONF" "$DEAD"
	export FAIZ_CONFIG="$BATS_TEST_TMPDIR/env.conf"
	faiz "$CARD"
	ok_run "$AK_DEF"
}

@test "--config beats FAIZ_CONFIG" {
	std_config "$BATS_TEST_TMPDIR/opt.conf"
	std_config "$BATS_TEST_TMPDIR/env.conf" "$DEAD"
	export FAIZ_CONFIG="$BATS_TEST_TMPDIR/env.conf"
	faiz --config "$BATS_TEST_TMPDIR/opt.conf" "$CARD"
	ok_run "$AK_DEF"
}

@test "--profile NAME selects the section" {
	std_config "$CONF"
	faiz --profile work "$CARD"
	ok_run "$AK_WORK"
}

@test "FAIZ_PROFILE selects the section" {
	std_config "$CONF"
	export FAIZ_PROFILE=work
	faiz "$CARD"
	ok_run "$AK_WORK"
}

@test "--profile beats FAIZ_PROFILE" {
	std_config "$CONF"
	export FAIZ_PROFILE=work
	faiz --profile default "$CARD"
	ok_run "$AK_DEF"
}

@test "environment keys beat the [default] section's keys" {
	std_config "$CONF"
	export FAIZ_ACCESS_KEY="$AK_ENV" FAIZ_SECRET_KEY="$SK_ENV"
	faiz "$CARD"
	ok_run "$AK_ENV"
}

@test "environment keys beat a section chosen by FAIZ_PROFILE" {
	std_config "$CONF"
	export FAIZ_ACCESS_KEY="$AK_ENV" FAIZ_SECRET_KEY="$SK_ENV" FAIZ_PROFILE=work
	faiz "$CARD"
	ok_run "$AK_ENV"
}

@test "--profile's keys beat the environment keys" {
	std_config "$CONF"
	export FAIZ_ACCESS_KEY="$AK_ENV" FAIZ_SECRET_KEY="$SK_ENV"
	faiz --profile work "$CARD"
	ok_run "$AK_WORK"
}

# --- endpoint ---------------------------------------------------------------------

@test "the profile's endpoint is used when nothing else names one" {
	std_config "$CONF"
	faiz "$CARD"
	ok_run "$AK_DEF"
	assert_equal "$(nreq)" 1
}

@test "FAIZ_ENDPOINT beats the profile's endpoint" {
	std_config "$CONF" "$DEAD"
	export FAIZ_ENDPOINT="$EMU_URL"
	faiz "$CARD"
	ok_run "$AK_DEF"
}

@test "--endpoint beats FAIZ_ENDPOINT" {
	std_config "$CONF" "$DEAD"
	export FAIZ_ENDPOINT="$DEAD"
	faiz --endpoint "$EMU_URL" "$CARD"
	ok_run "$AK_DEF"
}

@test "--endpoint to a dead port is used even when FAIZ_ENDPOINT is good: network error, exit 4" {
	std_config "$CONF"
	export FAIZ_ENDPOINT="$EMU_URL"
	faiz --endpoint "$DEAD" "$CARD"
	assert_equal "$status" 4
	assert_equal "$(jq -r '.error.code' <<<"$output")" network
	assert_equal "$(nreq)" 0
	no_secret
}

@test "a bad endpoint (ftp://x) is a usage error, exit 2, nothing sent" {
	export FAIZ_ACCESS_KEY="$AK_ENV" FAIZ_SECRET_KEY="$SK_ENV"
	faiz --endpoint ftp://x "$CARD"
	assert_equal "$status" 2
	assert_equal "$output" ""
	grep -q 'ftp://x' <<<"$stderr"
	no_secret
	FAIZ_ENDPOINT=ftp://x faiz "$CARD"
	assert_equal "$status" 2
	grep -q 'ftp://x' <<<"$stderr"
	assert_equal "$(nreq)" 0
	no_secret
}

@test "a bad endpoint in the profile is a configuration error, exit 2, naming the file" {
	std_config "$CONF" "ftp://x"
	faiz "$CARD"
	assert_equal "$status" 2
	grep -qF "$CONF" <<<"$stderr"
	no_secret
}

# --- config file warnings and errors ----------------------------------------------

@test "a config readable by group/others (0644) warns naming the file and chmod 600; the run works" {
	std_config "$CONF" "$EMU_URL" 644
	faiz "$CARD"
	ok_run "$AK_DEF"
	grep -qxF "faiz-idcard: $CONF: readable by group or others; run chmod 600 $CONF" <<<"$stderr"
}

@test "-q hides the group/others readable warning" {
	std_config "$CONF" "$EMU_URL" 644
	faiz -q "$CARD"
	ok_run "$AK_DEF"
	assert_equal "$stderr" ""
}

@test "a malformed line is exit 2 with FILE:LINE:" {
	write_config "$CONF" <<EOF
[default]
access_key = $AK_DEF
secret_key $SK_DEF
EOF
	faiz "$CARD"
	assert_equal "$status" 2
	assert_equal "$output" ""
	grep -qF "faiz-idcard: $CONF:3: malformed line" <<<"$stderr"
	assert_equal "$(nreq)" 0
	no_secret
}

@test "a malformed quoted secret is exit 2 and the message does not quote the secret" {
	write_config "$CONF" <<EOF
[default]
access_key = $AK_DEF
secret_key = "$SK_DEF
EOF
	faiz -v "$CARD"
	assert_equal "$status" 2
	grep -qF "$CONF:3:" <<<"$stderr"
	no_secret
}

@test "an unknown key warns FILE:LINE: unknown key and the run goes on" {
	write_config "$CONF" <<EOF
[default]
access_key = $AK_DEF
secret_key = $SK_DEF
endpoint = $EMU_URL
colour = blue
EOF
	faiz "$CARD"
	ok_run "$AK_DEF"
	grep -qF "faiz-idcard: $CONF:5: unknown key 'colour'" <<<"$stderr"
}

@test "a misspelt secret_key key is warned about without quoting its value" {
	write_config "$CONF" <<EOF
[default]
access_key = $AK_DEF
secret_key = $SK_DEF
secrt_key = $SK_WORK
endpoint = $EMU_URL
EOF
	faiz -v "$CARD"
	ok_run "$AK_DEF"
	grep -qF "$CONF:4: unknown key" <<<"$stderr"
}

@test "a key outside any section is exit 2" {
	write_config "$CONF" <<EOF
access_key = $AK_DEF
[default]
secret_key = $SK_DEF
EOF
	faiz "$CARD"
	assert_equal "$status" 2
	grep -qF "$CONF:1:" <<<"$stderr"
	assert_equal "$(nreq)" 0
	no_secret
}

@test "--config pointing to a missing file is exit 2" {
	export FAIZ_ACCESS_KEY="$AK_ENV" FAIZ_SECRET_KEY="$SK_ENV" FAIZ_ENDPOINT="$EMU_URL"
	faiz --config "$BATS_TEST_TMPDIR/nope.conf" "$CARD"
	assert_equal "$status" 2
	grep -qF "$BATS_TEST_TMPDIR/nope.conf" <<<"$stderr"
	assert_equal "$(nreq)" 0
	no_secret
}

@test "FAIZ_CONFIG pointing to a missing file is exit 2" {
	export FAIZ_ACCESS_KEY="$AK_ENV" FAIZ_SECRET_KEY="$SK_ENV" FAIZ_ENDPOINT="$EMU_URL"
	export FAIZ_CONFIG="$BATS_TEST_TMPDIR/nope.conf"
	faiz "$CARD"
	assert_equal "$status" 2
	grep -qF "$BATS_TEST_TMPDIR/nope.conf" <<<"$stderr"
	assert_equal "$(nreq)" 0
}

@test "--profile naming a missing section is exit 3" {
	std_config "$CONF"
	faiz --profile nosuch "$CARD"
	assert_equal "$status" 3
	grep -qF "nosuch" <<<"$stderr"
	assert_equal "$(nreq)" 0
	no_secret
}

@test "FAIZ_PROFILE naming a missing section is exit 3" {
	std_config "$CONF"
	FAIZ_PROFILE=nosuch faiz "$CARD"
	assert_equal "$status" 3
	grep -qF "nosuch" <<<"$stderr"
	assert_equal "$(nreq)" 0
}

# --- missing credentials -----------------------------------------------------------

@test "no credentials anywhere with --engine faiz: exit 3, one message naming FAIZ_ACCESS_KEY and the config path" {
	export FAIZ_ENDPOINT="$EMU_URL"
	faiz --engine faiz "$CARD"
	assert_equal "$status" 3
	assert_equal "$output" ""
	assert_equal "$(grep -c . <<<"$stderr")" 1
	grep -qF FAIZ_ACCESS_KEY <<<"$stderr"
	grep -qF "$CONF" <<<"$stderr"
	assert_equal "$(nreq)" 0
}

@test "--engine faiz, no credentials, with XDG_CONFIG_HOME unset names \$HOME/.config/faiz/config" {
	unset XDG_CONFIG_HOME
	faiz --engine faiz "$CARD"
	assert_equal "$status" 3
	assert_equal "$(grep -c . <<<"$stderr")" 1
	grep -qF FAIZ_ACCESS_KEY <<<"$stderr"
	grep -qF "$HOME/.config/faiz/config" <<<"$stderr"
}

@test "only the secret key missing: exit 3 naming the secret" {
	export FAIZ_ACCESS_KEY="$AK_ENV" FAIZ_ENDPOINT="$EMU_URL"
	faiz -v "$CARD"
	assert_equal "$status" 3
	assert_equal "$(grep -c . <<<"$stderr")" 1
	grep -qF FAIZ_SECRET_KEY <<<"$stderr"
	assert_equal "$(nreq)" 0
}

@test "a section with the access key but no secret: exit 3 naming the secret and the file" {
	write_config "$CONF" <<EOF
[default]
access_key = $AK_DEF
EOF
	faiz "$CARD"
	assert_equal "$status" 3
	grep -qF secret <<<"$stderr"
	grep -qF "$CONF" <<<"$stderr"
	assert_equal "$(nreq)" 0
}

# --- the secret key is never shown or accepted ------------------------------------

@test "the secret key never appears with -v on success and on an auth failure" {
	export FAIZ_ACCESS_KEY="$AK_ENV" FAIZ_SECRET_KEY="$SK_ENV" FAIZ_ENDPOINT="$EMU_URL"
	faiz -v -f json "$CARD" "$CARDS/back_zhangsan.jpg"
	assert_equal "$status" 0
	no_secret
	faiz -v --raw "$CARD"
	assert_equal "$status" 0
	no_secret
	# A wrong secret: refused twice, exit 3.
	export FAIZ_SECRET_KEY="$SK_WORK"
	faiz -v "$CARD"
	assert_equal "$status" 3
	no_secret
	# Every format, on success.
	export FAIZ_SECRET_KEY="$SK_ENV"
	for f in table csv ndjson; do
		faiz -v -f "$f" "$CARD"
		assert_equal "$status" 0
		no_secret
	done
}

@test "no option accepts the secret: --secret-key x is an unknown option, exit 2" {
	export FAIZ_ACCESS_KEY="$AK_ENV" FAIZ_SECRET_KEY="$SK_ENV" FAIZ_ENDPOINT="$EMU_URL"
	faiz --secret-key "$SK_WORK" "$CARD"
	assert_equal "$status" 2
	assert_equal "$output" ""
	grep -qF -- "--secret-key" <<<"$stderr"
	grep -qi "unknown option" <<<"$stderr"
	no_secret
	assert_equal "$(nreq)" 0
}

@test "--secret-key=VALUE is refused, exit 2, and the message does not echo the value" {
	export FAIZ_ACCESS_KEY="$AK_ENV" FAIZ_SECRET_KEY="$SK_ENV" FAIZ_ENDPOINT="$EMU_URL"
	faiz --secret-key="$SK_WORK" "$CARD"
	assert_equal "$status" 2
	assert_equal "$output" ""
	grep -qF -- "--secret-key" <<<"$stderr"
	assert_equal "$(nreq)" 0
	no_secret
}

@test "the help text offers no option for the secret key" {
	faiz --help
	assert_equal "$status" 0
	refute grep -qi -- '--secret' <<<"$output"
}
