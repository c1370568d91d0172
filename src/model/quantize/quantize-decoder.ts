// quantizeDecoder: from a derived inputs_embeds decoder (fp32 or fp16) to one whose
// MatMuls with constant weights run as com.microsoft MatMulNBits (4 or 8 bits,
// block-wise along K), the operator onnxruntime's CPU provider runs fastest. A MatMul
// whose weight is not a constant 2-D fp32/fp16 tensor, or whose K is not a multiple of
// the block size, stays as it is. Where the LM head is tied to the embedding table, the
// table becomes a GatherBlockQuantized lookup over the LM head's own quantized bytes, so
// every embedding row (a prompt token, a sampled token, a SeLaR soft mix) is the
// dequantized row the quantized model works with; an untied table stays in full precision.
import path from 'node:path';
import { DataType, encodeModel, readModel, toNumber } from '../../onnx/proto.js';
import type { GraphProto, ModelProto, TensorProto } from '../../onnx/proto.js';
import { ModelLoadError } from '../../errors.js';
import { intAttr, node, producer, removeDeadCode, subgraphs } from '../convert/graph.js';
import { dimsOf } from '../convert/tensor-data.js';
import { writeFileAtomic } from '../convert/cache.js';
import { IDS, ROWS, embeddingModelProto, probeEmbeddingModel } from '../convert/embedding-submodel.js';
import { readEmbeddingRows } from '../convert/embedding-rows.js';
import type { DerivedDecoder, EmbeddingModelRef, QuantizationInfo, QuantizeSpec } from '../convert/types.js';
import { blockFor, quantizeRows, type BlockwiseWeight } from './blockwise.js';
import { DataFileWriter, pointAt, relocateWeights, tensorFloats, type Placed } from './weights.js';
import { fromHalf, toHalf } from '../../util/half.js';

export type QuantizeOptions = QuantizeSpec;

export interface QuantizeOutput {
  dir: string;
  decoder: string;
  data: string;
  embeddingModel: string;
}

const MS = 'com.microsoft';

export interface Weight {
  /** The initializer holding the values. */
  tensor: TensorProto;
  /** True when the initializer is already [N, K] (a Transpose of it feeds the MatMul). */
  rowsFirst: boolean;
  k: number;
  n: number;
}

/** The constant 2-D fp32/fp16 weight behind a MatMul's B input, if it is one. */
function constantWeight(graph: GraphProto, scope: GraphProto[], name: string): Weight | undefined {
  const find = (n: string) => {
    for (const g of scope) {
      const t = g.initializer.find((x) => x.name === n);
      if (t) return t;
    }
    return undefined;
  };
  const floatish = (t: TensorProto) => t.dataType === DataType.FLOAT || t.dataType === DataType.FLOAT16;
  const direct = find(name);
  if (direct) {
    const d = dimsOf(direct);
    return d.length === 2 && floatish(direct) ? { tensor: direct, rowsFirst: false, k: d[0], n: d[1] } : undefined;
  }
  const p = producer(graph, name);
  if (p?.opType !== 'Transpose' || (p.domain && p.domain !== 'ai.onnx')) return undefined;
  const src = find(p.input[0]);
  if (!src || !floatish(src) || dimsOf(src).length !== 2) return undefined;
  const perm = p.attribute?.find((a) => a.name === 'perm')?.ints?.map(toNumber);
  if (perm && !(perm[0] === 1 && perm[1] === 0)) return undefined;
  const d = dimsOf(src);
  return { tensor: src, rowsFirst: true, k: d[1], n: d[0] };
}

/** W[K, N] as N rows of K (MatMulNBits wants B transposed). */
function rowsOf(w: Weight, values: Float32Array): Float32Array {
  if (w.rowsFirst) return values;
  const out = new Float32Array(values.length);
  for (let k = 0; k < w.k; k++) for (let n = 0; n < w.n; n++) out[n * w.k + k] = values[k * w.n + n];
  return out;
}

export interface Quantized {
  weight: BlockwiseWeight;
  data: TensorProto;
  scales: TensorProto;
  zeroPoints: TensorProto | null;
  rows: Float32Array;
}

export function quantizedTensors(
  base: string,
  w: Weight,
  rows: Float32Array,
  opts: QuantizeOptions,
  half: boolean,
): Quantized {
  const round = half ? (s: number) => fromHalf(toHalf(s)) : Math.fround;
  const q = quantizeRows(rows, w.n, w.k, opts, round);
  const blob = (opts.blockSize * opts.bits) / 8;
  const scaleBytes = half
    ? new Uint8Array(Uint16Array.from(q.scales, toHalf).buffer)
    : new Uint8Array(q.scales.buffer.slice(0));
  return {
    weight: q,
    rows,
    data: { name: `${base}_Q${opts.bits}`, dims: [w.n, q.kBlocks, blob], dataType: DataType.UINT8, rawData: q.data },
    scales: {
      name: `${base}_scales`,
      dims: [w.n, q.kBlocks],
      dataType: half ? DataType.FLOAT16 : DataType.FLOAT,
      rawData: scaleBytes,
    },
    zeroPoints: q.zeroPoints
      ? {
          name: `${base}_zero_points`,
          dims: [w.n, q.zeroPoints.length / w.n],
          dataType: DataType.UINT8,
          rawData: q.zeroPoints,
        }
      : null,
  };
}

function sameRows(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Writes the GatherBlockQuantized lookup over the tied LM head's bytes in the decoder's data file. */
async function writeTiedEmbedding(
  model: ModelProto,
  q: Quantized,
  placed: { data: Placed; scales: Placed; zeroPoints: Placed | null },
  location: string,
  out: QuantizeOutput,
  opts: QuantizeOptions,
  file: string,
): Promise<EmbeddingModelRef> {
  const { n, k } = q.weight;
  // The LM head's own block (smaller than the requested one where the hidden size needs it).
  const block = k / q.weight.kBlocks;
  const data: TensorProto = {
    name: 'embed_tokens_quantized',
    dims: [n, (k * opts.bits) / 8],
    dataType: DataType.UINT8,
  };
  pointAt(data, location, placed.data);
  const scales: TensorProto = { name: 'embed_tokens_scales', dims: q.scales.dims, dataType: q.scales.dataType };
  pointAt(scales, location, placed.scales);
  const inits = [data, scales];
  const inputs = [data.name!, IDS, scales.name!];
  if (q.zeroPoints && placed.zeroPoints) {
    const zp: TensorProto = { name: 'embed_tokens_zero_points', dims: q.zeroPoints.dims, dataType: DataType.UINT8 };
    pointAt(zp, location, placed.zeroPoints);
    inits.push(zp);
    inputs.push(zp.name!);
  }
  const gather = node(
    'GatherBlockQuantized',
    inputs,
    [ROWS],
    '/model/embed_tokens/GatherBlockQuantized',
    [intAttr('gather_axis', 0), intAttr('quantize_axis', 1), intAttr('block_size', block), intAttr('bits', opts.bits)],
    MS,
  );
  const sub = embeddingModelProto(model, [gather], inits, DataType.INT64);
  writeFileAtomic(out.embeddingModel, encodeModel(sub));
  const probe = await probeEmbeddingModel(out.embeddingModel, out.dir, IDS, DataType.INT64, ROWS, file);
  return {
    kind: 'model',
    modelPath: out.embeddingModel,
    externalDataDir: out.dir,
    inputName: IDS,
    inputType: 'int64',
    outputName: ROWS,
    dtype: probe.dtype,
    rows: n,
    dim: probe.dim,
  };
}

/** What quantizeMatMuls did: each quantized weight (by its original initializer) and the counts. */
export interface MatMulQuantization {
  done: Map<TensorProto, Quantized>;
  quantized: number;
  kept: number;
  /** Quantized with a smaller block than asked, because K is not a multiple of it. */
  smallerBlock: number;
}

/**
 * Rewrites, in place, every MatMul (in subgraphs too) whose weight is a constant 2-D
 * fp32/fp16 tensor into MatMulNBits, with the block size asked for or the largest smaller
 * one that divides its K (blockFor; kept where K is not a multiple of 16); the new
 * initializers carry their bytes inline (rawData). The old weights are left for
 * removeDeadCode.
 */
export function quantizeMatMuls(
  model: ModelProto,
  dataDir: string,
  opts: QuantizeOptions,
  sourceFile: string,
): MatMulQuantization {
  const done = new Map<TensorProto, Quantized>();
  let quantized = 0;
  let kept = 0;
  let smallerBlock = 0;
  const visit = (g: GraphProto, scope: GraphProto[]): void => {
    const inner = [g, ...scope];
    for (const n of g.node) {
      for (const s of subgraphs(n)) visit(s, inner);
      if (n.opType !== 'MatMul' || (n.domain && n.domain !== 'ai.onnx')) continue;
      const w = constantWeight(g, inner, n.input[1]);
      const block = w ? blockFor(w.k, opts.blockSize) : null;
      if (!w || block === null) {
        kept++;
        continue;
      }
      if (block !== opts.blockSize) smallerBlock++;
      let q = done.get(w.tensor);
      if (!q) {
        const values = tensorFloats(w.tensor, dataDir, sourceFile);
        const half = w.tensor.dataType === DataType.FLOAT16;
        q = quantizedTensors(`${w.tensor.name}`, w, rowsOf(w, values), { ...opts, blockSize: block }, half);
        done.set(w.tensor, q);
        // Added to the outermost graph: visible to every subgraph.
        model.graph.initializer.push(q.data, q.scales, ...(q.zeroPoints ? [q.zeroPoints] : []));
      }
      quantized++;
      n.opType = 'MatMulNBits';
      n.domain = MS;
      n.input = [n.input[0], q.data.name!, q.scales.name!, ...(q.zeroPoints ? [q.zeroPoints.name!] : [])];
      n.attribute = [
        intAttr('K', w.k),
        intAttr('N', w.n),
        intAttr('bits', opts.bits),
        intAttr('block_size', block),
        ...(opts.accuracyLevel ? [intAttr('accuracy_level', opts.accuracyLevel)] : []),
      ];
    }
  };
  visit(model.graph, []);
  if (quantized === 0)
    throw new ModelLoadError(
      'no MatMul with a constant weight whose K is a multiple of 16; nothing to quantize',
      sourceFile,
    );
  model.opsetImport ??= [];
  if (!model.opsetImport.some((o) => o.domain === MS)) model.opsetImport.push({ domain: MS, version: 1 });
  return { done, quantized, kept, smallerBlock };
}

export async function quantizeDecoder(
  derived: DerivedDecoder,
  opts: QuantizeOptions,
  out: QuantizeOutput,
  sourceFile: string,
): Promise<{ derived: DerivedDecoder; files: string[] }> {
  const model = readModel(derived.decoderPath);
  const dataDir = derived.externalDataDir ?? path.dirname(derived.decoderPath);
  const table = derived.embedding.kind === 'table' ? derived.embedding : null;
  let tableRows: Float32Array | undefined;
  const { done, quantized, kept, smallerBlock } = quantizeMatMuls(model, dataDir, opts, sourceFile);
  let tied: Quantized | undefined;

  // Tied: the LM head's rows are exactly the embedding table's rows.
  if (table) {
    for (const q of done.values()) {
      if (q.weight.n !== table.rows || q.weight.k !== table.dim) continue;
      tableRows ??= await readEmbeddingRows(
        table,
        Array.from({ length: table.rows }, (_, i) => i),
      );
      if (sameRows(q.rows, tableRows)) {
        tied = q;
        break;
      }
    }
  }

  removeDeadCode(model.graph);

  const writer = new DataFileWriter(out.data);
  const placed = new Map<Quantized, { data: Placed; scales: Placed; zeroPoints: Placed | null }>();
  const skip = new Set<TensorProto>();
  try {
    for (const q of done.values()) {
      placed.set(q, {
        data: writer.place(q.data, q.weight.data),
        scales: writer.place(q.scales, q.scales.rawData ?? new Uint8Array(0)),
        zeroPoints: q.zeroPoints ? writer.place(q.zeroPoints, q.weight.zeroPoints!) : null,
      });
      skip.add(q.data).add(q.scales);
      if (q.zeroPoints) skip.add(q.zeroPoints);
    }
    relocateWeights(model.graph, writer, dataDir, sourceFile, skip);
  } finally {
    writer.close();
  }
  writeFileAtomic(out.decoder, encodeModel(model));
  const files = [out.decoder, out.data];

  let embedding = derived.embedding;
  if (tied) {
    embedding = await writeTiedEmbedding(model, tied, placed.get(tied)!, writer.location, out, opts, sourceFile);
    files.push(out.embeddingModel);
  }
  const quantization: QuantizationInfo = {
    bits: opts.bits,
    blockSize: opts.blockSize,
    accuracyLevel: opts.accuracyLevel,
    zeroPoints: opts.zeroPoints,
    matmulsQuantized: quantized,
    matmulsKept: kept,
    matmulsSmallerBlock: smallerBlock,
    embedding: tied ? 'quantized (tied to the LM head)' : 'kept in full precision (not tied)',
  };
  return {
    derived: { ...derived, decoderPath: out.decoder, externalDataDir: out.dir, embedding, quantization },
    files,
  };
}
