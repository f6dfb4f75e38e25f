#!/bin/sh
# Installs what tools/ort-pipeline.mjs needs into a scratch directory (never committed): onnxruntime-node, sharp, OpenCV for JavaScript, Clipper.
#
# usage: tools/ort-pipeline.sh DIR
# onnxruntime-node through tools/ort-install.sh, then sharp (its libvips
# comes in a platform package, no download at install time),
# @techstark/opencv-js and clipper-lib with npm, unless they load already.
set -eu
dir=${1:?usage: tools/ort-pipeline.sh DIR}
sh "$(dirname "$0")/ort-install.sh" "$dir"
if ! (cd "$dir" && node -e 'require("sharp"); require("@techstark/opencv-js"); require("clipper-lib")') 2>/dev/null; then
	(cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
		sharp@0.35.5 @techstark/opencv-js@4.5.2 clipper-lib@6.4.2 >&2)
fi
