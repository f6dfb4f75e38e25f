# make install / uninstall honour PREFIX and DESTDIR and install every piece.
bats_require_minimum_version 1.5.0
load helper

@test "make install puts binary, man page, completions and models under DESTDIR/PREFIX" {
	top="$BATS_TEST_DIRNAME/.."
	run make -s -C "$top" install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/opt/fz
	assert_success
	r="$BATS_TEST_TMPDIR/root/opt/fz"
	[ -x "$r/bin/faiz-idcard" ]
	[ "$(stat -c %a "$r/bin/faiz-idcard")" = 755 ]
	[ -f "$r/share/man/man1/faiz-idcard.1" ]
	[ -f "$r/share/bash-completion/completions/faiz-idcard" ]
	[ -f "$r/share/zsh/site-functions/_faiz-idcard" ]
	[ -f "$r/share/fish/vendor_completions.d/faiz-idcard.fish" ]
	# The OCR models, each as listed in models/MANIFEST, readable by all.
	n=0
	while read -r kind f bytes sha; do
		[ "$kind" = model ] || continue
		m="$r/share/faiz-idcard/models/$f"
		[ "$(stat -c %a "$m")" = 644 ]
		[ "$(stat -c %s "$m")" = "$bytes" ]
		[ "$(sha256sum <"$m" | cut -d' ' -f1)" = "$sha" ]
		n=$((n + 1))
	done <"$top/models/MANIFEST"
	[ "$n" = 3 ]
	run "$r/bin/faiz-idcard" --version
	assert_output --regexp '^faiz-idcard [0-9]+\.[0-9]+\.[0-9]+$'
	# Nothing was installed outside DESTDIR.
	[ ! -e /opt/fz ]
	run make -s -C "$top" uninstall DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/opt/fz
	assert_success
	[ -z "$(find "$BATS_TEST_TMPDIR/root" -type f)" ]
	[ ! -e "$r/share/faiz-idcard" ]
}

@test "the man page renders" {
	run mandoc -Tmarkdown "$BATS_TEST_DIRNAME/../man/faiz-idcard.1"
	assert_success
	assert_output --partial 'EXIT STATUS'
}
