import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import * as ort from 'onnxruntime-node';
import { llamaParameterCount } from '../../src/modelgen/llama-graph.js';
import { writeLlamaModel, type LlamaGenOptions, type LlamaGenResult } from '../../src/modelgen/llama.js';
import { readModel, toNumber } from '../../src/onnx/proto.js';
import { logitsAt, maxAbsDiff, runDecoder, type DecoderShape } from './decoder-runner.js';

const base: LlamaGenOptions = { hidden: 32, layers: 2, heads: 4, kvHeads: 2, intermediate: 64, vocab: 300, seed: 7 };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modelgen-llama-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function generate(
  name: string,
  extra: Partial<LlamaGenOptions> = {},
): Promise<{ gen: LlamaGenResult; session: ort.InferenceSession; shape: DecoderShape }> {
  const gen = await writeLlamaModel(path.join(tmp, name), { ...base, ...extra });
  const session = await ort.InferenceSession.create(gen.modelPath);
  const c = gen.config;
  return {
    gen,
    session,
    shape: { layers: c.num_hidden_layers, kvHeads: c.num_key_value_heads, headDim: c.head_dim, dtype: c.torch_dtype },
  };
}

const prompt = [5, 17, 42, 99, 250, 3];
const next = 77;

/** Prefill then one cached decode step must reproduce a full prefill's last logits. */
async function checkKvCache(t: Test, m: Awaited<ReturnType<typeof generate>>, tolerance: number): Promise<void> {
  const prefill = await runDecoder(m.session, m.shape, [prompt]);
  t.same(
    (prefill['present.0.key'] as ort.Tensor).dims,
    [1, m.shape.kvHeads, prompt.length, m.shape.headDim],
    'present grows by the prompt',
  );
  const full = prompt.concat(next);
  const step = await runDecoder(m.session, m.shape, [[next]], [full.map(() => 1)], prefill);
  t.same((step['present.1.value'] as ort.Tensor).dims, [1, m.shape.kvHeads, full.length, m.shape.headDim]);
  const reference = await runDecoder(m.session, m.shape, [full]);
  const diff = maxAbsDiff(logitsAt(step, 0), logitsAt(reference, 0));
  t.ok(diff <= tolerance, `cached decode matches full prefill (max diff ${diff})`);

  // The past must matter: a cache from another prompt gives other logits.
  const other = await runDecoder(m.session, m.shape, [prompt.map((id) => id + 1)]);
  const wrong = await runDecoder(m.session, m.shape, [[next]], [full.map(() => 1)], other);
  t.ok(maxAbsDiff(logitsAt(wrong, 0), logitsAt(reference, 0)) > 100 * tolerance, 'logits depend on the past');
}

/** A left-padded row yields the same last logits as the same tokens unpadded, in prefill and decode. */
async function checkLeftPadding(t: Test, m: Awaited<ReturnType<typeof generate>>, tolerance: number): Promise<void> {
  const short = [9, 8, 7, 6];
  const padded = [[0, 0, ...short], prompt];
  const mask = [[0, 0, 1, 1, 1, 1], prompt.map(() => 1)];
  const batch = await runDecoder(m.session, m.shape, padded, mask);
  const alone = await runDecoder(m.session, m.shape, [short]);
  const longAlone = await runDecoder(m.session, m.shape, [prompt]);
  t.ok(maxAbsDiff(logitsAt(batch, 0), logitsAt(alone, 0)) <= tolerance, 'padded row matches unpadded');
  t.ok(maxAbsDiff(logitsAt(batch, 1), logitsAt(longAlone, 0)) <= tolerance, 'full row unaffected by its neighbour');

  const stepMask = mask.map((r) => [...r, 1]);
  const batchStep = await runDecoder(m.session, m.shape, [[next], [next]], stepMask, batch);
  const aloneStep = await runDecoder(m.session, m.shape, [[next]], [[1, 1, 1, 1, 1]], alone);
  t.ok(maxAbsDiff(logitsAt(batchStep, 0), logitsAt(aloneStep, 0)) <= tolerance, 'padded row decodes like unpadded');
}

t.test('float32 model: layout, config and graph', async (t) => {
  const { gen, session } = await generate('fp32');
  for (const f of [
    'config.json',
    'generation_config.json',
    'tokenizer.json',
    'tokenizer_config.json',
    'onnx/model.onnx',
  ]) {
    t.ok(fs.existsSync(path.join(gen.dir, f)), f);
  }
  t.notOk(fs.existsSync(path.join(gen.dir, 'onnx/model.onnx_data')));
  const config = JSON.parse(fs.readFileSync(path.join(gen.dir, 'config.json'), 'utf8'));
  t.match(config, {
    model_type: 'llama',
    hidden_size: 32,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    num_hidden_layers: 2,
    vocab_size: 300,
  });
  t.equal(config.eos_token_id, gen.tokenizer.eosTokenId);

  t.same(session.inputNames, [
    'input_ids',
    'attention_mask',
    'position_ids',
    'past_key_values.0.key',
    'past_key_values.0.value',
    'past_key_values.1.key',
    'past_key_values.1.value',
  ]);
  t.same(session.outputNames, ['logits', 'present.0.key', 'present.0.value', 'present.1.key', 'present.1.value']);

  const model = readModel(gen.modelPath);
  t.same(
    model.opsetImport?.map((o) => [o.domain ?? '', toNumber(o.version)]),
    [['', 17]],
  );
  t.ok(
    model.graph.node.every((n) => !n.domain),
    'default domain only',
  );
  const users = model.graph.node.filter((n) => n.input.includes('input_ids'));
  t.same(users.map((n) => n.opType).sort(), ['Gather', 'Shape'], 'input_ids feeds the embedding Gather and a Shape');
  t.same(users.find((n) => n.opType === 'Gather')?.input, ['model.embed_tokens.weight', 'input_ids']);
  const shapeOut = users.find((n) => n.opType === 'Shape')!.output[0];
  t.ok(
    model.graph.node.filter((n) => n.input.includes(shapeOut)).length >= 2,
    'Shape(input_ids) drives batch and sequence sizes',
  );
});

t.test('float32 model: zero-length past, KV cache and left padding', async (t) => {
  const m = await generate('fp32-kv');
  const out = await runDecoder(m.session, m.shape, [prompt]);
  t.same((out.logits as ort.Tensor).dims, [1, prompt.length, 300]);
  t.ok(logitsAt(out, 0).every(Number.isFinite));
  await checkKvCache(t, m, 1e-4);
  await checkLeftPadding(t, m, 1e-4);
});

t.test('same seed, same bytes; other seed, other weights', async (t) => {
  const a = await writeLlamaModel(path.join(tmp, 'seed-a'), base);
  const b = await writeLlamaModel(path.join(tmp, 'seed-b'), base);
  const c = await writeLlamaModel(path.join(tmp, 'seed-c'), { ...base, seed: 8 });
  t.ok(fs.readFileSync(a.modelPath).equals(fs.readFileSync(b.modelPath)));
  t.notOk(fs.readFileSync(a.modelPath).equals(fs.readFileSync(c.modelPath)));
});

t.test('tied embeddings: lm_head is the transposed embedding', async (t) => {
  const m = await generate('tied', { tiedEmbeddings: true });
  const model = readModel(m.gen.modelPath);
  t.notOk(model.graph.initializer.some((i) => i.name === 'lm_head.weight'));
  const users = model.graph.node.filter((n) => n.input.includes('model.embed_tokens.weight')).map((n) => n.opType);
  t.same(users.sort(), ['Gather', 'Transpose']);
  t.equal(m.gen.config.tie_word_embeddings, true);
  await checkKvCache(t, m, 1e-4);
});

t.test('external data: weights in onnx/model.onnx_data, same logits as inline', async (t) => {
  const inline = await generate('inline');
  const ext = await generate('external', { externalData: true });
  t.equal(ext.gen.dataPath, path.join(ext.gen.dir, 'onnx', 'model.onnx_data'));
  const model = readModel(ext.gen.modelPath);
  const dataSize = fs.statSync(ext.gen.dataPath!).size;
  const weights = model.graph.initializer.filter((i) => i.dataLocation === 1);
  t.ok(weights.some((w) => w.name === 'model.embed_tokens.weight'));
  for (const w of weights) {
    const entries = Object.fromEntries((w.externalData ?? []).map((e) => [e.key, e.value]));
    t.equal(entries.location, 'model.onnx_data');
    t.ok(Number(entries.offset) + Number(entries.length) <= dataSize, `${w.name} lies inside the data file`);
    t.notOk(w.rawData?.length, `${w.name} has no inline bytes`);
  }
  const graphSize = fs.statSync(ext.gen.modelPath).size;
  t.ok(
    graphSize + dataSize / 2 < fs.statSync(inline.gen.modelPath).size,
    `the graph file (${graphSize} B) holds no weights`,
  );
  const a = await runDecoder(inline.session, inline.shape, [prompt]);
  const b = await runDecoder(ext.session, ext.shape, [prompt]);
  t.same(logitsAt(b, 0), logitsAt(a, 0));
});

t.test('float16 model: fp16 weights and KV, close to the float32 model', async (t) => {
  const m = await generate('fp16', { dtype: 'float16' });
  const out = await runDecoder(m.session, m.shape, [prompt]);
  t.equal((out.logits as ort.Tensor).type, 'float16', 'logits in the model dtype');
  t.equal((out['present.0.key'] as ort.Tensor).type, 'float16');
  const fp32 = await generate('fp16-ref');
  const ref = await runDecoder(fp32.session, fp32.shape, [prompt]);
  const diff = maxAbsDiff(logitsAt(out, 0), logitsAt(ref, 0));
  t.ok(diff < 0.05, `fp16 logits track the fp32 model with the same seed (max diff ${diff})`);
  await checkKvCache(t, m, 1e-2);
  await checkLeftPadding(t, m, 1e-2);

  const f32 = await generate('fp16-fp32-logits', { dtype: 'float16', fp32Logits: true });
  const o2 = await runDecoder(f32.session, f32.shape, [prompt]);
  t.equal((o2.logits as ort.Tensor).type, 'float32');
  t.ok(maxAbsDiff(logitsAt(o2, 0), logitsAt(out, 0)) < 1e-2);
});

t.test('parameter estimate (used to force external data) matches the written weights', async (t) => {
  for (const tied of [false, true]) {
    const gen = await writeLlamaModel(path.join(tmp, `count-${tied}`), { ...base, tiedEmbeddings: tied });
    const model = readModel(gen.modelPath);
    const written = model.graph.initializer
      .filter((i) => !i.name!.startsWith('/const/'))
      .reduce((sum, i) => sum + (i.dims ?? []).reduce<number>((a, d) => a * toNumber(d), 1), 0);
    const c = gen.config;
    const estimate = llamaParameterCount({
      hidden: c.hidden_size,
      layers: c.num_hidden_layers,
      heads: c.num_attention_heads,
      kvHeads: c.num_key_value_heads,
      intermediate: c.intermediate_size,
      vocab: c.vocab_size,
      dtype: 'float32',
      tiedEmbeddings: tied,
      rmsNormEps: 1e-6,
      ropeTheta: 1e4,
      weightScale: 1,
      seed: 0,
      fp32Logits: false,
    });
    t.equal(estimate, written, `tied=${tied}`);
  }
});

t.test('rejects inconsistent sizes', async (t) => {
  await t.rejects(writeLlamaModel(path.join(tmp, 'bad'), { ...base, heads: 3 }), RangeError);
  await t.rejects(writeLlamaModel(path.join(tmp, 'bad'), { ...base, kvHeads: 3 }), RangeError);
});
