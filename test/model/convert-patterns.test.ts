// Export patterns beyond the plain Llama graph, each on a hand-built model: the derived
// decoder fed E[ids] reproduces the original's last-position logits bit for bit.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import * as ort from 'onnxruntime-node';
import { readModel } from '../../src/onnx/proto.js';
import { createSession, deriveEmbedsDecoder, readEmbeddingRows } from '../../src/model/convert/index.js';
import type { DerivedDecoder } from '../../src/model/convert/index.js';
import { embedsFor, logitsBytes, runStep } from './convert-helpers.js';
import {
  BLOCK,
  H,
  V,
  keepInputModel,
  quantizedEmbeddingModel,
  quantizedTable,
  reshapedIdsModel,
  save,
  scaledEmbeddingModel,
  values,
  writeSplitExport,
} from './convert-graphs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-convert-patterns-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
const cacheDir = path.join(tmp, 'cache');
const prompt = [
  [3, 1, 4, 1, 5],
  [9, 2, 6, 5, 3],
];

/** Last-position logits of the original (fed ids) and the derived decoder (fed rows) are identical. */
async function sameLastLogits(
  t: Test,
  original: string,
  derived: DerivedDecoder,
  feedsExtra: Record<string, ort.Tensor> = {},
): Promise<void> {
  const a = await ort.InferenceSession.create(original);
  const ids = new ort.Tensor('int64', BigInt64Array.from(prompt.flat(), BigInt), [prompt.length, prompt[0].length]);
  const outA = await a.run({ input_ids: ids, ...feedsExtra });
  const session = await createSession(derived, {});
  const outB = await runStep(session, await embedsFor(derived, prompt), null, 0);
  t.same((outB.logits as ort.Tensor).dims, [2, 1, V], 'derived logits are [B, 1, V]');
  t.ok(
    logitsBytes(outA).every((b, row) => b.equals(logitsBytes(outB)[row])),
    'last-position logits are bit-identical',
  );
}

t.test('Cast before the Gather, √H scaling after it, Shape with and without start', async (t) => {
  const file = save(path.join(tmp, 'scaled', 'model.onnx'), scaledEmbeddingModel());
  const derived = await deriveEmbedsDecoder(file, { cacheDir });
  t.equal(derived.embedding.kind, 'table');
  const raw = values(V * H, 1);
  t.same(
    Array.from(await readEmbeddingRows(derived.embedding, [7])),
    Array.from(raw.subarray(7 * H, 8 * H)),
    'rows are the raw table, before scaling',
  );
  const graph = readModel(derived.decoderPath).graph;
  t.ok(
    graph.initializer.some((i) => i.name === 'sqrt_h'),
    'the √H scaling stays in the decoder',
  );
  await sameLastLogits(t, file, derived);
});

t.test("the export's num_logits_to_keep stays the keep count the decode loop feeds", async (t) => {
  const file = save(path.join(tmp, 'keep', 'model.onnx'), keepInputModel());
  const derived = await deriveEmbedsDecoder(file, { cacheDir });
  t.ok(derived.logitsLastOnly);
  t.equal(derived.logitsToKeepInput, 'num_logits_to_keep');
  const session = await createSession(derived, {});
  t.same(session.inputNames, ['inputs_embeds', 'num_logits_to_keep']);
  await sameLastLogits(t, file, derived, { num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(1n), []) });
});

t.test("logits_to_keep = T gives every position's logits, bit-identical to the original's", async (t) => {
  const file = save(path.join(tmp, 'all-positions', 'model.onnx'), scaledEmbeddingModel());
  const derived = await deriveEmbedsDecoder(file, { cacheDir });
  t.equal(derived.logitsToKeepInput, 'logits_to_keep');
  const ids = new ort.Tensor('int64', BigInt64Array.from(prompt.flat(), BigInt), [prompt.length, prompt[0].length]);
  const full = await (await ort.InferenceSession.create(file)).run({ input_ids: ids });
  const T = prompt[0].length;
  const session = await createSession(derived, {});
  const all = await session.run({
    inputs_embeds: await embedsFor(derived, prompt),
    logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(BigInt(T)), []),
  });
  t.same((all.logits as ort.Tensor).dims, [prompt.length, T, V]);
  const bytes = (x: ort.OnnxValue) => {
    const f = (x as ort.Tensor).data as Float32Array;
    return Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  };
  t.ok(bytes(all.logits).equals(bytes(full.logits)), 'every position bit-identical');
});

t.test('Reshape(input_ids) before the Gather (GPT-2 torch export)', async (t) => {
  const file = save(path.join(tmp, 'reshape', 'model.onnx'), reshapedIdsModel());
  const derived = await deriveEmbedsDecoder(file, { cacheDir });
  await sameLastLogits(t, file, derived);
});

t.test('GatherBlockQuantized (q4) embeddings go through an extracted sub-model', async (t) => {
  const file = save(path.join(tmp, 'q4', 'model_q4.onnx'), quantizedEmbeddingModel());
  const derived = await deriveEmbedsDecoder(file, { cacheDir });
  t.match(derived.embedding, { kind: 'model', inputType: 'int64', dtype: 'float32', rows: V, dim: H });
  t.ok(derived.embedding.kind === 'model' && derived.embedding.modelPath.startsWith(cacheDir));
  // Row 3 dequantised by hand: (nibble - 8) * scale of its block, low nibble first.
  const { packed, scales } = quantizedTable();
  const expected = Array.from({ length: H }, (_, i) => {
    const byte = packed[(3 * H + i) >> 1];
    const q = i % 2 === 0 ? byte & 0xf : byte >> 4;
    return Math.fround((q - 8) * scales[3 * (H / BLOCK) + Math.floor(i / BLOCK)]);
  });
  t.same(
    Array.from(await readEmbeddingRows(derived.embedding, [3])),
    expected,
    'sub-model returns the dequantised row',
  );
  t.notOk(
    readModel(derived.decoderPath).graph.initializer.some((i) => i.name === 'embed.q4'),
    'the quantized table leaves the decoder',
  );
  await sameLastLogits(t, file, derived);
});

t.test('split export: decoder already takes inputs_embeds, embed_tokens.onnx is the embedding', async (t) => {
  const { embed, decoder } = writeSplitExport(path.join(tmp, 'split'));
  const derived = await deriveEmbedsDecoder(decoder, { cacheDir });
  t.match(derived.embedding, {
    kind: 'model',
    modelPath: embed,
    inputName: 'input_ids',
    outputName: 'inputs_embeds',
    rows: V,
    dim: H,
  });
  t.ok(derived.logitsLastOnly && derived.decoderPath !== decoder, 'a last-position copy of the decoder is derived');
  const e = await ort.InferenceSession.create(embed);
  const rows = (await e.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(prompt.flat(), BigInt), [2, 5]) }))
    .inputs_embeds as ort.Tensor;
  const full = await (await ort.InferenceSession.create(decoder)).run({ inputs_embeds: rows });
  const keep = { logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(1n), []) };
  const last = await (await createSession(derived, {})).run({
    inputs_embeds: await embedsFor(derived, prompt),
    ...keep,
  });
  t.ok(
    logitsBytes(full).every((b, row) => b.equals(logitsBytes(last)[row])),
    'last-position logits are bit-identical',
  );
});
