#!/bin/sh
# Remakes tests/fixtures/nn/det_boxes.json: PaddleOCR's DB post-processing with OpenCV and Clipper on the committed det maps.
#
# usage: tools/db-ref.sh
# Installs @techstark/opencv-js and clipper-lib (npm) into build/dbref,
# never committed, and runs tools/db-ref.mjs on tests/fixtures/nn.
set -eu
cd "$(dirname "$0")/.."
scratch=build/dbref
mkdir -p "$scratch"
if ! (cd "$scratch" && node -e 'require("@techstark/opencv-js"); require("clipper-lib")') 2>/dev/null; then
	[ -f "$scratch/package.json" ] || echo '{ "private": true }' > "$scratch/package.json"
	(cd "$scratch" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
		@techstark/opencv-js@4.5.2 clipper-lib@6.4.2 >&2)
fi
node tools/db-ref.mjs "$scratch" tests/fixtures/nn
