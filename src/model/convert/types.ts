// Public shapes of the converter's result; re-exported from index.ts.

/** Raw embedding rows in a file: row r lives at offset + r * dim * bytesPerElement. */
export interface EmbeddingTableRef {
  kind: 'table';
  dtype: 'float32' | 'float16';
  rows: number;
  dim: number;
  file: string;
  offset: number;
  byteLength: number;
}

/** A tiny ONNX model that maps ids [B, N] to rows [B, N, dim] (quantized or computed tables). */
export interface EmbeddingModelRef {
  kind: 'model';
  modelPath: string;
  externalDataDir: string | null;
  inputName: string;
  inputType: 'int64' | 'int32';
  outputName: string;
  dtype: 'float32' | 'float16';
  rows: number;
  dim: number;
}

export interface DerivedDecoder {
  /** Derived ONNX taking inputs_embeds, no input_ids. Open it with createSession. */
  decoderPath: string;
  /** Folder the original external-data locations resolve against; null when all weights are inline. */
  externalDataDir: string | null;
  embedsInputName: string;
  embedsDtype: 'float32' | 'float16';
  hiddenSize: number;
  /** Logits dimension. */
  vocabSize: number;
  /** True when the derived graph returns logits for the last position only ([B, 1, V]). */
  logitsLastOnly: boolean;
  /**
   * With logitsLastOnly: an optional int64 input (default 1) that makes the graph return
   * the last N positions' logits instead (every prompt position for prompt logprobs);
   * null when the count is fixed at 1.
   */
  logitsToKeepInput: string | null;
  /** Rows of different lengths may share a batch by left padding (see padding.ts). */
  leftPadding: boolean;
  /**
   * True when each present output holds only the positions just computed, to be
   * appended to the past by the caller (new-positions.ts); false when it is the whole
   * cache, past included, as exported.
   */
  presentNewOnly: boolean;
  embedding: EmbeddingTableRef | EmbeddingModelRef;
}

export interface DeriveOptions {
  inputIdsName?: string;
  /** Root of the cache; the derived files go to a per-model subfolder of it. */
  cacheDir?: string;
  /** Write the derived files next to the model instead of into the cache. */
  inPlace?: boolean;
  /** Rebuild even when a matching cached result exists. */
  force?: boolean;
  /** Keep whole-cache present outputs (the export's own form); the benchmark measures what new-positions-only buys. */
  wholeCacheOutputs?: boolean;
}
