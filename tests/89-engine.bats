# Choosing the recogniser: --engine, $FAIZ_ENGINE, engine = in a profile, and auto (faiz with keys, local without).

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
	CARD="$CARDS/front_zhangsan.jpg"
	BACK=/work/shared/samples/card_back.jpg
	[ -f "$BACK" ] || BACK="$BATS_TEST_DIRNAME/../../shared/samples/card_back.jpg"
	# The emulator's keys stay in EMU_*; each test says whether they are configured.
	unset FAIZ_ACCESS_KEY FAIZ_SECRET_KEY FAIZ_PROFILE FAIZ_CONFIG FAIZ_ENGINE
	CONF="$XDG_CONFIG_HOME/faiz/config"
}

faiz() { run --separate-stderr "$FAIZ" "$@"; }

keys() { export FAIZ_ACCESS_KEY="$EMU_ACCESS_KEY" FAIZ_SECRET_KEY="$EMU_SECRET_KEY"; }

# config TEXT: write the config file, mode 0600.
config() {
	mkdir -p "$(dirname "$CONF")"
	printf '%s\n' "$@" >"$CONF"
	chmod 600 "$CONF"
}

last_line() { printf '%s\n' "$stderr" | tail -n 1; }

@test "no credentials anywhere: auto runs the local engine, nothing is sent, the summary says so" {
	faiz -f ndjson "$BACK"
	assert_equal "$(nreq)" 0
	[[ "$(last_line)" == *", local engine (nothing sent)" ]]
	[[ "$(last_line)" != *points* ]]
	assert_equal "$(jq -r .side <<<"$output")" back
}

@test "keys configured: auto runs the faiz engine and the summary says so" {
	keys
	faiz -f ndjson "$CARD"
	assert_success
	assert_equal "$(nreq)" 1
	[[ "$(last_line)" == *"10 points charged, "*", faiz engine" ]]
}

@test "FAIZ_ENGINE=local with keys configured: the local engine, nothing sent" {
	keys
	FAIZ_ENGINE=local faiz -f ndjson "$BACK"
	assert_equal "$(nreq)" 0
	[[ "$(last_line)" == *"local engine (nothing sent)" ]]
}

@test "engine = local in the profile; --engine faiz beats it, FAIZ_ENGINE beats the file" {
	config "[default]" "access_key = $EMU_ACCESS_KEY" "secret_key = $EMU_SECRET_KEY" \
		"endpoint = $FAIZ_ENDPOINT" "engine = local"
	faiz -f ndjson "$BACK"
	assert_equal "$(nreq)" 0
	[[ "$(last_line)" == *"local engine (nothing sent)" ]]
	faiz -f ndjson --engine faiz "$CARD"
	assert_success
	assert_equal "$(nreq)" 1
	FAIZ_ENGINE=faiz faiz -f ndjson "$CARD"
	assert_success
	assert_equal "$(nreq)" 2
}

@test "engine = in another profile applies only to it" {
	config "[default]" "access_key = $EMU_ACCESS_KEY" "secret_key = $EMU_SECRET_KEY" \
		"endpoint = $FAIZ_ENDPOINT" "[offline]" "engine = local"
	faiz -f ndjson "$CARD"
	assert_success
	assert_equal "$(nreq)" 1
	faiz -f ndjson --profile offline "$BACK"
	assert_equal "$(nreq)" 1
	[[ "$(last_line)" == *"local engine (nothing sent)" ]]
}

@test "--engine faiz without credentials: exit 3, nothing sent" {
	faiz --engine faiz "$CARD"
	assert_equal "$status" 3
	grep -qF FAIZ_ACCESS_KEY <<<"$stderr"
	assert_equal "$(nreq)" 0
}

@test "only one key configured: auto does not switch engines, exit 3 naming the missing key" {
	export FAIZ_ACCESS_KEY="$EMU_ACCESS_KEY"
	faiz "$CARD"
	assert_equal "$status" 3
	grep -qF FAIZ_SECRET_KEY <<<"$stderr"
	assert_equal "$(nreq)" 0
}

@test "an unknown engine word is a usage error naming where it came from" {
	faiz --engine cloud "$CARD"
	assert_equal "$status" 2
	grep -qF -- "--engine: 'cloud'" <<<"$stderr"
	FAIZ_ENGINE=tesseract faiz "$CARD"
	assert_equal "$status" 2
	grep -qF "FAIZ_ENGINE: unknown engine 'tesseract'" <<<"$stderr"
	config "[default]" "engine = paddle"
	faiz "$CARD"
	assert_equal "$status" 2
	grep -qF "$CONF:2: unknown engine 'paddle'" <<<"$stderr"
	assert_equal "$(nreq)" 0
}

@test "a faiz-only option with the local engine is a usage error; without keys it says why local was chosen" {
	faiz --engine local --rate 2 "$CARD"
	assert_equal "$status" 2
	grep -qF -- "--rate is an option of the faiz engine: it cannot be used with the local engine" <<<"$stderr"
	! grep -qF "no credentials" <<<"$stderr"
	faiz --timeout 5 "$CARD"
	assert_equal "$status" 2
	grep -qF -- "--timeout is an option of the faiz engine" <<<"$stderr"
	grep -qF "no credentials are configured, so the local engine runs" <<<"$stderr"
	assert_equal "$(nreq)" 0
}

@test "--dry-run prices the faiz engine: with --engine local it is a usage error" {
	faiz --dry-run --engine local "$CARD"
	assert_equal "$status" 2
	grep -qF -- "--dry-run" <<<"$stderr"
	faiz --dry-run "$CARD"
	assert_success
	grep -qF "dry run: 1 images would be sent, costing 10 points" <<<"$stderr"
	assert_equal "$(nreq)" 0
}
