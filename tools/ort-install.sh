#!/bin/sh
# Installs onnxruntime-node into a scratch directory (never committed) for the reference fixtures and the bench.
#
# usage: tools/ort-install.sh DIR
# Installs onnxruntime-node@$ORT_VERSION (default 1.30.0) into DIR with npm,
# unless it is already there, and checks that its CPU binding loads. The
# package's install script only fetches optional GPU libraries, so it is not
# run (--ignore-scripts): the CPU library ships in the package itself.
set -eu
dir=${1:?usage: tools/ort-install.sh DIR}
ver=${ORT_VERSION:-1.30.0}
mkdir -p "$dir"
have=$(cd "$dir" && node -p 'require("onnxruntime-node/package.json").version' 2>/dev/null || true)
if [ "$have" != "$ver" ]; then
	[ -f "$dir/package.json" ] || echo '{ "private": true }' > "$dir/package.json"
	(cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
		"onnxruntime-node@$ver" >&2)
fi
got=$(cd "$dir" && node -e 'const o = require("onnxruntime-node"); console.log(o.env.versions.common, o.listSupportedBackends().map((b) => b.name).join(","))')
case "$got" in
"$ver "*cpu*) ;;
*) echo "tools/ort-install.sh: onnxruntime-node in $dir reports '$got', wanted $ver with cpu" >&2; exit 1 ;;
esac
