// Reading a handful of embedding rows as float32, for tests and small lookups. The
// engine keeps the whole table once per process; this is not that path.
import * as ort from 'onnxruntime-node';
import { createSession } from './session.js';
import { readRange } from './tensor-data.js';
import { fromHalf } from '../../util/half.js';
import type { EmbeddingModelRef, EmbeddingTableRef } from './types.js';

function checkIds(ids: number[], rows: number): void {
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= rows)
      throw new RangeError(`embedding row ${id} is outside [0, ${rows})`);
  }
}

function readTableRows(ref: EmbeddingTableRef, ids: number[]): Float32Array {
  const width = ref.dtype === 'float16' ? 2 : 4;
  const rowBytes = ref.dim * width;
  const out = new Float32Array(ids.length * ref.dim);
  ids.forEach((id, k) => {
    const bytes = readRange(ref.file, ref.offset + id * rowBytes, rowBytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < ref.dim; i++) {
      out[k * ref.dim + i] = width === 2 ? fromHalf(view.getUint16(i * 2, true)) : view.getFloat32(i * 4, true);
    }
  });
  return out;
}

async function readModelRows(ref: EmbeddingModelRef, ids: number[]): Promise<Float32Array> {
  const session = await createSession({ decoderPath: ref.modelPath, externalDataDir: ref.externalDataDir });
  try {
    const input =
      ref.inputType === 'int32'
        ? new ort.Tensor('int32', Int32Array.from(ids), [1, ids.length])
        : new ort.Tensor(
            'int64',
            BigInt64Array.from(ids, (i) => BigInt(i)),
            [1, ids.length],
          );
    const out = (await session.run({ [ref.inputName]: input }))[ref.outputName];
    const data = out.data as Float32Array | Uint16Array;
    return data instanceof Float32Array ? Float32Array.from(data) : Float32Array.from(data, fromHalf);
  } finally {
    await session.release();
  }
}

/** Rows `ids` of the embedding table, as float32 (fp16 rows are widened exactly). */
export async function readEmbeddingRows(
  ref: EmbeddingTableRef | EmbeddingModelRef,
  ids: number[],
): Promise<Float32Array> {
  checkIds(ids, ref.rows);
  return ref.kind === 'table' ? readTableRows(ref, ids) : readModelRows(ref, ids);
}
