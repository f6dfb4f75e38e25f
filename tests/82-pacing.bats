# Pacing against a backend that admits one request a second (Guava tryAcquire): no refusals at the default pace, slow-down after 50004/1414, refusals counted and charged.
bats_require_minimum_version 1.5.0
load helper

setup_file() {
	# The backend behind the emulated gateway admits one request a second in total.
	emu_start --backend-rate 1
}

teardown_file() {
	emu_stop
}

setup() {
	common_setup
	emu_reset
	C="$(cards)"
	mkdir -p w
	cp "$C/front_zhangsan.jpg" w/1.jpg
	cp "$C/back_zhangsan.jpg" w/2.jpg
	cp "$C/front_lisi.jpg" w/3.jpg
	cp "$C/temporary_wangwu.jpg" w/4.jpg
	# Repeats with other bytes: each content is sent once.
	distinct "$C/front_zhangsan.jpg" w/5.jpg 5
	distinct "$C/front_lisi.jpg" w/6.jpg 6
}

# --- helpers ---------------------------------------------------------------------

stat_of() { emu_stats | jq -r ".$1"; }

# Arrival times of the gateway requests, sorted, one a line.
arrivals() { emu_requests | jq -r '[.[].time] | sort | .[]'; }

# min_gap: the smallest gap between consecutive request arrivals (seconds).
min_gap() {
	emu_requests | jq -r '[.[].time] | sort | [range(1; length) as $i | .[$i] - .[$i - 1]] | min'
}

# float_ge A B: A >= B.
float_ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }'; }

# The last run's summary line, and field N of it (1 recognised .. 6 points charged).
summary() {
	printf '%s\n' "$stderr" | grep -E '^faiz-idcard: [0-9]+ recognised, [0-9]+ failed, [0-9]+ skipped, [0-9]+ not sent, [0-9]+ refused, [0-9]+ points charged, ' | tail -n 1
}
summary_field() {
	summary | sed -E 's/^faiz-idcard: ([0-9]+) recognised, ([0-9]+) failed, ([0-9]+) skipped, ([0-9]+) not sent, ([0-9]+) refused, ([0-9]+) points charged, .*/\'"$1"'/'
}

assert_summary() {
	[ -n "$(summary)" ] || {
		echo "no summary line on stderr:" >&2
		printf '%s\n' "$stderr" >&2
		return 1
	}
}

# count_code CODE: records of the last run whose error.code is CODE ("null" for recognised).
count_code() {
	printf '%s\n' "$output" | jq -s --arg c "$1" '[.[] | select((.error.code // "null") == $c)] | length'
}

# --- the default pace ------------------------------------------------------------

@test "default pace over 5 cards: no refusal, 5 charged, arrivals at least 1 s apart" {
	emu_config '{"latency": 0.3}'
	run --separate-stderr "$FAIZ" w/1.jpg w/2.jpg w/3.jpg w/4.jpg w/5.jpg
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 5
	assert_equal "$(count_code null)" 5
	assert_equal "$(stat_of refused)" 0
	assert_equal "$(stat_of charged)" 5
	assert_equal "$(stat_of requests)" 5
	gap=$(min_gap)
	float_ge "$gap" 1.0 || {
		echo "requests closer than 1 s: smallest gap $gap; arrivals:" >&2
		arrivals >&2
		return 1
	}
	assert_summary
	assert_equal "$(summary_field 1)" 5
	assert_equal "$(summary_field 5)" 0
	assert_equal "$(summary_field 6)" 50
}

@test "-j 3 with answers slower than the pace: still no refusal, starts 1 s apart (the pace is per run)" {
	emu_config '{"latency": 1.5}'
	run --separate-stderr "$FAIZ" -j 3 w/1.jpg w/2.jpg w/3.jpg w/4.jpg w/5.jpg
	assert_equal "$status" 0
	assert_equal "$(count_code null)" 5
	assert_equal "$(stat_of refused)" 0
	assert_equal "$(stat_of charged)" 5
	gap=$(min_gap)
	float_ge "$gap" 1.0 || {
		echo "requests closer than 1 s: smallest gap $gap; arrivals:" >&2
		arrivals >&2
		return 1
	}
	# The jobs did overlap: the second request came before the first was answered (1.5 s).
	t1=$(arrivals | sed -n 1p)
	t2=$(arrivals | sed -n 2p)
	float_ge "$t1" "$(awk -v t="$t2" 'BEGIN { printf "%.6f", t - 1.5 }')"
	# Records still in input order.
	assert_equal "$(printf '%s\n' "$output" | jq -r .file | paste -sd,)" "w/1.jpg,w/2.jpg,w/3.jpg,w/4.jpg,w/5.jpg"
}

# --- a pace faster than the backend admits ---------------------------------------

@test "naive pace (--rate 1000 -j 1 --retries 0): refusals happen, get 50004, are counted and charged" {
	emu_config '{"latency": 0.05}'
	run --separate-stderr "$FAIZ" --rate 1000 -j 1 --retries 0 w/1.jpg w/2.jpg w/3.jpg w/4.jpg w/5.jpg w/6.jpg
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 6
	refused=$(stat_of refused)
	((refused > 0))
	# Each image was sent once; every answer (refusals included) was charged.
	assert_equal "$(stat_of requests)" 6
	assert_equal "$(stat_of charged)" 6
	# The refused images, and only they, failed with the service's code 50004.
	assert_equal "$(count_code 50004)" "$refused"
	assert_equal "$(count_code null)" $((6 - refused))
	printf '%s\n' "$output" | jq -e 'select(.error.code == "50004") | .error.message | type == "string" and length > 0' >/dev/null
	assert_equal "$(emu_requests | jq '[.[] | select(.outcome == "backend-refused")] | length')" "$refused"
	assert_summary
	assert_equal "$(summary_field 1)" $((6 - refused))
	assert_equal "$(summary_field 2)" "$refused"
	assert_equal "$(summary_field 5)" "$refused"
	assert_equal "$(summary_field 6)" 60
}

@test "--rate 1000 -j 1 --retries 5: slows down after a refusal, every image recognised, refusals in the summary" {
	emu_config '{"latency": 0.05}'
	run --separate-stderr "$FAIZ" --rate 1000 -j 1 --retries 5 w/1.jpg w/2.jpg w/3.jpg w/4.jpg w/5.jpg
	assert_equal "$status" 0
	assert_equal "${#lines[@]}" 5
	assert_equal "$(count_code null)" 5
	refused=$(stat_of refused)
	((refused > 0))
	# Each refused image was sent again; all answers were charged.
	assert_equal "$(stat_of requests)" $((5 + refused))
	assert_equal "$(stat_of charged)" $((5 + refused))
	# After every refusal the next request came at least 1 s later.
	bad=$(emu_requests | jq '[sort_by(.time) | . as $r | range(0; length - 1) as $i
		| select($r[$i].outcome == "backend-refused" and ($r[$i + 1].time - $r[$i].time) < 1.0)] | length')
	assert_equal "$bad" 0
	assert_summary
	assert_equal "$(summary_field 1)" 5
	assert_equal "$(summary_field 2)" 0
	assert_equal "$(summary_field 5)" "$refused"
	assert_equal "$(summary_field 6)" $((10 * (5 + refused)))
}

@test "--rate 2 against a backend admitting 2 a second: no refusal, starts 0.5 s apart" {
	emu_config '{"backend_rate": 2, "latency": 0.05}'
	run --separate-stderr "$FAIZ" --rate 2 w/1.jpg w/2.jpg w/3.jpg w/4.jpg w/5.jpg w/6.jpg
	assert_equal "$status" 0
	assert_equal "$(count_code null)" 6
	assert_equal "$(stat_of refused)" 0
	assert_equal "$(stat_of charged)" 6
	# Paced at 1.04 / 2 = 0.52 s: on average at least 0.5 s apart (arrival jitter of a loaded
	# machine can take a few ms off one gap, but not off the run's span), never close to 0.
	mean=$(emu_requests | jq -r '[.[].time] | sort | (.[-1] - .[0]) / (length - 1)')
	float_ge "$mean" 0.5 || {
		echo "requests on average $mean s apart" >&2
		arrivals >&2
		return 1
	}
	gap=$(min_gap)
	float_ge "$gap" 0.45 || {
		echo "requests closer than 0.45 s: smallest gap $gap" >&2
		arrivals >&2
		return 1
	}
	assert_summary
	assert_equal "$(summary_field 5)" 0
}

@test "1414 from the gateway slows the whole run even with --rate 50: 1 s before the next request, recovery gradual" {
	# No backend limiter here: only the gateway's 1414 refuses.
	emu_config '{"backend_rate": 0}'
	emu_faults '["1414"]'
	run --separate-stderr "$FAIZ" --rate 50 -j 1 w/1.jpg w/2.jpg w/3.jpg w/4.jpg
	assert_equal "$status" 0
	assert_equal "$(count_code null)" 4
	assert_equal "$(stat_of requests)" 5
	assert_equal "$(emu_requests | jq -c '[sort_by(.time)[].outcome]')" '["fault:1414","ok","ok","ok","ok"]'
	# The refused image was sent again, after at least a second.
	assert_equal "$(emu_requests | jq -r 'sort_by(.time) | (.[0].body_sha256 == .[1].body_sha256)')" true
	g1=$(emu_requests | jq -r 'sort_by(.time) | .[1].time - .[0].time')
	float_ge "$g1" 1.0 || {
		echo "request after the 1414 came $g1 s later" >&2
		return 1
	}
	# The run does not jump straight back to --rate 50 (0.0208 s) after one success.
	g2=$(emu_requests | jq -r 'sort_by(.time) | .[2].time - .[1].time')
	float_ge "$g2" 0.2 || {
		echo "second gap after the 1414 only $g2 s: the slow-down did not last" >&2
		return 1
	}
	assert_summary
	assert_equal "$(summary_field 5)" 1
}
