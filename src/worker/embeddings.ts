// Access to the model's input embedding table E from a worker. A raw fp32/fp16
// table lives once per process in a SharedArrayBuffer, in the model's own dtype
// (a 150k × 2048 fp16 table stays 600 MB, not 1.2 GB of fp32 per worker); quantized
// or tied tables are read through a tiny embedding sub-model instead.
import * as ort from 'onnxruntime-node';
import { fromHalf } from '../util/half.js';
import type { SharedTable } from '../engine/protocol.js';

export interface EmbeddingSource {
  readonly dim: number;
  readonly rows: number;
  /** Writes E[ids[i]] into out[i*dim .. (i+1)*dim) as fp32. */
  lookup(ids: ArrayLike<number>, out: Float32Array): Promise<void> | void;
}

export class SharedTableSource implements EmbeddingSource {
  readonly dim: number;
  readonly rows: number;
  private readonly f32: Float32Array | null;
  private readonly f16: Uint16Array | null;

  constructor(table: SharedTable) {
    this.dim = table.dim;
    this.rows = table.rows;
    this.f32 = table.dtype === 'float32' ? new Float32Array(table.buffer) : null;
    this.f16 = table.dtype === 'float16' ? new Uint16Array(table.buffer) : null;
  }

  lookup(ids: ArrayLike<number>, out: Float32Array): void {
    const dim = this.dim;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id < 0 || id >= this.rows)
        throw new RangeError(`token id ${id} outside the embedding table (${this.rows} rows)`);
      const base = id * dim;
      if (this.f32) out.set(this.f32.subarray(base, base + dim), i * dim);
      else {
        const src = this.f16!;
        for (let d = 0; d < dim; d++) out[i * dim + d] = fromHalf(src[base + d]);
      }
    }
  }
}

/** Rows produced by running the extracted embedding sub-model on the ids. */
export class SubModelSource implements EmbeddingSource {
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly inputName: string,
    private readonly inputType: 'int64' | 'int32',
    private readonly outputName: string,
    readonly rows: number,
    readonly dim: number,
  ) {}

  async lookup(ids: ArrayLike<number>, out: Float32Array): Promise<void> {
    const n = ids.length;
    const input =
      this.inputType === 'int64'
        ? new ort.Tensor('int64', BigInt64Array.from(Array.from(ids, (v) => BigInt(v))), [1, n])
        : new ort.Tensor('int32', Int32Array.from(ids), [1, n]);
    const result = (await this.session.run({ [this.inputName]: input }))[this.outputName];
    if (result.type === 'float32') out.set((result.data as Float32Array).subarray(0, n * this.dim));
    else if (result.type === 'float16') {
      const src = result.data as Uint16Array;
      for (let i = 0; i < n * this.dim; i++) out[i] = fromHalf(src[i]);
    } else throw new Error(`unsupported embedding output dtype ${result.type}`);
  }
}
