#!/bin/sh
# Export a second-generation checkpoint into models/selar-demo with its tokenizer and tuned SeLaR
# defaults, run every check on it and evaluate it on every test set.
# usage: sh tools/demo-model/finalize2.sh CKPT.pt '{"entropy_threshold": 0.3, "top_k": 3}'   (from the repository root)
set -e
CKPT=$1
SELAR=$2
DIR=models/selar-demo
PY="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE nice -n 15 /usr/bin/python3"
TMP=${TMPDIR:-/tmp}/selar-demo-checks
mkdir -p "$TMP"
cp tools/demo-model/gen2/tokenizer.json tools/demo-model/gen2/tokenizer_config.json "$DIR/"
$PY tools/demo-model/export_onnx.py "$CKPT" "$DIR" --selar "$SELAR" 2>&1 | grep -v -i warn
node tools/demo-model/inspect_onnx.mjs "$DIR"
$PY tools/demo-model/dump_tokenizer_samples.py "$DIR" "$TMP/tokenizer-samples.json"
npx tsx tools/demo-model/check_tokenizer.ts "$DIR" "$TMP/tokenizer-samples.json"
$PY tools/demo-model/reference_greedy.py "$CKPT" "$DIR" "$TMP/reference.json"
node tools/demo-model/verify_onnx.mjs "$DIR" "$TMP/reference.json"
for SET in heldout-plain heldout-stories handwritten synthetic-test; do
  $PY tools/demo-model/evaluate.py "$CKPT" "$DIR" --data data/eval/$SET.jsonl --max-new-tokens 200 \
    --json tools/demo-model/gen2/eval-$SET.json
done
