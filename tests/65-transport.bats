# Transport: proxies from the environment, keep-alive, redirects never followed.
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
	cp "$(cards)/front_zhangsan.jpg" front.jpg
}

@test "http_proxy from the environment is used" {
	# The emulator also answers as an HTTP proxy: the request arrives in absolute form.
	FAIZ_ENDPOINT=http://faiz-gateway.invalid http_proxy="$EMU_URL" \
		run --separate-stderr "$FAIZ" --rate 50 front.jpg
	assert_success
	[ "$(printf '%s' "$output" | jq -r .name)" = 张三 ]
	[ "$(emu_requests | jq -r '.[0].path')" = "http://faiz-gateway.invalid/api/ai/ocr/idcard" ]
}

@test "no_proxy is honoured" {
	http_proxy=http://127.0.0.1:1 no_proxy=127.0.0.1 \
		run --separate-stderr "$FAIZ" --rate 50 front.jpg
	assert_success
	[ "$(emu_requests | jq -r '.[0].path')" = "/api/ai/ocr/idcard" ]
}

@test "a run of several images reuses one connection" {
	cp front.jpg f2.jpg
	cp front.jpg f3.jpg
	run --separate-stderr "$FAIZ" --rate 50 front.jpg f2.jpg f3.jpg
	assert_success
	[ "$(emu_requests | jq '[.[].peer_port] | unique | length')" = 1 ]
}
