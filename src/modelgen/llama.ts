// Writes a random-weight Llama decoder in the Hugging Face Optimum layout, for
// tests (tiny, generated on the fly) and benchmarks (large, external data).
import { GraphBuilder } from './graph.js';
import { writeConfigs, type LlamaConfig } from './config.js';
import { finishModelFolder, optimumPaths, startModelFolder } from './layout.js';
import { buildLlamaGraph, llamaParameterCount, type LlamaShape } from './llama-graph.js';
import type { ModelDtype } from './decoder-io.js';
import { writeTokenizer, type TokenizerSpec } from './tokenizer.js';
import { writeQuantizedExport } from '../model/quantize/export.js';
import { quantizeSpec } from '../model/quantize/index.js';

export type { LlamaConfig } from './config.js';

export interface LlamaGenOptions {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  /** Model vocabulary; raised to the tokenizer's size when smaller (rows past it are padding). */
  vocab: number;
  maxPositions?: number;
  dtype?: ModelDtype;
  seed?: number;
  tiedEmbeddings?: boolean;
  /** Forced on when the weights would not fit comfortably in one protobuf (> 1.5 GB). */
  externalData?: boolean;
  /** Multiplies the standard deviation of every projection and of the embedding (default 1). */
  weightScale?: number;
  /** float16 models only: Cast logits to float32 at the end (default: logits in the model dtype). */
  fp32Logits?: boolean;
  rmsNormEps?: number;
  ropeTheta?: number;
  /**
   * Also write pre-quantized variants as the Hub's exports have them (onnx/model_q4.onnx,
   * onnx/model_quantized.onnx for q8): MatMulNBits weights and a GatherBlockQuantized
   * embedding lookup, block size 32, symmetric, accuracy_level 4.
   */
  quantizedVariants?: Array<'q4' | 'q8'>;
}

export interface LlamaGenResult {
  dir: string;
  modelPath: string;
  /** Set when the weights live in onnx/model.onnx_data. */
  dataPath: string | null;
  config: LlamaConfig;
  tokenizer: TokenizerSpec;
}

const EXTERNAL_THRESHOLD_BYTES = 1.5e9;

function check(cond: boolean, message: string): void {
  if (!cond) throw new RangeError(`writeLlamaModel: ${message}`);
}

export async function writeLlamaModel(dir: string, opts: LlamaGenOptions): Promise<LlamaGenResult> {
  const { hidden, layers, heads, kvHeads, intermediate } = opts;
  check(hidden > 0 && layers > 0 && heads > 0 && kvHeads > 0 && intermediate > 0, 'sizes must be positive');
  check(hidden % heads === 0, `hidden ${hidden} is not a multiple of heads ${heads}`);
  check(heads % kvHeads === 0, `heads ${heads} is not a multiple of kvHeads ${kvHeads}`);
  check((hidden / heads) % 2 === 0, 'head_dim must be even for rotate-half RoPE');

  const tokenizer = writeTokenizer(dir);
  const shape: LlamaShape = {
    hidden,
    layers,
    heads,
    kvHeads,
    intermediate,
    vocab: Math.max(opts.vocab, tokenizer.size),
    dtype: opts.dtype ?? 'float32',
    tiedEmbeddings: opts.tiedEmbeddings ?? false,
    rmsNormEps: opts.rmsNormEps ?? 1e-6,
    ropeTheta: opts.ropeTheta ?? 10000,
    weightScale: opts.weightScale ?? 1,
    seed: opts.seed ?? 0,
    fp32Logits: (opts.fp32Logits ?? false) && opts.dtype === 'float16',
  };
  const bytes = llamaParameterCount(shape) * (shape.dtype === 'float16' ? 2 : 4);
  const external = (opts.externalData ?? false) || bytes > EXTERNAL_THRESHOLD_BYTES;

  const paths = optimumPaths(dir);
  const writer = startModelFolder(paths, external);
  const builder = new GraphBuilder(writer);
  try {
    buildLlamaGraph(builder, shape);
  } catch (err) {
    writer?.close();
    throw err;
  }
  finishModelFolder(paths, builder.build('main_graph'), writer);

  const config = writeConfigs(
    dir,
    {
      hidden_size: hidden,
      intermediate_size: intermediate,
      num_attention_heads: heads,
      num_key_value_heads: kvHeads,
      num_hidden_layers: layers,
      vocab_size: shape.vocab,
      max_position_embeddings: opts.maxPositions ?? 2048,
      rms_norm_eps: shape.rmsNormEps,
      rope_theta: shape.ropeTheta,
      tie_word_embeddings: shape.tiedEmbeddings,
      torch_dtype: shape.dtype,
    },
    tokenizer,
  );
  for (const level of opts.quantizedVariants ?? []) {
    const suffix = level === 'q4' ? '_q4' : '_quantized';
    // Block 32, as the Hub's exports are commonly quantized (and small test models' K allows).
    const spec = quantizeSpec(level, { blockSize: 32 });
    writeQuantizedExport(paths.modelPath, paths.modelPath.replace(/\.onnx$/, `${suffix}.onnx`), spec);
  }
  return { dir, modelPath: paths.modelPath, dataPath: external ? paths.dataPath : null, config, tokenizer };
}
