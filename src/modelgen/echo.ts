// The echo model: a one-layer decoder whose logits are its input embedding,
// logits[b, t, :] = x[b, t, :] @ [I_hidden | 0]. Once a converter replaces the
// embedding Gather with an inputs_embeds input, the logits show exactly the
// vector that was fed, so soft-embedding arithmetic can be checked by hand.
import { writeConfigs, type LlamaConfig } from './config.js';
import {
  declareDecoderInputs,
  declareDecoderOutputs,
  elemType,
  sequenceDimsFromInputIds,
  type ModelDtype,
} from './decoder-io.js';
import { halfArrayToFloat as fromHalfArray, floatArrayToHalf as toHalfArray } from '../util/half.js';
import { GraphBuilder } from './graph.js';
import { finishModelFolder, optimumPaths, startModelFolder } from './layout.js';
import { Rng } from './random.js';
import { writeTokenizer, type TokenizerSpec } from './tokenizer.js';

export interface EchoGenOptions {
  /** Embedding width, also the number of echoed logits (default 16). */
  hidden?: number;
  /** Model vocabulary (default: the tokenizer's size); must exceed hidden. */
  vocab?: number;
  seed?: number;
  dtype?: ModelDtype;
  externalData?: boolean;
}

export interface EchoGenResult {
  dir: string;
  modelPath: string;
  dataPath: string | null;
  config: LlamaConfig;
  tokenizer: TokenizerSpec;
  /** The embedding table [vocab, hidden] row-major, as float32 (fp16 models: the rounded values). */
  embeddings: Float32Array;
}

export async function writeEchoModel(dir: string, opts: EchoGenOptions = {}): Promise<EchoGenResult> {
  const hidden = opts.hidden ?? 16;
  const dtype = opts.dtype ?? 'float32';
  const tokenizer = writeTokenizer(dir);
  const vocab = Math.max(opts.vocab ?? tokenizer.size, tokenizer.size);
  if (!(hidden > 0 && vocab > hidden))
    throw new RangeError(`writeEchoModel: vocab ${vocab} must exceed hidden ${hidden}`);
  const T = elemType(dtype);

  const paths = optimumPaths(dir);
  const writer = startModelFolder(paths, opts.externalData ?? false);
  const b = new GraphBuilder(writer);
  const io = { layers: 1, kvHeads: 1, headDim: hidden, vocab, dtype, logitsType: T };
  declareDecoderInputs(b, io);

  const table = new Rng(opts.seed ?? 0).fill(new Float32Array(vocab * hidden), 1);
  const stored = dtype === 'float16' ? toHalfArray(table) : table;
  const embed = b.weight('model.embed_tokens.weight', T, [vocab, hidden], stored);
  const x = b.op('/model/embed_tokens/Gather', 'Gather', [embed, 'input_ids'], { axis: 0 });
  b.annotate(x, T, ['batch_size', 'sequence_length', hidden]);

  const eye = new Float32Array(hidden * vocab);
  for (let i = 0; i < hidden; i++) eye[i * vocab + i] = 1;
  const head = b.weight('lm_head.weight', T, [hidden, vocab], dtype === 'float16' ? toHalfArray(eye) : eye);
  b.op('/lm_head/MatMul', 'MatMul', [x, head], {}, 'logits');

  // The cache is x itself, one head of width hidden, so engines grow and feed
  // it like any other. Keys are masked by the current attention_mask columns
  // and values offset by position_ids: both inputs are consumed and their
  // shapes checked against input_ids, as in a real decoder.
  const dims = sequenceDimsFromInputIds(b);
  const rowShape = b.op('/model/layers.0/Concat', 'Concat', [dims.batch, b.int64([1]), dims.seq, b.int64([hidden])], {
    axis: 0,
  });
  const negSeq = b.op('/model/layers.0/Neg', 'Neg', [dims.seq]);
  const currentMask = b.op('/model/layers.0/Slice', 'Slice', [
    'attention_mask',
    negSeq,
    b.int64([Number.MAX_SAFE_INTEGER]),
    b.int64([1]),
  ]);
  const maskCol = b.op('/model/layers.0/Unsqueeze', 'Unsqueeze', [
    b.op('/model/layers.0/Cast', 'Cast', [currentMask], { to: T }),
    b.int64([2]),
  ]);
  const posCol = b.op('/model/layers.0/Unsqueeze', 'Unsqueeze', [
    b.op('/model/layers.0/Cast', 'Cast', ['position_ids'], { to: T }),
    b.int64([2]),
  ]);
  const keys = b.op('/model/layers.0/Reshape', 'Reshape', [b.op('/model/layers.0/Mul', 'Mul', [x, maskCol]), rowShape]);
  const values = b.op('/model/layers.0/Reshape', 'Reshape', [
    b.op('/model/layers.0/Add', 'Add', [x, posCol]),
    rowShape,
  ]);
  b.op('/model/layers.0/Concat', 'Concat', ['past_key_values.0.key', keys], { axis: 2 }, 'present.0.key');
  b.op('/model/layers.0/Concat', 'Concat', ['past_key_values.0.value', values], { axis: 2 }, 'present.0.value');
  declareDecoderOutputs(b, io);
  finishModelFolder(paths, b.build('echo_graph'), writer);

  const config = writeConfigs(
    dir,
    {
      hidden_size: hidden,
      intermediate_size: hidden,
      num_attention_heads: 1,
      num_key_value_heads: 1,
      num_hidden_layers: 1,
      vocab_size: vocab,
      max_position_embeddings: 4096,
      rms_norm_eps: 1e-6,
      rope_theta: 10000,
      tie_word_embeddings: false,
      torch_dtype: dtype,
    },
    tokenizer,
    'EchoForCausalLM',
  );
  const embeddings = stored instanceof Uint16Array ? fromHalfArray(stored) : stored;
  return { dir, modelPath: paths.modelPath, dataPath: writer ? paths.dataPath : null, config, tokenizer, embeddings };
}
