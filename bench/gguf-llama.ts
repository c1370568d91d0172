// An ONNX Llama folder (the demo model or a src/modelgen one) as a GGUF file in the layout
// llama.cpp's convert_hf_to_gguf.py writes for LlamaForCausalLM: blk.N.attn_q/k/v/output,
// ffn_gate/up/down, attn_norm/ffn_norm, token_embd, output_norm, output; Linear weights
// [out, in] (ggml ne = [in, out]); attn_q and attn_k rows permuted from rotate-half RoPE to
// llama.cpp's interleaved pairs (LlamaModel.permute); norms kept F32 at every type, as
// gguf-py does for 1-D tensors. Q4_0 is "pure" (llama-quantize --pure): the output matrix
// is Q4_0 too, where llama-quantize would otherwise pick Q6_K for it.
import fs from 'node:fs';
import path from 'node:path';
import { readModel, toNumber, type ModelProto, type TensorProto } from '../src/onnx/proto.js';
import { encodeTensor, writeGguf, type GgmlTypeName, type GgufTensor, type MetaValue } from './gguf.js';

export type GgufWeights = 'F32' | 'Q8_0' | 'Q4_0';
export const GGUF_WEIGHTS: readonly GgufWeights[] = ['F32', 'Q8_0', 'Q4_0'];

/** llama.cpp's general.file_type (enum llama_ftype). */
const FILE_TYPE: Record<GgufWeights, number> = { F32: 0, Q4_0: 2, Q8_0: 7 };

interface HfConfig {
  hidden_size: number;
  intermediate_size: number;
  num_attention_heads: number;
  num_key_value_heads?: number;
  num_hidden_layers: number;
  vocab_size: number;
  max_position_embeddings: number;
  rms_norm_eps: number;
  rope_theta?: number;
  head_dim?: number;
  tie_word_embeddings?: boolean;
  bos_token_id?: number | null;
  eos_token_id?: number | number[] | null;
  pad_token_id?: number | null;
}

interface HfTokenizer {
  model: { type: string; vocab: Record<string, number>; merges?: Array<string | [string, string]> };
  added_tokens?: Array<{ id: number; content: string; special: boolean }>;
}

/** rotate-half → interleaved: row h*d + 2i + j takes row h*d + j*d/2 + i (convert_hf_to_gguf LlamaModel.permute). */
export function permuteRope(w: Float32Array, rows: number, cols: number, nHead: number): Float32Array {
  const headDim = rows / nHead;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0)
    throw new RangeError(`rows ${rows} do not split into ${nHead} even heads`);
  const out = new Float32Array(w.length);
  const half = headDim / 2;
  for (let h = 0; h < nHead; h++)
    for (let i = 0; i < half; i++)
      for (let j = 0; j < 2; j++) {
        const dst = h * headDim + 2 * i + j;
        const src = h * headDim + j * half + i;
        out.set(w.subarray(src * cols, (src + 1) * cols), dst * cols);
      }
  return out;
}

/** [rows, cols] → [cols, rows] */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}

function floatData(t: TensorProto, modelDir: string): Float32Array {
  if (t.dataType !== 1) throw new Error(`${t.name}: only float32 weights convert (dataType ${t.dataType})`);
  if (t.externalData?.length) {
    const kv = Object.fromEntries(t.externalData.map((e) => [e.key, e.value]));
    const offset = Number(kv.offset ?? 0);
    const length = Number(kv.length);
    const buf = Buffer.alloc(length);
    const fd = fs.openSync(path.join(modelDir, 'onnx', kv.location), 'r');
    try {
      fs.readSync(fd, buf, 0, length, offset);
    } finally {
      fs.closeSync(fd);
    }
    return new Float32Array(buf.buffer, buf.byteOffset, length / 4).slice();
  }
  // a copy: rawData may be an unaligned view
  if (t.rawData?.length) return new Float32Array(Uint8Array.from(t.rawData).buffer);
  return Float32Array.from(t.floatData ?? []);
}

/**
 * The Hugging Face parameters of an ONNX Llama export: torch.onnx names Linear weights
 * after nothing useful ("onnx::MatMul_N"), so a MatMul weight takes its name from the
 * node that reads it (/model/layers.0/self_attn/q_proj/MatMul), and comes back [out, in].
 */
export function hfParameters(model: ModelProto, modelDir: string): Map<string, { dims: number[]; data: Float32Array }> {
  const g = model.graph;
  const consumer = new Map<string, { opType?: string; name?: string }>();
  for (const n of g.node ?? []) for (const i of n.input ?? []) if (!consumer.has(i)) consumer.set(i, n);
  const out = new Map<string, { dims: number[]; data: Float32Array }>();
  for (const t of g.initializer ?? []) {
    const dims = (t.dims ?? []).map(toNumber);
    if (dims.length === 0 || t.dataType !== 1 || !t.name) continue;
    const node = consumer.get(t.name);
    const linear = node?.opType === 'MatMul' ? /^\/(?:model\/)?(.+)\/MatMul$/.exec(node.name ?? '') : null;
    if (linear && dims.length === 2) {
      const name = `${linear[1].startsWith('lm_head') ? '' : 'model.'}${linear[1].replaceAll('/', '.')}.weight`;
      out.set(name, { dims: [dims[1], dims[0]], data: transpose(floatData(t, modelDir), dims[0], dims[1]) });
    } else if (t.name.startsWith('model.')) out.set(t.name, { dims, data: floatData(t, modelDir) });
  }
  return out;
}

/**
 * tokenizer.ggml.* for a byte-level BPE tokenizer.json (llama.cpp's "gpt2" model); ids without a token get a
 * filler.
 */
export function tokenizerMetadata(tok: HfTokenizer, vocab: number, config: HfConfig): Array<[string, MetaValue]> {
  if (tok.model.type !== 'BPE') throw new Error(`tokenizer model ${tok.model.type}: only BPE converts`);
  const tokens: string[] = Array.from({ length: vocab }, (_, i) => `[PAD${i}]`);
  const types = new Int32Array(vocab).fill(1); // NORMAL
  for (const [piece, id] of Object.entries(tok.model.vocab)) if (id < vocab) tokens[id] = piece;
  for (const a of tok.added_tokens ?? []) {
    if (a.id >= vocab) continue;
    tokens[a.id] = a.content;
    types[a.id] = a.special ? 3 : 4; // CONTROL : USER_DEFINED
  }
  for (let i = 0; i < vocab; i++) if (tokens[i].startsWith('[PAD') && tokens[i] === `[PAD${i}]`) types[i] = 5; // UNUSED
  const merges = (tok.model.merges ?? []).map((m) => (Array.isArray(m) ? m.join(' ') : m));
  const eos = Array.isArray(config.eos_token_id) ? config.eos_token_id[0] : config.eos_token_id;
  const meta: Array<[string, MetaValue]> = [
    ['tokenizer.ggml.model', { type: 'str', value: 'gpt2' }],
    ['tokenizer.ggml.pre', { type: 'str', value: 'default' }],
    ['tokenizer.ggml.tokens', { type: 'arr-str', value: tokens }],
    ['tokenizer.ggml.token_type', { type: 'arr-i32', value: types }],
    ['tokenizer.ggml.merges', { type: 'arr-str', value: merges }],
  ];
  if (eos !== null && eos !== undefined) meta.push(['tokenizer.ggml.eos_token_id', { type: 'u32', value: eos }]);
  const bos = config.bos_token_id ?? eos;
  if (bos !== null && bos !== undefined) meta.push(['tokenizer.ggml.bos_token_id', { type: 'u32', value: bos }]);
  if (config.pad_token_id !== null && config.pad_token_id !== undefined)
    meta.push(['tokenizer.ggml.padding_token_id', { type: 'u32', value: config.pad_token_id }]);
  meta.push(['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }]);
  return meta;
}

/** Writes MODEL_DIR's ONNX Llama as a GGUF file of the given weight type. */
export function writeLlamaGguf(modelDir: string, file: string, weights: GgufWeights): void {
  const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as HfConfig;
  const tok = JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8')) as HfTokenizer;
  const params = hfParameters(readModel(path.join(modelDir, 'onnx', 'model.onnx')), modelDir);
  const nHead = config.num_attention_heads;
  const nKv = config.num_key_value_heads ?? nHead;
  const headDim = config.head_dim ?? config.hidden_size / nHead;
  const tensors: GgufTensor[] = [];
  const take = (hf: string, name: string, type: GgmlTypeName, permuteHeads?: number): void => {
    const p = params.get(hf);
    if (!p) throw new Error(`${modelDir}: no ${hf} in the ONNX export`);
    const data = permuteHeads ? permuteRope(p.data, p.dims[0], p.dims[1], permuteHeads) : p.data;
    const t: GgmlTypeName = p.dims.length === 1 ? 'F32' : type;
    tensors.push({ name, shape: p.dims, type: t, data: encodeTensor(data, t) });
  };
  take('model.embed_tokens.weight', 'token_embd.weight', weights);
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const l = `model.layers.${i}`;
    const b = `blk.${i}`;
    take(`${l}.input_layernorm.weight`, `${b}.attn_norm.weight`, 'F32');
    take(`${l}.self_attn.q_proj.weight`, `${b}.attn_q.weight`, weights, nHead);
    take(`${l}.self_attn.k_proj.weight`, `${b}.attn_k.weight`, weights, nKv);
    take(`${l}.self_attn.v_proj.weight`, `${b}.attn_v.weight`, weights);
    take(`${l}.self_attn.o_proj.weight`, `${b}.attn_output.weight`, weights);
    take(`${l}.post_attention_layernorm.weight`, `${b}.ffn_norm.weight`, 'F32');
    take(`${l}.mlp.gate_proj.weight`, `${b}.ffn_gate.weight`, weights);
    take(`${l}.mlp.up_proj.weight`, `${b}.ffn_up.weight`, weights);
    take(`${l}.mlp.down_proj.weight`, `${b}.ffn_down.weight`, weights);
  }
  take('model.norm.weight', 'output_norm.weight', 'F32');
  // A tied head has no output.weight: llama.cpp then reads token_embd, as for tied HF models.
  if (params.has('lm_head.weight')) take('lm_head.weight', 'output.weight', weights);
  const vocab = params.get('model.embed_tokens.weight')!.dims[0];
  const meta: Array<[string, MetaValue]> = [
    ['general.architecture', { type: 'str', value: 'llama' }],
    ['general.name', { type: 'str', value: path.basename(path.resolve(modelDir)) }],
    ['general.file_type', { type: 'u32', value: FILE_TYPE[weights] }],
    ['general.quantization_version', { type: 'u32', value: 2 }],
    ['general.alignment', { type: 'u32', value: 32 }],
    ['llama.context_length', { type: 'u32', value: config.max_position_embeddings }],
    ['llama.embedding_length', { type: 'u32', value: config.hidden_size }],
    ['llama.block_count', { type: 'u32', value: config.num_hidden_layers }],
    ['llama.feed_forward_length', { type: 'u32', value: config.intermediate_size }],
    ['llama.rope.dimension_count', { type: 'u32', value: headDim }],
    ['llama.attention.head_count', { type: 'u32', value: nHead }],
    ['llama.attention.head_count_kv', { type: 'u32', value: nKv }],
    ['llama.attention.key_length', { type: 'u32', value: headDim }],
    ['llama.attention.value_length', { type: 'u32', value: headDim }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: config.rms_norm_eps }],
    ['llama.rope.freq_base', { type: 'f32', value: config.rope_theta ?? 10000 }],
    ['llama.vocab_size', { type: 'u32', value: vocab }],
    ...tokenizerMetadata(tok, vocab, config),
  ];
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.partial`;
  writeGguf(tmp, meta, tensors);
  fs.renameSync(tmp, file);
}
