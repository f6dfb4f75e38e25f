#!/bin/sh
# Regenerates the reference outputs of tests/fixtures/nn/ with ONNX Runtime (see tests/fixtures/nn/README).
#
# usage: tools/ort-ref.sh [--inputs]
# With --inputs the reference inputs are first remade from the pictures
# (tools/mkref-inputs.py); without it the committed inputs are used as they are.
# Needs the models in models/ (make deps) and npm for onnxruntime-node.
set -eu
cd "$(dirname "$0")/.."
fix=tests/fixtures/nn
scratch=build/ort
if [ "${1:-}" = --inputs ]; then
	rm -f "$fix"/*.bin
	/usr/bin/python3 tools/mkref-inputs.py tests/fixtures/card_back.jpg "$fix" build/ref
fi
[ -f "$fix/manifest.json" ] || { echo "tools/ort-ref.sh: no $fix/manifest.json; run with --inputs" >&2; exit 1; }
sh tools/ort-install.sh "$scratch"
node tools/ort-ref.mjs "$scratch" models "$fix"
