#!/bin/sh
# Regenerates test/fixtures/selar-reference/swir-demo.json: the independent PyTorch
# SwiReasoning decoder (swir_reference.py) on the checkpoint exported as models/selar-demo,
# for the prompts of the SeLaR reference fixture and several selar.swir configurations.
# usage: sh tools/demo-model/swir_reference_fixture.sh CKPT.pt   (from the repository root;
#        a checkpoint of the committed model: see ckpt_from_onnx.py)
set -e
CKPT=$1
PY="env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE nice -n 15 /usr/bin/python3"
TMP=${TMPDIR:-/tmp}/swir-demo-reference
mkdir -p "$TMP"
node -e '
const fs = require("node:fs");
const selar = JSON.parse(fs.readFileSync("test/fixtures/selar-reference/selar-demo.json", "utf8"));
const cfg = (window_size, alpha, beta, max_switch_count, answer_prefix, answer_tokens, discrete_tokens) =>
  ({ window_size, alpha, beta, max_switch_count, answer_prefix, answer_tokens, discrete_tokens });
const P = "\n\nThe final answer is";
const configs = [
  cfg(512, 1, 0.7, null, P, 32, "math"),
  cfg(4, 0.5, 0.7, null, P, 32, "none"),
  cfg(2, 0.8, 0.5, 1, P, 12, "math"),
  cfg(1, 1, 0.9, 2, " The answer is", 8, "none"),
  cfg(8, 0.3, 0.3, 0, P, 20, "math"),
  cfg(3, 1, 1, 3, P, 1, "none"),
];
fs.writeFileSync(process.argv[1], JSON.stringify({ model: "models/selar-demo", eos_token_ids: selar.eos_token_ids,
  max_tokens: 64, prompts: selar.prompts, configs }));
' "$TMP/spec.json"
(cd tools/demo-model && $PY swir_reference.py "$CKPT" ../../models/selar-demo ../../assets/math-symbols.json "$TMP/spec.json" "$TMP/out.json")
node -e '
const fs = require("node:fs");
const [spec, out, file] = process.argv.slice(1);
const merged = { ...JSON.parse(fs.readFileSync(spec, "utf8")), ...JSON.parse(fs.readFileSync(out, "utf8")),
  produced_by: "tools/demo-model/swir_reference.py (PyTorch, pi and e in fp64) on the checkpoint of models/selar-demo/onnx/model.onnx" };
fs.writeFileSync(file, JSON.stringify(merged));
console.log(`${merged.results.length} reference trajectories -> ${file}`);
' "$TMP/spec.json" "$TMP/out.json" test/fixtures/selar-reference/swir-demo.json
