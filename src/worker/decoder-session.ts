// The onnxruntime-node adapter: one decoder session that takes inputs_embeds and a
// KV cache and returns the last position's logits. Names, dtypes and cache shapes
// are read from the session's own metadata, so Optimum and onnxruntime-genai exports
// (separate key/value or combined past_N tensors, int32 or int64 ids, fp16 caches)
// go through one code path.
import * as ort from 'onnxruntime-node';
import { ModelLoadError } from '../errors.js';
import { floatArrayToHalf, halfArrayToFloat } from '../util/half.js';
import { alloc, concatAlong, padFront, selectAlong, sliceFrom, type Data } from './tensor-ops.js';

type TensorMeta = { name: string; type: ort.Tensor.Type; shape: ReadonlyArray<number | string> };

interface CacheSlot {
  past: string;
  present: string;
  type: 'float32' | 'float16';
  /** Shape with the batch dim set to 1 and the sequence dim set to 0. */
  emptyDims: number[];
  seqAxis: number;
  batchAxis: number;
}

/**
 * The KV cache of a batch of sequences: the tensors to feed as past (batch dimension
 * = `batch`, sequence dimension = `length`). Row b's first `pads[b]` positions are
 * left padding (zeros, masked out); without padded batching every pad is 0.
 * A cache is a value: forward, mergeCaches and keepRows return a new one. forward
 * consumes its input (its arrays are reused by later steps), so only the returned
 * cache may be used afterwards; the scheduler's Cohort is the one holder.
 */
export interface KvCache {
  readonly length: number;
  readonly batch: number;
  readonly pads: readonly number[];
  readonly past: ReadonlyMap<string, ort.Tensor>;
  /**
   * Per cache input, the array the next step's cache is written into when presents
   * carry new positions only: the one behind the previous step's past, so two arrays
   * per tensor alternate and no step allocates (until a cache outgrows them).
   */
  readonly spare: Map<string, Data>;
}

/** One forward pass's result: each row's last-position logits and the advanced cache. */
export interface ForwardResult {
  logits: Float32Array[];
  cache: KvCache;
}

/** What a DecoderSession is built from. */
export interface DecoderOptions {
  session: ort.InferenceSession;
  io: DecoderIo;
  hiddenSize: number;
  vocabSize: number;
  /** The context length: positions a cache may hold. */
  maxLength: number;
  /** Whether mergeCaches may left-pad caches of different lengths into one batch (DerivedDecoder.leftPadding). */
  canPad?: boolean;
  /** Whether presents hold only the step's new positions, to be appended here (DerivedDecoder.presentNewOnly). */
  presentNewOnly?: boolean;
}

export interface DecoderIo {
  embeds: string;
  embedsType: 'float32' | 'float16';
  attentionMask: TensorMeta | null;
  positionIds: TensorMeta | null;
  useCacheBranch: string | null;
  logitsToKeep: TensorMeta | null;
  logits: string;
  cache: CacheSlot[];
}

const PRESENT_PATTERNS: Array<[RegExp, string]> = [
  [/^past_key_values\./, 'present.'],
  [/^past_key_values_/, 'present_'],
  [/^past\./, 'present.'],
  [/^past_/, 'present_'],
  [/^past/, 'present'],
];

function tensorMeta(m: ort.InferenceSession.ValueMetadata, file: string): TensorMeta {
  if (!m.isTensor) throw new ModelLoadError(`input/output "${m.name}" is not a tensor`, file);
  return { name: m.name, type: m.type, shape: m.shape };
}

/** Reads the session's inputs and outputs into the roles the decode loop needs. */
export function describeIo(session: ort.InferenceSession, file: string, embedsName: string): DecoderIo {
  const inputs = session.inputMetadata.map((m) => tensorMeta(m, file));
  const outputs = new Set(session.outputNames);
  const byName = new Map(inputs.map((i) => [i.name, i]));
  const embeds = byName.get(embedsName);
  if (!embeds) throw new ModelLoadError(`the decoder has no "${embedsName}" input`, file);
  if (embeds.type !== 'float32' && embeds.type !== 'float16')
    throw new ModelLoadError(`unsupported ${embedsName} dtype ${embeds.type}`, file);
  if (!outputs.has('logits')) throw new ModelLoadError('the decoder has no "logits" output', file);
  const io: DecoderIo = {
    embeds: embedsName,
    embedsType: embeds.type,
    attentionMask: null,
    positionIds: null,
    useCacheBranch: null,
    logitsToKeep: null,
    logits: 'logits',
    cache: [],
  };
  for (const input of inputs) {
    if (input.name === embedsName) continue;
    if (input.name === 'attention_mask') io.attentionMask = input;
    else if (input.name === 'position_ids') io.positionIds = input;
    else if (input.name === 'use_cache_branch') io.useCacheBranch = input.name;
    else if (input.name === 'num_logits_to_keep' || input.name === 'logits_to_keep') io.logitsToKeep = input;
    else if (/^past/.test(input.name)) io.cache.push(cacheSlot(input, outputs, file));
    else
      throw new ModelLoadError(
        `unsupported decoder input "${input.name}" (${input.type}, [${input.shape.join(', ')}])`,
        file,
      );
  }
  if (io.cache.length === 0)
    throw new ModelLoadError('the decoder has no past key/value inputs (a KV-cache export is required)', file);
  return io;
}

function cacheSlot(input: TensorMeta, outputs: Set<string>, file: string): CacheSlot {
  let present: string | undefined;
  for (const [re, rep] of PRESENT_PATTERNS) {
    if (!re.test(input.name)) continue;
    const candidate = input.name.replace(re, rep);
    if (outputs.has(candidate)) {
      present = candidate;
      break;
    }
  }
  if (!present) throw new ModelLoadError(`no present output pairs with past input "${input.name}"`, file);
  if (input.type !== 'float32' && input.type !== 'float16')
    throw new ModelLoadError(`unsupported KV-cache dtype ${input.type} for "${input.name}"`, file);
  const shape = input.shape;
  const symbolic = shape.map((d, i) => (typeof d === 'string' || d < 0 ? i : -1)).filter((i) => i >= 0);
  // Batch is the first symbolic dim; the sequence dim is the symbolic one named like a
  // length, or the last symbolic one ([B, H, past, D] and combined [2, B, H, past, D]).
  const batchAxis = symbolic[0] ?? -1;
  const rest = symbolic.filter((i) => i !== batchAxis);
  const named = rest.find((i) => /seq|past|len|total/i.test(String(shape[i])));
  const seqAxis = named ?? rest[rest.length - 1] ?? shape.length - 2;
  const emptyDims = shape.map((d, i) => {
    if (i === seqAxis) return 0;
    if (i === batchAxis) return 1;
    if (typeof d === 'number' && d >= 0) return d;
    throw new ModelLoadError(`cannot size dimension ${i} ("${d}") of past input "${input.name}"`, file);
  });
  if (batchAxis < 0) throw new ModelLoadError(`past input "${input.name}" has no batch dimension`, file);
  return { past: input.name, present, type: input.type, emptyDims, seqAxis, batchAxis };
}

function emptyTensor(type: 'float32' | 'float16', dims: number[]): ort.Tensor {
  return type === 'float32'
    ? new ort.Tensor('float32', new Float32Array(0), dims)
    : new ort.Tensor('float16', new Uint16Array(0), dims);
}

export function intTensor(type: ort.Tensor.Type, values: ArrayLike<number>, dims: number[]): ort.Tensor {
  if (type === 'int64') return new ort.Tensor('int64', BigInt64Array.from(Array.from(values, (v) => BigInt(v))), dims);
  if (type === 'int32') return new ort.Tensor('int32', Int32Array.from(values), dims);
  throw new Error(`unsupported integer input type ${type}`);
}

export class DecoderSession {
  readonly session: ort.InferenceSession;
  readonly io: DecoderIo;
  readonly hiddenSize: number;
  readonly vocabSize: number;
  readonly canPad: boolean;
  private readonly maxLength: number;
  private readonly presentNewOnly: boolean;
  // One buffer of ones, wrapped (not copied) by each step's attention_mask tensor.
  private maskOnes64: BigInt64Array;
  private maskOnes32: Int32Array;

  constructor(o: DecoderOptions) {
    this.session = o.session;
    this.io = o.io;
    this.hiddenSize = o.hiddenSize;
    this.vocabSize = o.vocabSize;
    this.maxLength = o.maxLength;
    this.canPad = o.canPad ?? false;
    this.presentNewOnly = o.presentNewOnly ?? false;
    this.maskOnes64 = new BigInt64Array(o.maxLength).fill(1n);
    this.maskOnes32 = new Int32Array(o.maxLength).fill(1);
  }

  /** An empty cache for `batch` rows (a prefill of that many equal-length prompts). */
  newCache(batch = 1): KvCache {
    const past = new Map<string, ort.Tensor>();
    for (const slot of this.io.cache) {
      const dims = [...slot.emptyDims];
      dims[slot.batchAxis] = batch;
      past.set(slot.past, emptyTensor(slot.type, dims));
    }
    return { length: 0, batch, pads: new Array<number>(batch).fill(0), past, spare: new Map() };
  }

  /**
   * One cache holding the rows of several caches (copies once). Caches of different
   * lengths are left-padded to the longest, which only a model that honours the
   * attention mask and position ids can take (canPad).
   */
  mergeCaches(caches: KvCache[]): KvCache {
    const length = Math.max(...caches.map((c) => c.length));
    if (!this.canPad && caches.some((c) => c.length !== length))
      throw new Error('only caches of equal length can share a batch');
    const past = new Map<string, ort.Tensor>();
    for (const slot of this.io.cache) {
      const parts = caches.map((c) => padFront(c.past.get(slot.past)!, slot.seqAxis, length - c.length));
      past.set(slot.past, concatAlong(parts, slot.batchAxis));
    }
    const pads = caches.flatMap((c) => c.pads.map((p) => p + length - c.length));
    return { length, batch: pads.length, pads, past, spare: new Map() };
  }

  /**
   * The cache restricted to the given batch rows (copies once; used when sequences
   * leave). Padding that every remaining row shares is cut off.
   */
  keepRows(cache: KvCache, rows: number[]): KvCache {
    const pads = rows.map((r) => cache.pads[r]);
    const trim = Math.min(...pads);
    const past = new Map<string, ort.Tensor>();
    for (const slot of this.io.cache) {
      const kept = selectAlong(cache.past.get(slot.past)!, slot.batchAxis, rows);
      past.set(slot.past, trim > 0 ? sliceFrom(kept, slot.seqAxis, trim) : kept);
    }
    return { length: cache.length - trim, batch: rows.length, pads: pads.map((p) => p - trim), past, spare: new Map() };
  }

  /**
   * Runs T positions for every row of the batch (embeds: B × T × hidden, fp32) on top
   * of the cache, and returns each row's last-position logits as fp32 views and the
   * cache advanced by T positions (the input cache is consumed). With `allPositions`
   * each row's view holds the T × V logits of every position instead, which costs a
   * [B, T, V] output: only prefills for prompt logprobs ask. Rows of an unpadded
   * batch never interact: a row's logits are bitwise those it gets alone. A padded row's are equal up to float
   * rounding (its padding is masked, but reductions over positions see a different length).
   */
  async forward(cache: KvCache, embeds: Float32Array, T: number, allPositions = false): Promise<ForwardResult> {
    const io = this.io;
    const B = cache.batch;
    const P = cache.length;
    const total = P + T;
    if (total > this.maxLength)
      throw new Error(`sequence length ${total} exceeds the context length ${this.maxLength}`);
    const padded = cache.pads.some((p) => p > 0);
    const feeds: Record<string, ort.Tensor> = {};
    feeds[io.embeds] =
      io.embedsType === 'float32'
        ? new ort.Tensor('float32', embeds, [B, T, this.hiddenSize])
        : new ort.Tensor('float16', floatArrayToHalf(embeds), [B, T, this.hiddenSize]);
    if (io.attentionMask) {
      const type = io.attentionMask.type;
      if (padded) feeds[io.attentionMask.name] = intTensor(type, paddedMask(cache.pads, total), [B, total]);
      else {
        this.ensureMask(B * total);
        feeds[io.attentionMask.name] =
          type === 'int64'
            ? new ort.Tensor('int64', this.maskOnes64.subarray(0, B * total), [B, total])
            : new ort.Tensor('int32', this.maskOnes32.subarray(0, B * total), [B, total]);
      }
    }
    if (io.positionIds) {
      // A row's positions count its own tokens only, padding excluded.
      const pos = new Array<number>(B * T);
      for (let b = 0; b < B; b++) for (let i = 0; i < T; i++) pos[b * T + i] = P - cache.pads[b] + i;
      feeds[io.positionIds.name] = intTensor(io.positionIds.type, pos, [B, T]);
    }
    if (io.useCacheBranch) feeds[io.useCacheBranch] = new ort.Tensor('bool', new Uint8Array([P > 0 ? 1 : 0]), [1]);
    if (io.logitsToKeep) {
      const keep = allPositions ? T : 1;
      feeds[io.logitsToKeep.name] = intTensor(io.logitsToKeep.type, [keep], io.logitsToKeep.shape.length ? [1] : []);
    }
    for (const [name, tensor] of cache.past) feeds[name] = tensor;

    const out = await this.session.run(feeds);
    const past = new Map<string, ort.Tensor>();
    for (const slot of io.cache) {
      past.set(slot.past, this.presentNewOnly ? this.append(cache, slot, out[slot.present], T) : out[slot.present]);
    }
    const next: KvCache = { length: total, batch: B, pads: cache.pads, past, spare: cache.spare };

    const logits = out[io.logits];
    const V = logits.dims[logits.dims.length - 1];
    const perRow = logits.data.length / V / B;
    if (logits.type !== 'float32' && logits.type !== 'float16')
      throw new Error(`unsupported logits dtype ${logits.type}`);
    // The binding already copied the output into a fresh buffer: hand out views of it.
    const data =
      logits.type === 'float32' ? (logits.data as Float32Array) : halfArrayToFloat(logits.data as Uint16Array);
    if (allPositions && perRow !== T) throw new Error(`the decoder returned logits for ${perRow} of ${T} positions`);
    const rows: Float32Array[] = [];
    for (let b = 0; b < B; b++) {
      const start = (b * perRow + (allPositions ? 0 : perRow - 1)) * V;
      rows.push(data.subarray(start, (b + 1) * perRow * V));
    }
    return { logits: rows, cache: next };
  }

  /**
   * past ++ added along the sequence axis, written into the cache's spare array (grown
   * when too small); the array behind the old past becomes the spare.
   */
  private append(cache: KvCache, slot: CacheSlot, added: ort.Tensor, T: number): ort.Tensor {
    const past = cache.past.get(slot.past)!;
    if (added.dims[slot.seqAxis] !== T) {
      throw new Error(
        `present "${slot.present}" has ${added.dims[slot.seqAxis]} positions on axis ${slot.seqAxis}, ` +
          `expected the step's ${T}`,
      );
    }
    const old = past.data as Data;
    const need = old.length + (added.data as Data).length;
    let into = cache.spare.get(slot.past);
    if (!into || into.length < need) {
      // Room for growth (at least 64 more positions, so short answers never grow it
      // again), but never beyond the context length.
      const perPosition = need / (past.dims[slot.seqAxis] + T);
      into = alloc(
        old,
        Math.min(Math.max(Math.ceil(need * 1.5), need + 64 * perPosition), perPosition * this.maxLength),
      );
    }
    const next = concatAlong([past, added], slot.seqAxis, into);
    // Nothing else holds the old past once this step has read it. (Every cache array
    // starts at offset 0 of its own buffer; anything else is simply not reused.)
    if (old.byteOffset === 0)
      cache.spare.set(slot.past, new (old.constructor as { new (b: ArrayBufferLike): Data })(old.buffer));
    else cache.spare.delete(slot.past);
    return next;
  }

  private ensureMask(n: number): void {
    if (this.maskOnes64.length >= n) return;
    this.maskOnes64 = new BigInt64Array(n).fill(1n);
    this.maskOnes32 = new Int32Array(n).fill(1);
  }
}

/** Ones, except the first pads[b] positions of row b (B × total). */
function paddedMask(pads: readonly number[], total: number): number[] {
  const mask = new Array<number>(pads.length * total).fill(1);
  for (const [b, p] of pads.entries()) mask.fill(0, b * total, b * total + p);
  return mask;
}
