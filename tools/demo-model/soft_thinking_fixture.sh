#!/bin/sh
# Regenerates test/fixtures/selar-reference/soft-thinking-demo.json: the independent PyTorch
# Soft Thinking decoder (soft_thinking_reference.py) run on the checkpoint exported as
# models/selar-demo (rebuild it with ckpt_from_onnx.py; see its header).
# usage: sh tools/demo-model/soft_thinking_fixture.sh CKPT.pt   (from the repository root)
set -e
CKPT=$1
PY="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE nice -n 15 /usr/bin/python3"
TMP=${TMPDIR:-/tmp}/selar-demo-soft-thinking
mkdir -p "$TMP"
npx tsx tools/demo-model/soft_thinking_spec.ts "$TMP/spec.json"
(cd tools/demo-model && $PY soft_thinking_reference.py "$CKPT" ../../models/selar-demo ../../assets/math-symbols.json "$TMP/spec.json" "$TMP/out.json")
node -e '
const fs = require("node:fs");
const [spec, out, file] = process.argv.slice(1);
const merged = { ...JSON.parse(fs.readFileSync(spec, "utf8")), ...JSON.parse(fs.readFileSync(out, "utf8")),
  produced_by: "tools/demo-model/soft_thinking_reference.py (PyTorch) on the checkpoint exported as models/selar-demo/onnx/model.onnx" };
fs.writeFileSync(file, JSON.stringify(merged));
console.log(`${merged.results.length} reference trajectories -> ${file}`);
' "$TMP/spec.json" "$TMP/out.json" test/fixtures/selar-reference/soft-thinking-demo.json
