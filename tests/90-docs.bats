#!/usr/bin/env bats
# The documentation agrees with the code: man page, --help, README and the
# bash, zsh and fish completions against src/options.c's option table; exit
# codes, error codes and format names against the sources.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

FAIZ="${FAIZ_BIN:-$BATS_TEST_DIRNAME/../faiz-idcard}"
ROOT="$BATS_TEST_DIRNAME/.."
OPTIONS_C="$ROOT/src/options.c"
MAN="$ROOT/man/faiz-idcard.1"
README="$ROOT/README.md"
BASH_COMP="$ROOT/completions/faiz-idcard.bash"
ZSH_COMP="$ROOT/completions/_faiz-idcard"
FISH_COMP="$ROOT/completions/faiz-idcard.fish"

setup() {
	TMP="$(mktemp -d "${BATS_TMPDIR:-/tmp}/90-docs.XXXXXX")"
	cd "$TMP" || return 1
}

teardown() {
	cd / && rm -rf "$TMP"
}

# --- extracting the truth from the sources ----------------------------------

# The long option names of the option table (opt_table[]), one per line.
long_opts() {
	sed -n '/opt_table\[\][[:space:]]*=/,/^[[:space:]]*};/p' "$OPTIONS_C" |
		sed -n 's/^[[:space:]]*{[[:space:]{]*"\([^"]*\)".*/\1/p'
}

# "name x" for each long option whose value is the short option 'x'.
long_short_pairs() {
	sed -n '/opt_table\[\][[:space:]]*=/,/^[[:space:]]*};/p' "$OPTIONS_C" |
		sed -n "s/^[[:space:]]*{[[:space:]{]*\"\([^\"]*\)\".*'\(.\)'[[:space:]]*}.*/\1 \2/p"
}

# The short option letters of short_options, one per line (':' dropped).
short_opts() {
	sed -n 's/.*short_options\[\][[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$OPTIONS_C" |
		tr -d ':' | fold -w1
}

# The text of one man page section (.Sh NAME up to the next .Sh).
man_section() {
	awk -v want="$1" '
		/^\.Sh / { insec = (substr($0, 5) == want); next }
		insec' "$MAN"
}

# SYNOPSIS without the serve line (whose options are serve's own, checked
# against src/srv_opts.c by tests/89-serve-cli.bats).
man_synopsis() {
	man_section SYNOPSIS | awk '/^\.Nm/ { skip = 0 } /^\.Cm serve/ { skip = 1 } !skip'
}

# The zsh completion without _faiz_idcard_serve (serve's own options).
zsh_main() {
	awk '/^_faiz_idcard_serve\(\) \{/ { skip = 1 } !skip { print } skip && /^\}/ { skip = 0 }' "$ZSH_COMP"
}

# The text of one subsection (.Ss NAME up to the next .Ss or .Sh).
man_subsection() {
	awk -v want="$1" '
		/^\.Sh / { insec = 0; next }
		/^\.Ss / { insec = (substr($0, 5) == want); next }
		insec' "$MAN"
}

# Every option a piece of mdoc names with Fl: "--name" for "Fl -name",
# "-x" for each letter or digit of "Fl xyz" (so "Fl 0qrvV" gives -0 too).
fl_options() {
	grep -oE '(^\.|[[:space:]])Fl[[:space:]]+[^[:space:]]+' |
		sed -E 's/^(\.|[[:space:]]*)Fl[[:space:]]+//' |
		while IFS= read -r tok; do
			case $tok in
			-[a-z]*) printf -- '-%s\n' "$tok" ;;
			[0-9A-Za-z]*) printf '%s\n' "$tok" | fold -w1 | sed 's/^/-/' ;;
			esac
		done | sort -u
}

# The formats parse_format() accepts.
source_formats() {
	sed -n '/^parse_format(/,/^}/p' "$OPTIONS_C" |
		grep -oE 'strcmp\([^,]+,[[:space:]]*"[^"]+"' | sed -E 's/.*"([^"]+)"$/\1/' | sort -u
}

# The image names parse_images() accepts.
source_images() {
	sed -n '/^parse_images(/,/^}/p' "$OPTIONS_C" |
		grep -oE 'strncmp\([^,]+,[[:space:]]*"[^"]+"' | sed -E 's/.*"([^"]+)"$/\1/' | sort -u
}

# An option's word, matched as a whole word in plain text.
has_word() { # file word
	grep -qE -- "(^|[^-[:alnum:]_])$2([^-[:alnum:]_]|\$)" "$1"
}

# Runs the bash completion function for a command line whose last word is
# being completed; prints the candidates one per line.
bash_complete() {
	bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_faiz_idcard
		printf "%s\n" "${COMPREPLY[@]}"' _ "$BASH_COMP" "$@"
}

# --- the option table itself -------------------------------------------------

@test "options.c: the option table and short_options parse, and every short option has a long name" {
	run long_opts
	assert_success
	[ "${#lines[@]}" -ge 1 ]
	run short_opts
	assert_success
	[ "${#lines[@]}" -ge 1 ]
	local x
	for x in $(short_opts); do
		long_short_pairs | grep -qE "^[a-z-]+ $x\$" || fail "short option -$x has no long name in opt_table[]"
	done
}

# --- the man page -------------------------------------------------------------

@test "man: mandoc -Tlint -W warning is clean" {
	run mandoc -Tlint -W warning "$MAN"
	assert_success
	assert_output ""
}

@test "man: every long option in the table is documented as 'Fl -name' in OPTIONS" {
	local opts name
	opts="$(man_section OPTIONS | fl_options)"
	for name in $(long_opts); do
		grep -qxF -- "--$name" <<<"$opts" || fail "--$name missing from the man page's OPTIONS"
	done
}

@test "man: every short option in the table is documented as 'Fl x' in OPTIONS" {
	local x
	for x in $(short_opts); do
		man_section OPTIONS | grep -qE -- "(^|[[:space:]])Fl $x([[:space:]]|\$)" ||
			fail "-$x missing from the man page's OPTIONS as 'Fl $x'"
	done
}

@test "man: every option in SYNOPSIS, by its short or long name" {
	local syn name x
	syn="$(man_synopsis | fl_options)"
	while read -r name x; do
		grep -qxF -- "-$x" <<<"$syn" || fail "-$x (--$name) missing from SYNOPSIS"
	done < <(long_short_pairs)
	for name in $(long_opts); do
		long_short_pairs | grep -q "^$name " && continue
		grep -qxF -- "--$name" <<<"$syn" || fail "--$name missing from SYNOPSIS"
	done
}

@test "man: no option in SYNOPSIS or OPTIONS that the table lacks" {
	local opt known
	known="$( (long_opts | sed 's/^/--/'; short_opts | sed 's/^/-/') | sort -u)"
	[ -n "$(man_section OPTIONS | fl_options)" ] || fail "no options found in OPTIONS"
	for opt in $( (man_synopsis; man_section OPTIONS) | fl_options); do
		grep -qxF -- "$opt" <<<"$known" || fail "man page documents $opt, which src/options.c does not have"
	done
}

@test "man: the formats of -f are exactly those parse_format accepts" {
	local src doc fmts
	src="$(source_formats)"
	[ -n "$src" ] || fail "no formats found in parse_format()"
	# The -f item of OPTIONS: from '.It Fl f' to the next '.It'.
	doc="$(man_section OPTIONS | awk '/^\.It Fl f /{on=1; next} /^\.It /{on=0} on' |
		sed -n 's/^\.Cm \([a-z]*\).*/\1/p' | sort -u)"
	assert_equal "$doc" "$src"
	# And the Formats subsection of OUTPUT describes each one.
	fmts="$(man_subsection Formats | sed -n 's/^\.It Cm \([a-z]*\).*/\1/p' | sort -u)"
	assert_equal "$fmts" "$src"
}

@test "man: the --images names are exactly those parse_images accepts" {
	local src doc
	src="$(source_images)"
	[ -n "$src" ] || fail "no image names found in parse_images()"
	doc="$(man_section OPTIONS | awk '/^\.It Fl -images /{on=1; next} /^\.It /{on=0} on' |
		sed -n 's/^\.Cm \([a-z_]*\)$/\1/p' | sort -u)"
	assert_equal "$doc" "$src"
}

@test "man: EXIT STATUS lists 0 1 2 3 4 5 130, the numbers src/exitcode.h defines" {
	local doc src
	doc="$(man_section 'EXIT STATUS' | sed -n 's/^\.It \([0-9][0-9]*\)$/\1/p' | sort -n | tr '\n' ' ')"
	src="$(sed -n '/^enum exit_code/,/^};/p' "$ROOT/src/exitcode.h" |
		sed -n 's/.*=[[:space:]]*\([0-9][0-9]*\).*/\1/p' | sort -n | tr '\n' ' ')"
	assert_equal "$doc" "0 1 2 3 4 5 130 "
	assert_equal "$src" "$doc"
}

@test "man: version in .Os matches src/version.h and --version" {
	local v
	v="$(sed -n 's/^#define FAIZ_VERSION "\(.*\)"/\1/p' "$ROOT/src/version.h")"
	[ -n "$v" ] || fail "no FAIZ_VERSION in src/version.h"
	run grep -xF ".Os faiz-idcard $v" "$MAN"
	assert_success
	run "$FAIZ" --version
	assert_success
	assert_output "faiz-idcard $v"
}

# --- error codes ----------------------------------------------------------------

# The codes listed in the man page's "Error codes" subsection ('.It Li CODE').
man_error_codes() {
	man_subsection 'Error codes' | grep '^\.It ' | grep -oE 'Li [A-Za-z0-9_]+' |
		sed 's/^Li //' | sort -u
}

# The codes passed literally to record_set_error(rec, "code", ...) in src/*.c.
src_error_codes() {
	cat "$ROOT"/src/*.c | tr '\n' ' ' |
		grep -oE 'record_set_error\([^,()]+,[[:space:]]*"[^"]+"' |
		sed -E 's/.*"([^"]+)"$/\1/' | sort -u
}

@test "error codes: every code src/*.c passes to record_set_error is in the man page" {
	local doc code
	doc="$(man_error_codes)"
	[ -n "$doc" ] || fail "no error codes found in the man page"
	run src_error_codes
	assert_success
	[ -n "$output" ] || fail "no record_set_error(rec, \"code\", ...) calls found in src/*.c"
	for code in $output; do
		grep -qxF -- "$code" <<<"$doc" || fail "error code '$code' is set in src/ but not documented"
	done
}

@test "error codes: every code in the man page exists in src/*.c" {
	local code
	for code in $(man_error_codes); do
		case $code in
		*_)	# a prefix such as http_NNN: built from a format
			grep -qF -- "\"$code" "$ROOT"/src/*.c || fail "no \"$code...\" in src/ for the documented code ${code}NNN" ;;
		[0-9]*) ;; # the service's own codes: they come from the response
		*)
			grep -qF -- "\"$code\"" "$ROOT"/src/*.c || fail "documented error code '$code' does not occur in src/" ;;
		esac
	done
}

@test "error codes: the man page's table of data.error_code matches the service page's list" {
	# The page's codes, as the man page's column list shows them, must each
	# also be a listed service code (in the '.It Li' lists above the table).
	local tab
	tab="$(man_subsection 'Error codes' | sed -n 's/^\.It Li \([0-9][0-9]*\) Ta .*/\1/p' | tr '\n' ' ')"
	assert_equal "$tab" "40001 40002 40003 40004 40005 40006 40007 40008 40009 40010 50001 50004 90099 "
}

# --- warning codes --------------------------------------------------------------

# The codes listed in the man page's "Warning codes" subsection ('.It Li CODE').
man_warning_codes() {
	man_subsection 'Warning codes' | sed -n 's/^\.It Li \([a-z_][a-z0-9_]*\)$/\1/p' | sort -u
}

# The warning codes src/checks.c and src/pair.c use, as string literals:
# record_warning(warnings, "code", ...) and json_pack(..., "code", "name", ...).
src_warning_codes() {
	cat "$ROOT/src/checks.c" "$ROOT/src/pair.c" | tr '\n' ' ' |
		grep -oE 'record_warning\([^,()]+,[[:space:]]*"[^"]+"|"code",[[:space:]]*"[^"]+"' |
		sed -E 's/.*"([^"]+)"$/\1/' | sort -u
}

@test "warning codes: every code src/checks.c and src/pair.c warn with is in the man page" {
	local doc code
	doc="$(man_warning_codes)"
	[ -n "$doc" ] || fail "no warning codes found in the man page's 'Warning codes'"
	run src_warning_codes
	assert_success
	[ -n "$output" ] || fail "no warning codes found in src/checks.c and src/pair.c"
	for code in $output; do
		grep -qxF -- "$code" <<<"$doc" || fail "warning code '$code' is used in src/ but not documented"
	done
}

@test "warning codes: every code in the man page is used in src/*.c" {
	local code
	[ -n "$(man_warning_codes)" ] || fail "no warning codes found in the man page"
	for code in $(man_warning_codes); do
		# checks.c and pair.c, or another module's warning such as small_image.
		src_warning_codes | grep -qxF -- "$code" ||
			cat "$ROOT"/src/*.c | tr '\n' ' ' |
			grep -qE -- "((record_warning|recog_result_warn)\([^,()]+|\"code\"),[[:space:]]*\"$code\"" ||
			fail "documented warning code '$code' is not used in src/"
	done
}

# --- --help --------------------------------------------------------------------

@test "--help: lists every long and short option, on stdout, exit 0" {
	local name x
	run "$FAIZ" --help
	assert_success
	printf '%s\n' "$output" >help.txt
	for name in $(long_opts); do
		has_word help.txt "--$name" || fail "--$name missing from --help"
	done
	for x in $(short_opts); do
		has_word help.txt "-$x" || fail "-$x missing from --help"
	done
}

# --- README ----------------------------------------------------------------------

@test "README: the Options list has every long and short option, and no other" {
	local name x opt known
	sed -n '/^## Options/,/^## /p' "$README" | sed '$d' >options.md
	[ -s options.md ] || fail "README.md has no '## Options' section"
	for name in $(long_opts); do
		has_word options.md "--$name" || fail "--$name missing from README.md's Options"
	done
	for x in $(short_opts); do
		has_word options.md "-$x" || fail "-$x missing from README.md's Options"
	done
	known="$( (long_opts | sed 's/^/--/'; short_opts | sed 's/^/-/') | sort -u)"
	# The option column: the first cell of each table row.
	for opt in $(sed -n 's/^| \([^|]*\) |.*/\1/p' options.md | grep -oE -- '`-[-a-zA-Z0-9]+' | tr -d '`'); do
		grep -qxF -- "$opt" <<<"$known" || fail "README.md lists $opt, which src/options.c does not have"
	done
}

@test "README: setup is exactly 'make deps && make' and 'make check' in one block" {
	run awk '/^## Setup/{on=1; next} /^## /{on=0} on && /^```/{n++; next} on && n==1' "$README"
	assert_success
	assert_output $'make deps && make\nmake check'
}

# --- bash completion ------------------------------------------------------------

@test "bash completion: loads, and registers _faiz_idcard for faiz-idcard" {
	run bash -c 'source "$1" && complete -p faiz-idcard' _ "$BASH_COMP"
	assert_success
	assert_output "complete -F _faiz_idcard faiz-idcard"
}

@test "bash completion: offers every option of the table, and no other" {
	local name x opt
	run bash_complete faiz-idcard -
	assert_success
	printf '%s\n' "$output" >offered
	for name in $(long_opts); do
		grep -qxF -- "--$name" offered || fail "bash completion does not offer --$name"
	done
	for x in $(short_opts); do
		grep -qxF -- "-$x" offered || fail "bash completion does not offer -$x"
	done
	for opt in $(cat offered); do
		{ long_opts | sed 's/^/--/'; short_opts | sed 's/^/-/'; } | grep -qxF -- "$opt" ||
			fail "bash completion offers $opt, which src/options.c does not have"
	done
}

@test "bash completion: -f and --format= offer exactly the formats parse_format accepts" {
	run bash_complete faiz-idcard -f ''
	assert_success
	assert_equal "$(sort <<<"$output")" "$(source_formats)"
	run bash_complete faiz-idcard --format = ''
	assert_success
	assert_equal "$(sort <<<"$output")" "$(source_formats)"
}

@test "bash completion: --images completes the names after a comma" {
	run bash_complete faiz-idcard --images ''
	assert_success
	assert_equal "$(sort <<<"$output")" "$(source_images)"
	run bash_complete faiz-idcard --save-images d --images cropped,p
	assert_success
	assert_output "cropped,portrait"
}

@test "bash completion: --profile offers the sections of \$FAIZ_CONFIG or of --config" {
	printf '[default]\naccess_key = a\n# [commented]\n  [ work ]\n[lab]\nendpoint = http://127.0.0.1:8090\n' >conf
	run env FAIZ_CONFIG="$TMP/conf" bash -c '
		source "$1"; COMP_WORDS=(faiz-idcard --profile ""); COMP_CWORD=2
		_faiz_idcard; printf "%s\n" "${COMPREPLY[@]}"' _ "$BASH_COMP"
	assert_success
	assert_output $'default\nwork\nlab'
	run env -u FAIZ_CONFIG HOME="$TMP/nohome" XDG_CONFIG_HOME="$TMP/noxdg" bash -c '
		source "$1"; COMP_WORDS=(faiz-idcard --config "$2" --profile l); COMP_CWORD=4
		_faiz_idcard; printf "%s\n" "${COMPREPLY[@]}"' _ "$BASH_COMP" "$TMP/conf"
	assert_success
	assert_output "lab"
	mkdir -p xdg/faiz && cp conf xdg/faiz/config
	run env -u FAIZ_CONFIG XDG_CONFIG_HOME="$TMP/xdg" bash -c '
		source "$1"; COMP_WORDS=(faiz-idcard --profile w); COMP_CWORD=2
		_faiz_idcard; printf "%s\n" "${COMPREPLY[@]}"' _ "$BASH_COMP"
	assert_success
	assert_output "work"
}

@test "bash completion: operands are JPEG files and directories" {
	mkdir -p cards/sub && touch cards/a.jpg cards/b.JPEG cards/c.jpeg cards/d.png cards/e.txt
	run bash_complete faiz-idcard cards/
	assert_success
	assert_equal "$(sort <<<"$output")" $'cards/a.jpg\ncards/b.JPEG\ncards/c.jpeg\ncards/sub'
	run bash_complete faiz-idcard --save-images cards/
	assert_success
	assert_output "cards/sub"
}

# --- zsh completion -------------------------------------------------------------

@test "zsh completion: zsh -n passes and it is a #compdef for faiz-idcard" {
	run zsh -n "$ZSH_COMP"
	assert_success
	assert_output ""
	run head -n 1 "$ZSH_COMP"
	assert_output "#compdef faiz-idcard"
}

@test "zsh completion: the _arguments specs name every option of the table, with a description, and no other" {
	local name x opt
	for name in $(long_opts); do
		grep -qE -- "(['{,])--$name(=?[\[',}])" "$ZSH_COMP" || fail "--$name missing from the zsh completion"
	done
	for x in $(short_opts); do
		grep -qE -- "[{,]-$x\+?[,}]" "$ZSH_COMP" || fail "-$x missing from the zsh completion"
	done
	# No spec for an option the table lacks.
	for opt in $(zsh_main | grep -oE -- "(['{,])--?[a-zA-Z0-9][-a-z]*" | sed -E "s/^['{,]//"); do
		{ long_opts | sed 's/^/--/'; short_opts | sed 's/^/-/'; } | grep -qxF -- "$opt" ||
			fail "zsh completion has $opt, which src/options.c does not have"
	done
	# Each option's spec carries a [description].
	for name in $(long_opts); do
		grep -E -- "(['{,])--$name(=?[\[',}])" "$ZSH_COMP" | grep -qE "\[[^]]+\]" ||
			fail "--$name has no [description] in the zsh completion"
	done
}

@test "zsh completion: the -f formats are those parse_format accepts" {
	local doc
	doc="$(grep -E -- '--format' "$ZSH_COMP" | grep -oE '[a-z]+\\:' | sed 's/\\://' | sort -u)"
	assert_equal "$doc" "$(source_formats)"
}

# --- fish completion ------------------------------------------------------------

@test "fish completion: fish -n passes" {
	run fish -n "$FISH_COMP"
	assert_success
	assert_output ""
}

@test "fish completion: offers every option of the table, each with a description" {
	local name x
	run fish -c 'source $argv[1]; complete -C"faiz-idcard -"' "$FISH_COMP"
	assert_success
	printf '%s\n' "$output" >offered
	for name in $(long_opts); do
		grep -qE -- "^--$name	[^[:space:]]" offered || fail "fish completion does not offer --$name with a description"
	done
	for x in $(short_opts); do
		grep -qE -- "^-$x	[^[:space:]]" offered || fail "fish completion does not offer -$x with a description"
	done
	for opt in $(cut -f1 offered); do
		{ long_opts | sed 's/^/--/'; short_opts | sed 's/^/-/'; } | grep -qxF -- "$opt" ||
			fail "fish completion offers $opt, which src/options.c does not have"
	done
}

@test "fish completion: formats, --images and --profile" {
	run fish -c 'source $argv[1]; complete -C"faiz-idcard -f "' "$FISH_COMP"
	assert_success
	assert_equal "$(cut -f1 <<<"$output" | sort)" "$(source_formats)"
	run fish -c 'source $argv[1]; complete -C"faiz-idcard --images=portrait,"' "$FISH_COMP"
	assert_success
	assert_equal "$(cut -f1 <<<"$output" | sort)" $'--images=portrait,cropped\n--images=portrait,id_number'
	printf '[default]\n[work]\n' >conf
	run env FAIZ_CONFIG="$TMP/conf" fish -c 'source $argv[1]; complete -C"faiz-idcard --profile "' "$FISH_COMP"
	assert_success
	assert_equal "$(cut -f1 <<<"$output")" $'default\nwork'
}

@test "fish completion: operands are JPEG files and directories" {
	mkdir -p cards/sub && touch cards/a.jpg cards/b.JPEG cards/d.png
	run fish -c 'source $argv[1]; complete -C"faiz-idcard cards/"' "$FISH_COMP"
	assert_success
	assert_equal "$(cut -f1 <<<"$output" | sort)" $'cards/a.jpg\ncards/b.JPEG\ncards/sub/'
}
