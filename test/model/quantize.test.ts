// The q8/q4 quantizer: MatMulNBits and GatherBlockQuantized bytes that onnxruntime reads
// as the values we meant; a quantized decoder's logits within a tolerance derived from
// its own weight error; the soft-embedding path on a quantized table; an Optimum-style
// model_q4.onnx (MatMulNBits + GatherBlockQuantized) that converts and decodes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import t from 'tap';
import { writeLlamaModel, type LlamaGenOptions } from '../../src/modelgen/llama.js';
import { DataType, encodeModel, readModel } from '../../src/onnx/proto.js';
import type { ModelProto } from '../../src/onnx/proto.js';
import {
  createSession,
  deriveEmbedsDecoder,
  type DerivedDecoder,
  type QuantizeSpec,
} from '../../src/model/convert/index.js';
import { quantizeSpec } from '../../src/model/quantize/index.js';
import { blockFor, dequantizeRow, quantizeRows, type Bits } from '../../src/model/quantize/blockwise.js';
import { writeQuantizedExport } from '../../src/model/quantize/export.js';
import { runConvert } from '../../src/cli/convert.js';
import { initializer } from '../../src/model/convert/graph.js';
import { tensorFloats } from '../../src/model/quantize/weights.js';
import { argmax } from '../../src/sampling/topk.js';
import { softEmbedding } from '../../src/sampling/latent/contrastive-mix.js';
import { createTopKMix, topKMix } from '../../src/sampling/topk-mix.js';
import { DistributionScratch, filteredProbs } from '../../src/sampling/distribution.js';
import { Rng } from '../../src/modelgen/random.js';
import { halfArrayToFloat } from '../../src/util/half.js';
import { embedsFor, runStep } from './convert-helpers.js';
import { request } from '../support/requests.js';
import { inProcess, runAll, tokens } from '../support/runtime.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-quantize-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
const cacheDir = path.join(tmp, 'cache');
process.env.SELAR_CACHE_DIR = cacheDir;

function gaussian(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => {
    const u = Math.max(rng.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  });
}

t.test('block round trip: each weight within half a step of its block (a full step where it clips)', async (t) => {
  const k = 128;
  const n = 6;
  const rows = gaussian(n * k, 5);
  for (const bits of [4, 8] as Bits[])
    for (const zeroPoints of [false, true]) {
      const opts = { bits, blockSize: 32, zeroPoints };
      const q = quantizeRows(rows, n, k, opts);
      let worst = 0;
      for (let r = 0; r < n; r++) {
        const back = dequantizeRow(q, opts, r);
        for (let i = 0; i < k; i++) {
          const step = Math.abs(q.scales[r * q.kBlocks + Math.floor(i / 32)]);
          const err = Math.abs(back[i] - rows[r * k + i]) / step;
          // Symmetric blocks map -peak to +2^(bits-1), one code past the top: that value clips by a step.
          worst = Math.max(worst, err);
        }
      }
      t.ok(
        worst <= (zeroPoints ? 0.5 : 1) + 1e-6,
        `${bits} bits ${zeroPoints ? 'zero points' : 'symmetric'}: ${worst}`,
      );
    }
});

/** A graph with a MatMul by a constant W [K, N] and an embedding Gather of a table [V, H]. */
function probeModel(file: string, w: Float32Array, k: number, n: number, table: Float32Array, v: number, h: number) {
  const f32 = (name: string, dims: number[], data: Float32Array) => ({
    name,
    dims,
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(data.buffer.slice(0)),
  });
  const model: ModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'probe',
      node: [
        { opType: 'MatMul', input: ['a', 'w'], output: ['y'], name: 'mm' },
        { opType: 'Gather', input: ['table', 'ids'], output: ['rows'], name: 'gather', attribute: [] },
      ],
      initializer: [f32('w', [k, n], w), f32('table', [v, h], table)],
      input: [
        {
          name: 'a',
          type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'm' }, { dimValue: k }] } } },
        },
        { name: 'ids', type: { tensorType: { elemType: DataType.INT64, shape: { dim: [{ dimParam: 'i' }] } } } },
      ],
      output: [{ name: 'y' }, { name: 'rows' }],
    },
  };
  fs.writeFileSync(file, encodeModel(model));
}

t.test('onnxruntime reads our MatMulNBits and GatherBlockQuantized bytes as the values we quantized', async (t) => {
  const [k, n, m, v, h] = [64, 24, 3, 10, 64];
  const w = gaussian(k * n, 7);
  const table = gaussian(v * h, 8);
  const a = gaussian(m * k, 9);
  const src = path.join(tmp, 'probe.onnx');
  probeModel(src, w, k, n, table, v, h);
  for (const level of ['q4', 'q8'] as const)
    for (const zeroPoints of [false, true]) {
      // accuracy_level 0: fp32 compute, so the product is the exact dequantized one up to fp32 rounding.
      const spec = quantizeSpec(level, { blockSize: 32, accuracyLevel: 0, zeroPoints });
      const out = path.join(tmp, `probe-${level}-${zeroPoints}.onnx`);
      const done = writeQuantizedExport(src, out, spec);
      t.same([done.matmulsQuantized, done.gathersQuantized], [1, 1]);
      const s = await ort.InferenceSession.create(out);
      const ids = [0, 9, 4];
      const res = await s.run({
        a: new ort.Tensor('float32', a, [m, k]),
        ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [ids.length]),
      });
      await s.release();
      // Reference: W transposed into rows, quantized and dequantized in JS.
      const wRows = new Float32Array(n * k);
      for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) wRows[j * k + i] = w[i * n + j];
      const opts = { bits: spec.bits, blockSize: 32, zeroPoints };
      const qw = quantizeRows(wRows, n, k, opts);
      let worst = 0;
      const y = res.y.data as Float32Array;
      for (let r = 0; r < m; r++)
        for (let j = 0; j < n; j++) {
          const col = dequantizeRow(qw, opts, j);
          let dot = 0;
          let mag = 0;
          for (let i = 0; i < k; i++) {
            dot += a[r * k + i] * col[i];
            mag += Math.abs(a[r * k + i] * col[i]);
          }
          worst = Math.max(worst, Math.abs(y[r * n + j] - dot) / mag);
        }
      t.ok(worst < 1e-5, `${level}${zeroPoints ? ' zero points' : ''}: MatMulNBits = A · dequant(W) (rel ${worst})`);
      const qt = quantizeRows(table, v, h, opts);
      const rows = res.rows.data as Float32Array;
      const expected = ids.flatMap((id) => Array.from(dequantizeRow(qt, opts, id)));
      t.same(Array.from(rows), expected, `${level}: GatherBlockQuantized rows are bitwise the dequantized rows`);
    }
});

/** The tests below that compare against block-32 references ask for it (the default is 128). */
const BLOCK32 = { blockSize: 32 } as const;

const llama: LlamaGenOptions = {
  hidden: 64,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  intermediate: 128,
  vocab: 320,
  seed: 21,
  tiedEmbeddings: true,
};

/** RMS of (W - dequant W) over RMS of W, across every quantized weight of the decoder. */
function weightError(base: DerivedDecoder, bits: Bits): number {
  const model = readModel(base.decoderPath);
  const dataDir = base.externalDataDir ?? path.dirname(base.decoderPath);
  let err = 0;
  let sum = 0;
  for (const node of model.graph.node) {
    if (node.opType !== 'MatMul') continue;
    let name = node.input[1];
    const producer = model.graph.node.find((x) => x.output.includes(name));
    if (producer?.opType === 'Transpose') name = producer.input[0];
    const init = initializer(model.graph, name);
    if (!init) continue;
    const values = tensorFloats(init, dataDir, base.decoderPath);
    // Block structure along either axis gives the same statistics for i.i.d. weights.
    const k = init.dims!.map(Number)[1];
    const n = values.length / k;
    const opts = { bits, blockSize: 32, zeroPoints: false };
    const q = quantizeRows(values, n, k, opts);
    for (let r = 0; r < n; r++) {
      const back = dequantizeRow(q, opts, r);
      for (let i = 0; i < k; i++) {
        err += (back[i] - values[r * k + i]) ** 2;
        sum += values[r * k + i] ** 2;
      }
    }
  }
  return Math.sqrt(err / sum);
}

/** Greedy tokens from the decode loop itself, for each prompt. */
async function greedy(dir: string, quantize: QuantizeSpec | undefined, prompts: number[][], n: number) {
  const { rt } = await inProcess(dir, { quantize });
  const reqs = prompts.map((p) => request(p, { stop: { maxTokens: n } }));
  const events = await runAll(rt, reqs);
  return reqs.map((r) => tokens(events.get(r.id)!).map((e) => e.id));
}

t.test(
  'quantized decoders: logits within the derived tolerance of fp32, argmax kept where the margin allows',
  async (t) => {
    const gen = await writeLlamaModel(path.join(tmp, 'llama'), llama);
    const base = await deriveEmbedsDecoder(gen.modelPath, { cacheDir });
    const s0 = await createSession(base);
    const prompts = [
      [5, 17, 42, 99, 250, 3, 77, 12],
      [200, 201, 7, 8, 9, 10, 11, 300],
    ];
    const rel: Record<string, number> = {};
    for (const level of ['q8', 'q4'] as const) {
      const q = await deriveEmbedsDecoder(gen.modelPath, { cacheDir, quantize: quantizeSpec(level, BLOCK32) });
      t.equal(q.quantization?.matmulsQuantized, 15, `${level}: 7 projections × 2 layers + the LM head`);
      t.equal(q.embedding.kind, 'model', `${level}: the tied table is read through GatherBlockQuantized`);
      const s = await createSession(q);
      // Tolerance: each quantized MatMul's output error, relative, is about sqrt(ρw² + ρa²) with ρw the
      // measured relative RMS error of the weights and ρa ≈ 2.5 / (127·√12) the int8 activation error of
      // accuracy_level 4 (block absmax ≈ 2.5 RMS); the 15 MatMuls add as a random walk (√15), and a
      // factor 2 covers the amplification of the norms and softmax. Measured ≈ 0.017 (q8), 0.14 (q4).
      const rhoW = weightError(base, level === 'q4' ? 4 : 8);
      const rhoA = 2.5 / (127 * Math.sqrt(12));
      const tol = 2 * Math.sqrt(15) * Math.hypot(rhoW, rhoA);
      let err = 0;
      let mag = 0;
      let checked = 0;
      let kept = 0;
      for (const prompt of prompts) {
        // Teacher-forced: both decoders read the same prompt; compare the logits at the last position.
        for (let cut = 2; cut <= prompt.length; cut++) {
          const ids = [prompt.slice(0, cut)];
          const a = (await runStep(s0, await embedsFor(base, ids), null, 0)).logits.data as Float32Array;
          const b = (await runStep(s, await embedsFor(q, ids), null, 0)).logits.data as Float32Array;
          let maxDiff = 0;
          for (let i = 0; i < a.length; i++) {
            err += (a[i] - b[i]) ** 2;
            mag += a[i] ** 2;
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
          }
          // If every logit moved by less than half the fp32 top-1 margin, the argmax cannot change.
          const top = argmax(a);
          const second = Math.max(...Array.from(a).filter((_, i) => i !== top));
          if (a[top] - second > 2 * maxDiff) {
            checked++;
            if (argmax(b) === top) kept++;
          }
        }
      }
      rel[level] = Math.sqrt(err / mag);
      t.ok(
        rel[level] <= tol,
        `${level}: relative RMS logit error ${rel[level].toFixed(4)} <= ${tol.toFixed(4)} (ρw ${rhoW.toFixed(4)})`,
      );
      t.equal(kept, checked, `${level}: argmax kept at all ${checked} positions whose margin exceeds twice the error`);
      const n = 16;
      let agree = 0;
      const ref = await greedy(gen.dir, undefined, prompts, n);
      const got = await greedy(gen.dir, quantizeSpec(level, BLOCK32), prompts, n);
      for (const [i, a] of ref.entries()) {
        const first = a.findIndex((id, j) => id !== got[i][j]);
        agree += first < 0 ? n : first;
      }
      t.comment(
        `${level}: greedy tokens identical to fp32 before the first difference: ${agree}/${n * prompts.length}`,
      );
      await s.release();
    }
    t.ok(rel.q4 > rel.q8 && rel.q8 > 0, 'q4 moves the logits more than q8, and q8 moves them at all');
    await s0.release();
  },
);

t.test(
  'an fp16 export with external data quantizes too (fp16 scales), within the same kind of tolerance',
  async (t) => {
    const gen = await writeLlamaModel(path.join(tmp, 'llama-fp16'), {
      ...llama,
      seed: 25,
      dtype: 'float16',
      tiedEmbeddings: false,
      externalData: true,
    });
    const base = await deriveEmbedsDecoder(gen.modelPath, { cacheDir });
    const q = await deriveEmbedsDecoder(gen.modelPath, { cacheDir, quantize: quantizeSpec('q8', BLOCK32) });
    t.equal(q.embedding.kind, 'table', 'an untied table is kept as exported');
    t.equal(
      q.externalDataDir,
      path.dirname(q.decoderPath),
      'the quantized decoder resolves its weights in its own folder',
    );
    const graph = readModel(q.decoderPath).graph;
    const scales = graph.initializer.filter((x) => x.name?.endsWith('_scales'));
    t.ok(scales.length > 0 && scales.every((x) => x.dataType === DataType.FLOAT16), 'scales in the activation dtype');
    const s0 = await createSession(base);
    const s1 = await createSession(q);
    const ids = [[5, 17, 42, 99, 250, 3]];
    const toF32 = (x: ort.Tensor) => halfArrayToFloat(x.data as Uint16Array);
    const a = toF32((await runStep(s0, await embedsFor(base, ids), null, 0)).logits as ort.Tensor);
    const b = toF32((await runStep(s1, await embedsFor(q, ids), null, 0)).logits as ort.Tensor);
    let err = 0;
    let mag = 0;
    for (let i = 0; i < a.length; i++) {
      err += (a[i] - b[i]) ** 2;
      mag += a[i] ** 2;
    }
    // The q8 bound of the fp32 test plus fp16 rounding of activations (2^-11 relative, well inside it).
    const rel = Math.sqrt(err / mag);
    t.ok(rel > 0 && rel < 0.06, `relative RMS logit error ${rel.toFixed(4)}`);
    await s0.release();
    await s1.release();
  },
);

t.test('soft embeddings on a q4 model are mixes of the dequantized rows the model sees', async (t) => {
  const gen = await writeLlamaModel(path.join(tmp, 'llama-soft'), { ...llama, seed: 22, weightScale: 0.02 });
  const spec = quantizeSpec('q4', BLOCK32);
  const { rt, loaded } = await inProcess(gen.dir, { quantize: spec });
  t.equal(loaded.derived.embedding.kind, 'model');
  // The rows the model works with: the tied table (= LM head rows) quantized to q4 and dequantized.
  const table = tensorFloats(
    initializer(readModel(gen.modelPath).graph, 'model.embed_tokens.weight')!,
    gen.dir,
    gen.modelPath,
  );
  const hidden = llama.hidden;
  const rows = Number(table.length / hidden);
  const q = quantizeRows(table, rows, hidden, spec);
  const row = (id: number) => dequantizeRow(q, spec, id);
  const lookup = new Float32Array(3 * hidden);
  await rt.ctx.embeddings.lookup([0, 7, rows - 1], lookup);
  t.same(
    Array.from(lookup),
    [0, 7, rows - 1].flatMap((id) => Array.from(row(id))),
    'lookup = dequantized rows',
  );

  const fed: Float32Array[] = [];
  const seen: Float32Array[] = [];
  const forward = rt.decoder.forward.bind(rt.decoder);
  rt.decoder.forward = async (cache, embeds, T) => {
    fed.push(embeds.slice((T - 1) * hidden, T * hidden));
    const result = await forward(cache, embeds, T);
    seen.push(result.logits[0].slice());
    return result;
  };
  const prompt = [10, 20, 30, 40];
  const req = request(prompt, { selar: { mode: 'soft', topK: 3, contrastiveWeight: 1 }, stop: { maxTokens: 6 } });
  const events = tokens((await runAll(rt, [req])).get(req.id)!);
  t.equal(events.length, 6, 'a SeLaR run on the q4 model decodes');
  t.ok(
    events.slice(0, -1).every((e) => e.soft),
    'every step but the last fed a soft input',
  );
  t.same(Array.from(fed[0]), Array.from(row(prompt[prompt.length - 1])), 'the prompt rows are dequantized rows');
  // Each soft input, recomputed from the previous step's logits over rows dequantized in JS.
  const scratch = new DistributionScratch(seen[0].length);
  const mix = createTopKMix(3);
  const rowsBuf = new Float32Array(3 * hidden);
  let spread = 0;
  for (let step = 1; step < fed.length; step++) {
    topKMix(filteredProbs(seen[step - 1], { temperature: 1, topK: 0, topP: 1, minP: 0 }, scratch), mix);
    for (const [j, id] of Array.from(mix.ids).entries()) rowsBuf.set(row(id), j * hidden);
    const expected = softEmbedding(rowsBuf, mix, mix.entropy, 1, new Float32Array(hidden));
    let worst = 0;
    for (let d = 0; d < hidden; d++) worst = Math.max(worst, Math.abs(fed[step][d] - expected[d]));
    // The decode loop's probabilities may differ from this recomputation in the last bits; q4 rounding
    // moves row entries by ~1e-4 here, so 1e-6 still tells dequantized rows from the fp32 ones.
    t.ok(
      worst < 1e-6,
      `step ${step}: soft input = mix of dequantized rows (max diff ${worst}, H ${mix.entropy.toFixed(3)})`,
    );
    spread = Math.max(spread, mix.entropy);
  }
  t.ok(spread > 0.1, 'some mix gives real weight to more than one row (a test that could tell rows apart)');
});

t.test('an Optimum-style model_q4.onnx (MatMulNBits, GatherBlockQuantized) converts and decodes', async (t) => {
  const gen = await writeLlamaModel(path.join(tmp, 'llama-hub'), { ...llama, seed: 23, quantizedVariants: ['q4'] });
  const q4File = path.join(gen.dir, 'onnx', 'model_q4.onnx');
  const graph = readModel(q4File).graph;
  t.ok(graph.node.some((n) => n.opType === 'MatMulNBits' && n.domain === 'com.microsoft'));
  t.ok(graph.node.some((n) => n.opType === 'GatherBlockQuantized' && n.input[1] === 'input_ids'));
  const derived = await deriveEmbedsDecoder(q4File, { cacheDir });
  t.equal(derived.embedding.kind, 'model', 'the quantized lookup is read through an extracted sub-model');
  t.ok(derived.logitsLastOnly, 'the MatMulNBits LM head is sliced to the last position');
  // The derived decoder gives the export's own logits for the same ids (bitwise: same graph, same rows).
  const original = await ort.InferenceSession.create(q4File);
  const session = await createSession(derived);
  const prompt = [[5, 6, 7, 8, 9]];
  const a = (await runStep(original, prompt, null, 0)).logits as ort.Tensor;
  const b = (await runStep(session, await embedsFor(derived, prompt), null, 0)).logits as ort.Tensor;
  const V = b.dims[2];
  const lastA = (a.data as Float32Array).subarray(a.data.length - V);
  t.same(Array.from(b.data as Float32Array).slice(-V), Array.from(lastA), 'last-position logits bitwise equal');
  await original.release();
  await session.release();
  // And the engine decodes it (--dtype q4 picks model_q4.onnx), SeLaR included.
  const { rt } = await inProcess(gen.dir, { dtype: 'q4' });
  const req = request([10, 11, 12], { selar: { mode: 'selar', entropyThreshold: 0.3 }, stop: { maxTokens: 8 } });
  const events = tokens((await runAll(rt, [req])).get(req.id)!);
  t.equal(events.length, 8);
});

t.test(
  'the block: the requested size where it divides K, else the largest smaller power of two that does',
  async (t) => {
    t.equal(blockFor(512, 128), 128);
    t.equal(blockFor(704, 128), 64, "the demo model's MLP: 704 = 11 × 64");
    t.equal(blockFor(96, 128), 32);
    t.equal(blockFor(64, 32), 32, 'never larger than asked');
    t.equal(blockFor(40, 128), null, 'no power of two >= 16 divides 40: kept');
    // The default (128) on a model of hidden 64: every projection quantized, each with its own block,
    // and the tied table's lookup with the LM head's.
    const gen = await writeLlamaModel(path.join(tmp, 'llama-blocks'), { ...llama, seed: 26 });
    const q = await deriveEmbedsDecoder(gen.modelPath, { cacheDir, quantize: quantizeSpec('q4') });
    t.equal(q.quantization?.blockSize, 128);
    t.same([q.quantization?.matmulsQuantized, q.quantization?.matmulsSmallerBlock], [15, 13]);
    const attr = (n: { attribute?: Array<{ name?: string | null; i?: unknown }> | null }, name: string) =>
      Number(n.attribute?.find((a) => a.name === name)?.i);
    const nodes = readModel(q.decoderPath).graph.node.filter((n) => n.opType === 'MatMulNBits');
    t.equal(nodes.length, 15);
    for (const n of nodes) t.equal(attr(n, 'block_size'), blockFor(attr(n, 'K'), 128), `${n.name}: K ${attr(n, 'K')}`);
    t.equal(q.embedding.kind, 'model');
    const lookup = readModel((q.embedding as { modelPath: string }).modelPath).graph.node[0];
    t.equal(attr(lookup, 'block_size'), 64, "the table's lookup uses the LM head's block");
    const s = await createSession(q);
    const out = await runStep(s, await embedsFor(q, [[5, 17, 42]]), null, 0);
    t.ok((out.logits.data as Float32Array).every(Number.isFinite), 'it decodes');
    await s.release();
  },
);

t.test('selar convert --quantize / --dtype q4|q8: options, output and usage errors', async (t) => {
  const gen = await writeLlamaModel(path.join(tmp, 'llama-cli'), { ...llama, seed: 24 });
  let out = '';
  let err = '';
  const io = {
    out: (s: string) => {
      out += s;
    },
    err: (s: string) => {
      err += s;
    },
  };
  const run = (...args: string[]) => runConvert([gen.dir, '--out', cacheDir, ...args], io);
  t.equal(await run('--dtype', 'q8'), 0, '--dtype q8 without a variant quantizes the fp32 export');
  t.match(out, /source: .*onnx\/model\.onnx/);
  // The default block 128: hidden 64 takes blocks of 64 (the q/k/v/o, gate and up projections and
  // the LM head, 13 of them); the down projections' K of 128 takes 128.
  t.match(
    out,
    /quantized: 8-bit MatMulNBits, block 128, accuracy_level 4, symmetric; 15 MatMuls quantized \(13 with a smaller block that divides their K\), 4 kept/,
  );
  t.match(out, /embedding table quantized \(tied to the LM head\)/);
  out = '';
  t.equal(await run('--quantize', 'q4', '--block-size', '64', '--accuracy-level', '0', '--zero-points'), 0);
  t.match(out, /quantized: 4-bit MatMulNBits, block 64, accuracy_level 0, zero points/);
  t.match(out, new RegExp(`decoder: ${cacheDir}/[0-9a-f]+/decoder\\.onnx`));
  t.equal(await run('--quantize', 'q5'), 2, 'unknown level: usage error');
  t.match(err, /--quantize must be q4 or q8/);
  t.equal(await run('--block-size', '64'), 2, 'tuning without a level: usage error');
  t.equal(await run('--quantize', 'q4', '--block-size', 'x'), 2);
  err = '';
  t.equal(await run('--quantize', 'q4', '--block-size', '48'), 1, 'a block size that is no power of two');
  t.match(err, /block size 48 is not a power of two/);
  err = '';
  t.equal(await run('--quantize', 'q4', '--accuracy-level', '7'), 1);
  t.match(err, /accuracy level 7/);
});
