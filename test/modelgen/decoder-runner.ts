// Feeds Optimum-layout decoders in tests: builds int64 inputs, empty or given
// past, and reads logits back as float32 whatever the model dtype.
import * as ort from 'onnxruntime-node';
import { halfArrayToFloat as fromHalfArray } from '../../src/util/half.js';

export interface DecoderShape {
  layers: number;
  kvHeads: number;
  headDim: number;
  dtype: 'float32' | 'float16';
}

export type Outputs = ort.InferenceSession.OnnxValueMapType;

function int64(rows: number[][]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(rows.flat().map((v) => BigInt(v))), [rows.length, rows[0].length]);
}

/** HF's left-padding convention: cumsum(mask) - 1, padding positions set to 1. */
export function positionsFor(mask: number[][], pastLength = 0): number[][] {
  return mask.map((row) => {
    let seen = 0;
    return row.map((m) => (m ? seen++ : 1)).slice(pastLength);
  });
}

export async function runDecoder(
  session: ort.InferenceSession,
  shape: DecoderShape,
  ids: number[][],
  mask: number[][] = ids.map((r) => r.map(() => 1)),
  past: Outputs | null = null,
): Promise<Outputs> {
  const pastLength = mask[0].length - ids[0].length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: int64(ids),
    attention_mask: int64(mask),
    position_ids: int64(positionsFor(mask, pastLength)),
  };
  for (let i = 0; i < shape.layers; i++) {
    for (const kind of ['key', 'value']) {
      feeds[`past_key_values.${i}.${kind}`] = past
        ? (past[`present.${i}.${kind}`] as ort.Tensor)
        : new ort.Tensor(shape.dtype, shape.dtype === 'float16' ? new Uint16Array(0) : new Float32Array(0), [
            ids.length,
            shape.kvHeads,
            0,
            shape.headDim,
          ]);
    }
  }
  return session.run(feeds);
}

export function asFloat32(t: ort.Tensor): Float32Array {
  if (t.type === 'float16') return fromHalfArray(t.data as Uint16Array);
  return t.data as Float32Array;
}

/** logits[row, position] as float32 (position defaults to the last one). */
export function logitsAt(out: Outputs, row: number, position = -1): Float32Array {
  const t = out.logits as ort.Tensor;
  const [, seq, vocab] = t.dims;
  const p = position < 0 ? seq + position : position;
  const start = (row * seq + p) * vocab;
  return asFloat32(t).slice(start, start + vocab);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
