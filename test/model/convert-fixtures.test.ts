// The two foreign exports in ../shared/fixtures/models (onnxruntime-genai Llama fp16
// with external data; GPT-2 with a fused EmbedLayerNormalization and int32 ids)
// convert and give bit-identical logits. Skipped when the fixtures are absent.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { readModel } from '../../src/onnx/proto.js';
import { deriveEmbedsDecoder } from '../../src/model/convert/index.js';
import { locateDecoder } from '../../src/model/convert/locate-decoder.js';
import { checkEquivalence, snapshotFolder } from './convert-helpers.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.resolve(repoRoot, '../shared/fixtures/models');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-convert-fixtures-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
const skip = fs.existsSync(fixtures) ? false : `no foreign fixtures at ${fixtures}`;

t.test('ortgenai-tiny-llama-fp16', { skip }, async (t) => {
  const dir = path.join(fixtures, 'ortgenai-tiny-llama-fp16');
  const before = snapshotFolder(dir);
  const modelPath = locateDecoder(dir);
  t.equal(path.basename(modelPath), 'model.onnx', 'genai_config.json names the decoder');
  const derived = await deriveEmbedsDecoder(modelPath, { cacheDir: tmp });
  // MultiHeadAttention makes its presents itself: they stay whole.
  t.match(derived, {
    embedsDtype: 'float16',
    hiddenSize: 16,
    vocabSize: 32000,
    logitsLastOnly: true,
    presentNewOnly: false,
    externalDataDir: dir,
  });
  t.match(derived.embedding, {
    kind: 'table',
    dtype: 'float16',
    rows: 32000,
    dim: 16,
    file: path.join(dir, 'model.onnx.data'),
    offset: 0,
    byteLength: 32000 * 16 * 2,
  });
  const graph = readModel(derived.decoderPath).graph;
  t.notOk(
    graph.node.some((n) => n.input.includes('input_ids')),
    'Shape(input_ids) was rewritten',
  );
  t.notOk(
    graph.initializer.some((i) => i.name === 'model.embed_tokens.weight'),
    'the untied table is dropped from the decoder',
  );
  await checkEquivalence(t, modelPath, derived, [[1, 450, 4996, 17354, 1701]], [29889]);
  await checkEquivalence(
    t,
    modelPath,
    derived,
    [
      [3, 9, 27],
      [31999, 0, 12],
    ],
    [5, 6],
  );
  t.same(snapshotFolder(dir), before, 'fixture folder unchanged');
});

t.test('ortgenai-tiny-gpt2-fp32 (EmbedLayerNormalization, int32 ids)', { skip }, async (t) => {
  const dir = path.join(fixtures, 'ortgenai-tiny-gpt2-fp32');
  const modelPath = locateDecoder(dir);
  t.equal(path.basename(modelPath), 'past.onnx');
  const derived = await deriveEmbedsDecoder(modelPath, { cacheDir: tmp });
  // The fused Attention op makes its presents itself: they stay whole.
  t.match(derived, {
    embedsDtype: 'float32',
    hiddenSize: 32,
    vocabSize: 1000,
    logitsLastOnly: true,
    presentNewOnly: false,
    externalDataDir: null,
  });
  t.match(derived.embedding, { kind: 'table', dtype: 'float32', rows: 1000, dim: 32 });
  const graph = readModel(derived.decoderPath).graph;
  const eln = graph.node.find((n) => n.opType === 'EmbedLayerNormalization');
  t.ok(eln, 'the fused node is kept (its kernel arithmetic is what the original computes)');
  t.not(eln?.input[2], 'transformer.wte.weight', 'its word table is now inputs_embeds');
  t.ok(
    graph.initializer.some((i) => i.name === 'transformer.wpe.weight'),
    'position embeddings stay in the decoder',
  );
  await checkEquivalence(t, modelPath, derived, [[98, 10, 500, 999, 3, 4, 7]], [42]);
  await checkEquivalence(
    t,
    modelPath,
    derived,
    [
      [1, 2, 3],
      [400, 500, 600],
    ],
    [7, 8],
  );
});
