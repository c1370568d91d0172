#!/bin/sh
# Export a trained checkpoint into models/selar-demo and run every check on it.
# usage: sh tools/demo-model/finalize.sh /tmp/selar-demo-run/model.pt   (from the repository root)
set -e
CKPT=$1
DIR=models/selar-demo
PY="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE nice -n 15 /usr/bin/python3"
TMP=${TMPDIR:-/tmp}/selar-demo-checks
mkdir -p "$TMP"
$PY tools/demo-model/export_onnx.py "$CKPT" "$DIR" 2>&1 | grep -v -i warn
node tools/demo-model/inspect_onnx.mjs "$DIR"
$PY tools/demo-model/dump_tokenizer_samples.py "$DIR" "$TMP/tokenizer-samples.json"
npx tsx tools/demo-model/check_tokenizer.ts "$DIR" "$TMP/tokenizer-samples.json"
$PY tools/demo-model/reference_greedy.py "$CKPT" "$DIR" "$TMP/reference.json"
node tools/demo-model/verify_onnx.mjs "$DIR" "$TMP/reference.json"
$PY tools/demo-model/evaluate.py "$CKPT" "$DIR" --json tools/demo-model/eval-results.json
