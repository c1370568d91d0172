#!/bin/sh
# Regenerates test/fixtures/selar-reference/selar-demo.json: the independent PyTorch
# SeLaR decoder (selar_reference.py) run on the checkpoint exported as models/selar-demo.
# usage: sh tools/demo-model/reference_fixture.sh CKPT.pt "training phase N"   (from the repository root)
set -e
CKPT=$1
PHASE=${2:-unnamed checkpoint}
PY="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE nice -n 15 /usr/bin/python3"
TMP=${TMPDIR:-/tmp}/selar-demo-reference
mkdir -p "$TMP"
npx tsx tools/demo-model/reference_spec.ts "$TMP/spec.json"
(cd tools/demo-model && $PY selar_reference.py "$CKPT" ../../models/selar-demo ../../assets/math-symbols.json "$TMP/spec.json" "$TMP/out.json")
node -e '
const fs = require("node:fs");
const [spec, out, phase, file] = process.argv.slice(1);
const merged = { ...JSON.parse(fs.readFileSync(spec, "utf8")), ...JSON.parse(fs.readFileSync(out, "utf8")),
  produced_by: `tools/demo-model/selar_reference.py (PyTorch fp32) on the checkpoint exported as models/selar-demo/onnx/model.onnx (${phase})` };
fs.writeFileSync(file, JSON.stringify(merged));
console.log(`${merged.results.length} reference trajectories -> ${file}`);
' "$TMP/spec.json" "$TMP/out.json" "$PHASE" test/fixtures/selar-reference/selar-demo.json
