# Shared bats helper for tests/NN-*.bats: isolation, the binary under test, the cached card set, and emulator control.
#
# Use from a test file with `load helper`.  It defines default setup/teardown
# functions; a file that defines its own must call `common_setup` first in
# `setup` and `emu_stop` in `teardown` (when the test started the emulator).
#
#   FAIZ                 the binary under test (FAIZ_BIN overrides, e.g. the ASan build)
#   FAIZ_MODELS          exported: the checkout's models/ (for --text-lines)
#   cards                prints the directory of the standard specimen card set (made once per run)
#   emu_start [ARGS]     start tests/emulator.py on a free port, export FAIZ_ENDPOINT and the test keys
#                        (with --tls-cert/--tls-key among ARGS the URLs are https://)
#   emu_stop             stop it (the default teardown does this)
#   emu_faults JSON      queue faults, e.g. emu_faults '["502","ok"]'
#   emu_config JSON      e.g. emu_config '{"clock_offset": 600}'
#   emu_requests         print the JSON log of gateway requests
#   emu_stats            print {"requests": n, "charged": n, "refused": n}
#   nreq, charged        its requests and charged counts
#   assert_records N     the last run wrote exactly N JSON records
#   emu_reset            clear queue, log, nonces, counters, config and quota (back to the command line)

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

HELPER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON=/usr/bin/python3
EMULATOR="$HELPER_DIR/emulator.py"
MKCARDS="$HELPER_DIR/mkcards.py"
FIXTURES="$HELPER_DIR/fixtures"

# Resolve the binary before the FAIZ_* variables are cleared below.
FAIZ="${FAIZ_BIN:-$BATS_TEST_DIRNAME/../faiz-idcard}"
export FAIZ

# The user's environment must not leak into the tests: drop every FAIZ_*
# variable the client reads (FAIZ_BIN is the suite's own, kept) and every
# proxy variable libcurl honours.
for _v in $(compgen -v FAIZ_); do
	[ "$_v" = FAIZ_BIN ] || unset "$_v"
done
unset _v
# The OCR models of this checkout (git-ignored, fetched by make deps), so
# that both the plain and the ASan binary (build/asan/, with no models/
# beside it) find them; a test of the lookup itself unsets or overrides it.
FAIZ_MODELS="$(cd "$HELPER_DIR/.." && pwd)/models"
export FAIZ_MODELS
# The terminal's width would fit tables written to a pipe (issue F.22).
unset COLUMNS
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy NO_PROXY no_proxy ftp_proxy FTP_PROXY

# The emulator's default key pair.
EMU_ACCESS_KEY=0123456789abcdef0123456789abcdef
EMU_SECRET_KEY=fedcba9876543210fedcba9876543210

# Directory of the standard card set, generated once per bats run (all files,
# all parallel jobs) under a lock.
cards() {
	local dir="$BATS_RUN_TMPDIR/cards"
	if [ ! -f "$dir/.done" ]; then
		(
			flock 9
			if [ ! -f "$dir/.done" ]; then
				rm -rf "$dir.tmp"
				"$PYTHON" "$MKCARDS" set "$dir.tmp" >&2 || exit 1
				touch "$dir.tmp/.done"
				rm -rf "$dir"
				mv "$dir.tmp" "$dir"
			fi
		) 9>"$BATS_RUN_TMPDIR/cards.lock" || {
			echo "helper: cannot make the card set" >&2
			return 1
		}
	fi
	printf '%s\n' "$dir"
}

# A private HOME, XDG_CONFIG_HOME and XDG_RUNTIME_DIR under DIR so no real config or state is used.
isolate_home() {
	local dir="$1"
	mkdir -p "$dir/home/.config"
	export HOME="$dir/home"
	export XDG_CONFIG_HOME="$dir/home/.config"
	# The pace shared by runs on one machine lives here (issue F.6): one per test.
	mkdir -p -m 700 "$dir/home/.run"
	export XDG_RUNTIME_DIR="$dir/home/.run"
	export XDG_STATE_HOME="$dir/home/.local/state"
}

common_setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	isolate_home "$BATS_TEST_TMPDIR"
	# Loading this helper cleared FAIZ_*; bring back what a file-scoped emulator set.
	if [ -f "$BATS_FILE_TMPDIR/emu.env" ]; then
		. "$BATS_FILE_TMPDIR/emu.env"
	fi
}

setup() {
	common_setup
}

# Stops only an emulator this test started: one started in setup_file is
# shared by the file and stopped in teardown_file.
teardown() {
	if [ "${EMU_SCOPE:-}" = test ]; then
		emu_stop
	fi
}

# Start the emulator with the test fixtures and any extra arguments.  Usable in
# setup (per test) or setup_file (shared by a file; stop it in teardown_file).
emu_start() {
	local dir="${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}"
	local i
	if [ -n "${BATS_TEST_TMPDIR:-}" ]; then EMU_SCOPE=test; else EMU_SCOPE=file; fi
	EMU_PORT_FILE="$dir/emu.port"
	EMU_LOG="$dir/emu.log"
	rm -f "$EMU_PORT_FILE"
	# fd 3 is closed so bats does not wait for the background process.
	"$PYTHON" "$EMULATOR" --port-file "$EMU_PORT_FILE" --fixtures "$FIXTURES" --log "$EMU_LOG" "$@" \
		>>"$EMU_LOG" 2>&1 3>&- &
	EMU_PID=$!
	for i in $(seq 50); do
		[ -s "$EMU_PORT_FILE" ] && break
		if ! kill -0 "$EMU_PID" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	if [ ! -s "$EMU_PORT_FILE" ]; then
		echo "helper: emulator did not start; its log:" >&2
		cat "$EMU_LOG" >&2
		kill "$EMU_PID" 2>/dev/null
		unset EMU_PID
		return 1
	fi
	EMU_PORT="$(cat "$EMU_PORT_FILE")"
	EMU_URL="http://127.0.0.1:$EMU_PORT"
	case " $* " in *" --tls-cert "*) EMU_URL="https://127.0.0.1:$EMU_PORT" ;; esac
	export EMU_PID EMU_PORT EMU_URL EMU_LOG EMU_SCOPE
	export FAIZ_ENDPOINT="$EMU_URL"
	export FAIZ_ACCESS_KEY="$EMU_ACCESS_KEY"
	export FAIZ_SECRET_KEY="$EMU_SECRET_KEY"
	isolate_home "$dir"
	if [ "$EMU_SCOPE" = file ]; then
		declare -p EMU_PID EMU_PORT EMU_URL EMU_LOG EMU_SCOPE FAIZ_ENDPOINT FAIZ_ACCESS_KEY FAIZ_SECRET_KEY |
			sed 's/^declare -[a-z-]* /export /' >"$BATS_FILE_TMPDIR/emu.env"
	fi
}

emu_stop() {
	if [ -n "${EMU_PID:-}" ]; then
		kill -TERM "$EMU_PID" 2>/dev/null
		wait "$EMU_PID" 2>/dev/null
		unset EMU_PID
		if [ "${EMU_SCOPE:-}" = file ]; then
			rm -f "$BATS_FILE_TMPDIR/emu.env"
		fi
	fi
	return 0
}

# emu_ctl METHOD PATH [JSON]: one control call; fails on an HTTP error.
emu_ctl() {
	local method="$1" path="$2" k=()
	shift 2
	# The harness talks to an HTTPS emulator without checking its test certificate.
	case $EMU_URL in https:*) k=(--insecure) ;; esac
	if [ $# -gt 0 ]; then
		curl -sS "${k[@]}" --noproxy '*' --fail-with-body -X "$method" -H 'Content-Type: application/json' \
			--data-binary "$1" "$EMU_URL$path"
	else
		curl -sS "${k[@]}" --noproxy '*' --fail-with-body -X "$method" "$EMU_URL$path"
	fi
}

emu_faults() { emu_ctl POST /_emu/faults "$1" >/dev/null; }
emu_config() { emu_ctl POST /_emu/config "$1" >/dev/null; }
emu_reset() { emu_ctl POST /_emu/reset >/dev/null; }
emu_requests() { emu_ctl GET /_emu/requests; }
emu_stats() { emu_ctl GET /_emu/stats; }
nreq() { emu_stats | jq -r .requests; }    # gateway requests the emulator has seen
charged() { emu_stats | jq -r .charged; }  # answers it charged for

# distinct SRC DST TAG: a copy of the JPEG SRC with a comment segment naming TAG (up to 8
# characters) right after SOI: the same card, other bytes. A run sends each content once (F.4),
# so tests that need several uploads of one card use these.
distinct() {
	{
		head -c 2 "$1"
		printf '\377\376\000\012%-8.8s' "$3"
		tail -c +3 "$1"
	} >"$2"
}

# assert_records N: the last run wrote exactly N records, each one valid JSON.
assert_records() {
	local n="$1" i
	[ "${#lines[@]}" -eq "$n" ] || {
		echo "expected $n records, got ${#lines[@]}: $output" >&2
		return 1
	}
	for ((i = 0; i < n; i++)); do
		printf '%s\n' "${lines[$i]}" | jq -e 'type == "object"' >/dev/null
	done
}

# serve_start NAME [ARGS]: `faiz-idcard serve` on a free loopback port; sets
# NAME_PID, NAME_URL, NAME_PORT and NAME_LOG (its stderr: the access log), and
# adds the pid to PIDS for a teardown that stops them all.
serve_start() {
	local name="$1" i port= log="$BATS_TEST_TMPDIR/$1.log"
	shift
	"$FAIZ" serve --listen 127.0.0.1:0 "$@" 2>"$log" 3>&- &
	local pid=$!
	PIDS+=("$pid")
	for i in $(seq 600); do
		port="$(sed -n 's/.*listening on .* (port \([0-9]*\)).*/\1/p' "$log")"
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if [ -z "$port" ]; then
		echo "serve $name did not start:" >&2
		cat "$log" >&2
		return 1
	fi
	printf -v "${name}_PID" %s "$pid"
	printf -v "${name}_PORT" %s "$port"
	printf -v "${name}_URL" %s "http://127.0.0.1:$port"
	printf -v "${name}_LOG" %s "$log"
}

# man_missing SUBSECTION WORD...: print the words that are no `.It Li WORD`
# entry of subsection SUBSECTION (.Ss) of the man page; nothing when all are.
man_missing() {
	local sec="$1" w section missing=
	shift
	section=$(sed -n "/^\.Ss $sec\$/,/^\.S[sh] /p" "$HELPER_DIR/../man/faiz-idcard.1")
	for w in "$@"; do
		grep -qx "\.It Li $w" <<<"$section" || missing+=" $w"
	done
	printf '%s' "${missing# }"
}
