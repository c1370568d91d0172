// The Llama decoder graph as torch.onnx + Optimum export it: RMSNorm with an
// fp32 island, rotate-half RoPE from position_ids, grouped-query attention
// with past/present concat and a causal + padding mask, SwiGLU MLP, lm_head.
import { DataType } from '../onnx/proto.js';
import { floatArrayToHalf as toHalfArray } from '../util/half.js';
import type { GraphBuilder } from './graph.js';
import {
  declareDecoderInputs,
  declareDecoderOutputs,
  elemType,
  sequenceDimsFromInputIds,
  type ModelDtype,
  type SequenceDims,
} from './decoder-io.js';
import { Rng } from './random.js';

export interface LlamaShape {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  vocab: number;
  dtype: ModelDtype;
  tiedEmbeddings: boolean;
  rmsNormEps: number;
  ropeTheta: number;
  weightScale: number;
  seed: number;
  fp32Logits: boolean;
}

const F = DataType.FLOAT;

/** Number of parameters, to decide on external data before writing anything. */
export function llamaParameterCount(s: LlamaShape): number {
  const headDim = s.hidden / s.heads;
  const attn = s.hidden * s.heads * headDim * 2 + s.hidden * s.kvHeads * headDim * 2;
  const mlp = 3 * s.hidden * s.intermediate;
  const perLayer = attn + mlp + 2 * s.hidden;
  return s.vocab * s.hidden * (s.tiedEmbeddings ? 1 : 2) + s.layers * perLayer + s.hidden;
}

class LlamaGraph {
  private readonly T: number;
  private readonly headDim: number;
  private readonly rng: Rng;
  private dims!: SequenceDims;
  private total!: string;
  private totalVec!: string;
  private cos!: string;
  private sin!: string;
  private maskBias!: string;

  constructor(
    private readonly b: GraphBuilder,
    private readonly s: LlamaShape,
  ) {
    this.T = elemType(s.dtype);
    this.headDim = s.hidden / s.heads;
    this.rng = new Rng(s.seed);
  }

  /** Random weight generated, converted and handed to the builder one tensor at a time. */
  private weight(name: string, dims: number[], std: number, mean = 0): string {
    const values = this.rng.fill(new Float32Array(dims.reduce((a, d) => a * d, 1)), std, mean);
    return this.b.weight(name, this.T, dims, this.s.dtype === 'float16' ? toHalfArray(values) : values);
  }

  private toFloat(x: string, scope: string): string {
    return this.T === F ? x : this.b.op(`${scope}/Cast`, 'Cast', [x], { to: F });
  }

  private toModelType(x: string, scope: string): string {
    return this.T === F ? x : this.b.op(`${scope}/Cast`, 'Cast', [x], { to: this.T });
  }

  build(): void {
    const { b, s } = this;
    const io = {
      layers: s.layers,
      kvHeads: s.kvHeads,
      headDim: this.headDim,
      vocab: s.vocab,
      dtype: s.dtype,
      logitsType: s.fp32Logits ? F : this.T,
    };
    declareDecoderInputs(b, io);

    const embed = this.weight('model.embed_tokens.weight', [s.vocab, s.hidden], s.weightScale);
    let x = b.op('/model/embed_tokens/Gather', 'Gather', [embed, 'input_ids'], { axis: 0 });
    b.annotate(x, this.T, ['batch_size', 'sequence_length', s.hidden]);
    this.dims = sequenceDimsFromInputIds(b);
    this.buildMask();
    this.buildRope();

    for (let i = 0; i < s.layers; i++) x = this.layer(x, i);

    const h = this.rmsNorm(x, '/model/norm', 'model.norm.weight');
    const head = s.tiedEmbeddings
      ? b.op('/lm_head/Transpose', 'Transpose', [embed], { perm: [1, 0] })
      : this.weight('lm_head.weight', [s.hidden, s.vocab], s.weightScale / Math.sqrt(s.hidden));
    const logits = b.op(
      '/lm_head/MatMul',
      'MatMul',
      [h, head],
      {},
      s.fp32Logits && this.T !== F ? undefined : 'logits',
    );
    if (s.fp32Logits && this.T !== F) b.op('/lm_head/Cast', 'Cast', [logits], { to: F }, 'logits');
    declareDecoderOutputs(b, io);
  }

  /**
   * Additive attention bias [batch, 1, seq, total]: 0 where a query may look,
   * the float32 minimum where the key is in its future or is padding (left
   * padding: attention_mask 0). The minimum, not -inf, keeps a fully masked
   * padding row finite, as transformers does.
   */
  private buildMask(): void {
    const { b, dims } = this;
    const maskShape = b.op('/model/attn_mask/Shape', 'Shape', ['attention_mask']);
    this.total = b.op('/model/attn_mask/Gather', 'Gather', [maskShape, b.int64([1], [])], { axis: 0 });
    this.totalVec = b.op('/model/attn_mask/Unsqueeze', 'Unsqueeze', [this.total, b.int64([0])]);
    const past = b.op('/model/attn_mask/Sub', 'Sub', [this.total, dims.seqScalar]);
    const queryPos = b.op('/model/attn_mask/Range', 'Range', [past, this.total, b.int64([1], [])]);
    const keyPos = b.op('/model/attn_mask/Range', 'Range', [b.int64([0], []), this.total, b.int64([1], [])]);
    const queryCol = b.op('/model/attn_mask/Unsqueeze', 'Unsqueeze', [queryPos, b.int64([1])]);
    const future = b.op('/model/attn_mask/Less', 'Less', [queryCol, keyPos]);
    const padding = b.op('/model/attn_mask/Equal', 'Equal', ['attention_mask', b.int64([0], [])]);
    const padding4d = b.op('/model/attn_mask/Unsqueeze', 'Unsqueeze', [padding, b.int64([1, 2])]);
    const blocked = b.op('/model/attn_mask/Or', 'Or', [future, padding4d]);
    this.maskBias = b.op('/model/attn_mask/Where', 'Where', [blocked, b.float(-3.4028234663852886e38), b.float(0)]);
  }

  /** cos/sin [batch, 1, seq, head_dim] in the model type, computed in fp32 from position_ids. */
  private buildRope(): void {
    const { b } = this;
    const half = this.headDim / 2;
    const invFreq = Array.from({ length: half }, (_, i) => 1 / this.s.ropeTheta ** ((2 * i) / this.headDim));
    const pos = b.op('/model/rotary_emb/Cast', 'Cast', ['position_ids'], { to: F });
    const posCol = b.op('/model/rotary_emb/Unsqueeze', 'Unsqueeze', [pos, b.int64([2])]);
    const freqs = b.op('/model/rotary_emb/Mul', 'Mul', [posCol, b.float(invFreq)]);
    const emb = b.op('/model/rotary_emb/Concat', 'Concat', [freqs, freqs], { axis: -1 });
    const cos = b.op('/model/rotary_emb/Cos', 'Cos', [emb]);
    const sin = b.op('/model/rotary_emb/Sin', 'Sin', [emb]);
    this.cos = this.toModelType(
      b.op('/model/rotary_emb/Unsqueeze', 'Unsqueeze', [cos, b.int64([1])]),
      '/model/rotary_emb',
    );
    this.sin = this.toModelType(
      b.op('/model/rotary_emb/Unsqueeze', 'Unsqueeze', [sin, b.int64([1])]),
      '/model/rotary_emb',
    );
  }

  private rmsNorm(x: string, scope: string, weightName: string): string {
    const { b } = this;
    const weight = this.weight(weightName, [this.s.hidden], 0.1, 1);
    const xf = this.toFloat(x, scope);
    const sq = b.op(`${scope}/Pow`, 'Pow', [xf, b.float(2)]);
    const mean = b.op(`${scope}/ReduceMean`, 'ReduceMean', [sq], { axes: [-1], keepdims: 1 });
    const std = b.op(`${scope}/Sqrt`, 'Sqrt', [b.op(`${scope}/Add`, 'Add', [mean, b.float(this.s.rmsNormEps)])]);
    const inv = b.op(`${scope}/Div`, 'Div', [b.float(1), std]);
    const normed = this.toModelType(b.op(`${scope}/Mul`, 'Mul', [xf, inv]), scope);
    return b.op(`${scope}/Mul`, 'Mul', [weight, normed]);
  }

  /** x @ W with W stored [in, out], as torch exports transpose nn.Linear weights. */
  private linear(x: string, scope: string, weightName: string, inDim: number, outDim: number): string {
    const w = this.weight(weightName, [inDim, outDim], this.s.weightScale / Math.sqrt(inDim));
    return this.b.op(`${scope}/MatMul`, 'MatMul', [x, w]);
  }

  /** [batch, seq, n*head_dim] -> [batch, n, seq, head_dim] */
  private splitHeads(x: string, scope: string, n: number): string {
    const { b, dims } = this;
    const shape = b.op(`${scope}/Concat`, 'Concat', [dims.batch, dims.seq, b.int64([n]), b.int64([this.headDim])], {
      axis: 0,
    });
    const r = b.op(`${scope}/Reshape`, 'Reshape', [x, shape]);
    return b.op(`${scope}/Transpose`, 'Transpose', [r], { perm: [0, 2, 1, 3] });
  }

  private rope(x: string, scope: string): string {
    const { b } = this;
    const half = this.headDim / 2;
    const x1 = b.op(`${scope}/Slice`, 'Slice', [x, b.int64([0]), b.int64([half]), b.int64([-1])]);
    const x2 = b.op(`${scope}/Slice`, 'Slice', [x, b.int64([half]), b.int64([Number.MAX_SAFE_INTEGER]), b.int64([-1])]);
    const rotated = b.op(`${scope}/Concat`, 'Concat', [b.op(`${scope}/Neg`, 'Neg', [x2]), x1], { axis: -1 });
    const a = b.op(`${scope}/Mul`, 'Mul', [x, this.cos]);
    const c = b.op(`${scope}/Mul`, 'Mul', [rotated, this.sin]);
    return b.op(`${scope}/Add`, 'Add', [a, c]);
  }

  /** repeat_kv: [batch, kv, total, d] -> [batch, heads, total, d] */
  private repeatKv(x: string, scope: string): string {
    const { b, s } = this;
    const rep = s.heads / s.kvHeads;
    if (rep === 1) return x;
    const u = b.op(`${scope}/Unsqueeze`, 'Unsqueeze', [x, b.int64([2])]);
    const e = b.op(`${scope}/Expand`, 'Expand', [u, b.int64([1, 1, rep, 1, 1])]);
    const shape = b.op(
      `${scope}/Concat`,
      'Concat',
      [this.dims.batch, b.int64([s.heads]), this.totalVec, b.int64([this.headDim])],
      { axis: 0 },
    );
    return b.op(`${scope}/Reshape`, 'Reshape', [e, shape]);
  }

  private attention(h: string, i: number): string {
    const { b, s, dims } = this;
    const scope = `/model/layers.${i}/self_attn`;
    const w = `model.layers.${i}.self_attn`;
    const q = this.splitHeads(
      this.linear(h, `${scope}/q_proj`, `${w}.q_proj.weight`, s.hidden, s.heads * this.headDim),
      scope,
      s.heads,
    );
    const k = this.splitHeads(
      this.linear(h, `${scope}/k_proj`, `${w}.k_proj.weight`, s.hidden, s.kvHeads * this.headDim),
      scope,
      s.kvHeads,
    );
    const v = this.splitHeads(
      this.linear(h, `${scope}/v_proj`, `${w}.v_proj.weight`, s.hidden, s.kvHeads * this.headDim),
      scope,
      s.kvHeads,
    );
    const qr = this.rope(q, `${scope}/rotary_q`);
    const kr = this.rope(k, `${scope}/rotary_k`);
    const presentK = b.op(
      `${scope}/Concat`,
      'Concat',
      [`past_key_values.${i}.key`, kr],
      { axis: 2 },
      `present.${i}.key`,
    );
    const presentV = b.op(
      `${scope}/Concat`,
      'Concat',
      [`past_key_values.${i}.value`, v],
      { axis: 2 },
      `present.${i}.value`,
    );
    const keys = this.repeatKv(presentK, `${scope}/repeat_k`);
    const values = this.repeatKv(presentV, `${scope}/repeat_v`);
    const kt = b.op(`${scope}/Transpose`, 'Transpose', [keys], { perm: [0, 1, 3, 2] });
    const scores = b.op(`${scope}/MatMul`, 'MatMul', [qr, kt]);
    const scaled = b.op(`${scope}/Mul`, 'Mul', [scores, b.float(1 / Math.sqrt(this.headDim), this.T)]);
    // Softmax in fp32, as transformers upcasts attention weights.
    const biased = b.op(`${scope}/Add`, 'Add', [this.toFloat(scaled, scope), this.maskBias]);
    const probs = this.toModelType(b.op(`${scope}/Softmax`, 'Softmax', [biased], { axis: -1 }), scope);
    const ctx = b.op(`${scope}/MatMul`, 'MatMul', [probs, values]);
    const merged = b.op(`${scope}/Transpose`, 'Transpose', [ctx], { perm: [0, 2, 1, 3] });
    const shape = b.op(`${scope}/Concat`, 'Concat', [dims.batch, dims.seq, b.int64([s.heads * this.headDim])], {
      axis: 0,
    });
    const flat = b.op(`${scope}/Reshape`, 'Reshape', [merged, shape]);
    return this.linear(flat, `${scope}/o_proj`, `${w}.o_proj.weight`, s.heads * this.headDim, s.hidden);
  }

  private mlp(h: string, i: number): string {
    const { b, s } = this;
    const scope = `/model/layers.${i}/mlp`;
    const w = `model.layers.${i}.mlp`;
    const gate = this.linear(h, `${scope}/gate_proj`, `${w}.gate_proj.weight`, s.hidden, s.intermediate);
    const up = this.linear(h, `${scope}/up_proj`, `${w}.up_proj.weight`, s.hidden, s.intermediate);
    const silu = b.op(`${scope}/act_fn/Mul`, 'Mul', [gate, b.op(`${scope}/act_fn/Sigmoid`, 'Sigmoid', [gate])]);
    const prod = b.op(`${scope}/Mul`, 'Mul', [silu, up]);
    return this.linear(prod, `${scope}/down_proj`, `${w}.down_proj.weight`, s.intermediate, s.hidden);
  }

  private layer(x: string, i: number): string {
    const { b } = this;
    const scope = `/model/layers.${i}`;
    const h = this.rmsNorm(x, `${scope}/input_layernorm`, `model.layers.${i}.input_layernorm.weight`);
    const afterAttn = b.op(`${scope}/Add`, 'Add', [x, this.attention(h, i)]);
    const h2 = this.rmsNorm(
      afterAttn,
      `${scope}/post_attention_layernorm`,
      `model.layers.${i}.post_attention_layernorm.weight`,
    );
    return b.op(`${scope}/Add`, 'Add', [afterAttn, this.mlp(h2, i)]);
  }
}

export function buildLlamaGraph(b: GraphBuilder, shape: LlamaShape): void {
  new LlamaGraph(b, shape).build();
}
