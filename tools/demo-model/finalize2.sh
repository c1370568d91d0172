#!/bin/sh
# Export a second-generation checkpoint into models/selar-demo with its tokenizer and tuned SeLaR
# defaults (gate_stats.py recommends them), run every check on it, evaluate it on every test set,
# and regenerate the engine's reference fixtures (SeLaR, Soft Thinking, SwiReasoning) from it, then
# run the tests that compare the engine with them.
# usage: sh tools/demo-model/finalize2.sh CKPT.pt '{"entropy_threshold": 0.3, "top_k": 3}' ["phase name"]
#        (from the repository root)
set -e
CKPT=$1
SELAR=$2
PHASE=${3:-second generation}
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
sh tools/demo-model/reference_fixture.sh "$CKPT" "$PHASE"
sh tools/demo-model/soft_thinking_fixture.sh "$CKPT"
sh tools/demo-model/swir_reference_fixture.sh "$CKPT"
npx tap test/engine/reference.test.ts test/engine/soft-thinking.test.ts test/engine/swir-reference.test.ts
