// Checks the exported ONNX model with onnxruntime-node against PyTorch greedy output:
//  1. prefill + KV-cache greedy decode, one prompt at a time (past starts at length 0);
//  2. the same without cache (whole sequence recomputed every step);
//  3. all prompts together in one left-padded batch, with cache.
// All three must reproduce reference_greedy.py's tokens exactly.
// usage: node tools/demo-model/verify_onnx.mjs MODEL_DIR REFERENCE.json
import fs from 'node:fs';
import path from 'node:path';
import ort from 'onnxruntime-node';

const [dir, refFile] = process.argv.slice(2);
const ref = JSON.parse(fs.readFileSync(refFile, 'utf8'));
const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
const session = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model.onnx'));
const L = cfg.num_hidden_layers,
  KV = cfg.num_key_value_heads,
  HD = cfg.head_dim,
  V = cfg.vocab_size;
const EOS = ref.eos_token_id,
  PAD = ref.pad_token_id,
  MAX_NEW = 96;

console.log('inputs:', session.inputNames.join(', '));
console.log('outputs:', session.outputNames.join(', '));

const i64 = (rows) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
function emptyPast(batch) {
  const feeds = {};
  for (let i = 0; i < L; i++)
    for (const kv of ['key', 'value'])
      feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [batch, KV, 0, HD]);
  return feeds;
}
function argmaxLast(logits, row) {
  const [, T] = logits.dims;
  const off = (row * T + T - 1) * V;
  let best = 0;
  for (let v = 1; v < V; v++) if (logits.data[off + v] > logits.data[off + best]) best = v;
  return best;
}

// Greedy over a left-padded batch; useCache=false recomputes the full sequence each step.
async function greedy(prompts, useCache) {
  const B = prompts.length,
    n = Math.max(...prompts.map((p) => p.length));
  let seqs = prompts.map((p) => [...Array(n - p.length).fill(PAD), ...p]);
  let mask = prompts.map((p) => [...Array(n - p.length).fill(0), ...Array(p.length).fill(1)]);
  const posOf = (m) => {
    let c = -1;
    return m.map((x) => {
      c += x;
      return Math.max(c, 0);
    });
  };
  const outs = prompts.map(() => []),
    done = prompts.map(() => false);
  let feeds = { input_ids: i64(seqs), attention_mask: i64(mask), position_ids: i64(mask.map(posOf)), ...emptyPast(B) };
  for (let step = 0; step < MAX_NEW; step++) {
    const res = await session.run(feeds);
    const next = prompts.map((_, b) => argmaxLast(res.logits, b));
    next.forEach((t, b) => {
      if (!done[b]) {
        if (t === EOS) done[b] = true;
        else outs[b].push(t);
      }
    });
    if (done.every(Boolean)) break;
    mask = mask.map((m) => [...m, 1]);
    seqs = seqs.map((s, b) => [...s, next[b]]);
    const pos = mask.map(posOf);
    if (useCache) {
      feeds = {
        input_ids: i64(next.map((t) => [t])),
        attention_mask: i64(mask),
        position_ids: i64(pos.map((p) => [p[p.length - 1]])),
      };
      for (let i = 0; i < L; i++)
        for (const kv of ['key', 'value']) feeds[`past_key_values.${i}.${kv}`] = res[`present.${i}.${kv}`];
    } else {
      feeds = { input_ids: i64(seqs), attention_mask: i64(mask), position_ids: i64(pos), ...emptyPast(B) };
    }
  }
  return outs;
}

let failures = 0;
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const prompts = ref.cases.map((c) => c.prompt_ids);
for (const [label, run] of [
  [
    'kv-cache, one prompt at a time',
    async () => {
      const r = [];
      for (const p of prompts) r.push((await greedy([p], true))[0]);
      return r;
    },
  ],
  [
    'no cache, one prompt at a time',
    async () => {
      const r = [];
      for (const p of prompts) r.push((await greedy([p], false))[0]);
      return r;
    },
  ],
  ['kv-cache, left-padded batch', () => greedy(prompts, true)],
]) {
  const got = await run();
  const ok = got.map((g, i) => same(g, ref.cases[i].greedy_ids));
  failures += ok.filter((x) => !x).length;
  console.log(`${label}: ${ok.filter(Boolean).length}/${ok.length} match PyTorch greedy`);
  got.forEach((g, i) => {
    if (!ok[i]) console.log('  mismatch', i, '\n   onnx', g.join(','), '\n   torch', ref.cases[i].greedy_ids.join(','));
  });
}
process.exit(failures ? 1 : 0);
