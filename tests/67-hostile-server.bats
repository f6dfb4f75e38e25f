# A server that answers wrongly: redirects, wrong JSON types in every field, a chunked answer cut off, a name that does not resolve.
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
	cp "$(cards)/front_lisi.jpg" lisi.jpg
}

teardown() {
	if [ -n "${OTHER_PID:-}" ]; then
		kill -TERM "$OTHER_PID" 2>/dev/null
		wait "$OTHER_PID" 2>/dev/null
	fi
	return 0
}

rec() { # N FILTER: jq FILTER on the Nth ndjson record of $output
	printf '%s\n' "$output" | jq -sr ".[$1] | $2"
}

@test "redirect: a 302 to another host is not followed: http_302, exit 3, the other host gets nothing" {
	"$PYTHON" "$EMULATOR" --port-file other.port --log other.log >>other.log 2>&1 3>&- &
	OTHER_PID=$!
	for _ in $(seq 50); do [ -s other.port ] && break; sleep 0.1; done
	other="http://127.0.0.1:$(cat other.port)"
	emu_faults "[\"redirect:$other/api/ai/ocr/idcard\"]"
	run --separate-stderr "$FAIZ" -j 1 --rate 50 front.jpg lisi.jpg
	# src/response.c: any status but 200/401/403/5xx is RESP_NOT_GATEWAY, which stops the run (exit 3).
	assert_equal "$status" 3
	assert_equal "$(rec 0 .error.code)" http_302
	rec 0 .error.message | grep -q 'answered HTTP 302'
	assert_equal "$(rec 1 .error.code)" not_sent
	grep -q 'check --endpoint' <<<"$stderr"
	assert_equal "$(emu_requests | jq -c '[.[].status]')" '[302]'
	assert_equal "$(curl -sS --noproxy '*' "$other/_emu/stats" | jq -c .)" \
		'{"requests":0,"charged":0,"refused":0}'
}

@test "wrong JSON type in each data field: bad_response naming it, exit 1, the next image still recognised" {
	local f n=0 args
	for f in name sex people birthday address id_number issue_authority validity type \
		head_covered head_blurred border_covered gray_image time_cost error_code \
		head_portrait cropped_image id_number_image; do
		for save in no yes; do
			case $f:$save in
			head_portrait:* | cropped_image:* | id_number_image:*) ;;
			*:yes) continue ;;
			esac
			args=(--rate 50)
			[ "$save" = yes ] && args+=(--save-images "saved-$f")
			emu_reset
			emu_faults "[\"type:$f\"]"
			run --separate-stderr "$FAIZ" -j 1 "${args[@]}" front.jpg lisi.jpg
			echo "field $f save $save: status $status" >&2
			echo "$output" >&2
			assert_equal "$status" 1
			code=$(rec 0 .error.code)
			if [ "$save" = yes ]; then
				[[ $code == bad_response || $code == bad_image ]]
				# Nothing of the broken answer was saved.
				[ -z "$(ls -A "saved-$f" | grep '^front\.')" ]
			else
				assert_equal "$code" bad_response
			fi
			rec 0 .error.message | grep -q "data\.$f"
			assert_equal "$(rec 1 .error)" null
			assert_equal "$(rec 1 .id_number)" 11010119851127100X
			assert_equal "$(emu_requests | jq -c '[.[].outcome]')" "[\"fault:type:$f\",\"ok\"]"
			n=$((n + 1))
		done
	done
	assert_equal "$n" 21
}

@test "chunked HTTP 200 answer cut mid-way: charged, bad_response, not retried, exit 1, the earlier record intact" {
	emu_faults '["ok","chunked-cut","chunked-cut"]'
	run --separate-stderr "$FAIZ" -j 1 --rate 50 --retries 1 front.jpg lisi.jpg
	assert_equal "$status" 1
	assert_equal "$(rec 0 .error)" null
	assert_equal "$(rec 0 .id_number)" 440105199208220038
	assert_equal "$(rec 1 .error.code)" bad_response
	rec 1 .error.message | grep -q 'cut short'
	assert_equal "$(emu_requests | jq -c '[.[].outcome]')" '["ok","fault:chunked-cut"]'
	# Two records: nothing lost, nothing doubled.
	assert_equal "$(printf '%s\n' "$output" | jq -s length)" 2
}

@test "a host name that does not resolve: network, the message says so, exit 4" {
	FAIZ_ENDPOINT=http://faiz-gateway.invalid \
		run --separate-stderr timeout 30 "$FAIZ" --rate 50 --connect-timeout 3 --retries 0 front.jpg
	assert_equal "$status" 4
	assert_equal "$(rec 0 .error.code)" network
	rec 0 .error.message | grep -qi 'resolve'
	grep -qi 'resolve host: faiz-gateway.invalid' <<<"$stderr"
	assert_equal "$(emu_stats | jq .requests)" 0
}
