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
  /** Set when the converter quantized the decoder's weights (selar convert --quantize). */
  quantization?: QuantizationInfo;
}

/** What the converter's quantizer did (MatMulNBits weights, a GatherBlockQuantized tied table). */
export interface QuantizationInfo {
  bits: 4 | 8;
  blockSize: number;
  accuracyLevel: number;
  zeroPoints: boolean;
  matmulsQuantized: number;
  /** MatMuls left in full precision (weight not constant, or K not a multiple of 16). */
  matmulsKept: number;
  /** Of the quantized ones, those whose K needed a smaller block than blockSize (the largest that divides it). */
  matmulsSmallerBlock?: number;
  embedding: string;
}

/** Block-wise weight quantization of the derived decoder (see src/model/quantize). */
export interface QuantizeSpec {
  bits: 4 | 8;
  /** Weights per block along K: a power of two >= 16. */
  blockSize: number;
  /** MatMulNBits accuracy_level (4: int8 compute; 0: unset, the runtime's fp32 path). */
  accuracyLevel: number;
  /** Asymmetric blocks with stored zero points instead of the implicit midpoint. */
  zeroPoints: boolean;
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
  /** Quantize the derived decoder's MatMul weights; the result is cached beside the plain one. */
  quantize?: QuantizeSpec;
}
