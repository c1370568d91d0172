// Mode swir: SwiReasoning (arXiv 2510.05069), as its official generation loop runs it
// (docs/api.md "Mode swir: SwiReasoning"). It starts latent; it switches to explicit
// thinking as soon as the full distribution's entropy falls below the reference, and back
// to latent when it rises above it after window_size steps; the reference is reset at
// every switch. Soft inputs are the expected embedding under the whole softmax at
// temperature 1; the thinking tags' embeddings are blended in at switches, and past
// max_switch_count the end tag (then an answer prefix with a small budget) is injected.
import type { SoftMix, SwirParams } from '../../engine/types.js';
import type { StepDistribution } from '../sampler.js';
import type { EmbeddingLookup, LatentMethod, MethodContext } from './method.js';

/** Rows looked up per batch while the expectation walks the vocabulary. */
const CHUNK = 256;
/** The first step's soft input is 0.9·e_0 + 0.1·E[nl], as in the official code. */
const FIRST_STEP_WEIGHT = 0.9;

/** π = softmax(logits) at temperature 1, in double precision, and its entropy (natural log). */
export function fullSoftmax(logits: Float32Array, out: Float64Array): number {
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i] > max) max = logits[i];
  if (max === -Infinity) throw new Error('every token is masked: no valid next token');
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(logits[i] - max);
    out[i] = e;
    sum += e;
  }
  let h = 0;
  for (let i = 0; i < n; i++) {
    const v = out[i] / sum;
    out[i] = v;
    if (v > 0) h -= v * Math.log(v);
  }
  return h;
}

/**
 * e = Σ_i π_i·E[i] over every id with π_i > 0 (exact: the ids left out contribute 0),
 * accumulated in double precision into acc (length dim).
 */
export async function expectedEmbedding(
  pi: Float64Array,
  table: EmbeddingLookup,
  acc: Float64Array,
  scratch: { ids: Int32Array; rows: Float32Array },
): Promise<void> {
  const dim = acc.length;
  acc.fill(0);
  let n = 0;
  const flush = async () => {
    await table.lookup(scratch.ids.subarray(0, n), scratch.rows);
    for (let j = 0; j < n; j++) {
      const w = pi[scratch.ids[j]];
      const base = j * dim;
      for (let d = 0; d < dim; d++) acc[d] += w * scratch.rows[base + d];
    }
    n = 0;
  };
  for (let i = 0; i < pi.length; i++) {
    if (pi[i] === 0) continue;
    scratch.ids[n++] = i;
    if (n === CHUNK) await flush();
  }
  if (n > 0) await flush();
}

type Mode = 'latent' | 'explicit';

/**
 * trace "mix" for a swir soft input a·e_t + (1 − a)·E[id]: the `count` heaviest ids of π
 * (heaviest first) at weight a·π_i, then the blended id at 1 − a. The expectation itself
 * runs over every id with π > 0; the ids left out here carry the rest of a.
 */
export function swirMix(pi: Float64Array, count: number, a: number, id: number | null): SoftMix {
  const top: number[] = [];
  for (let i = 0; i < pi.length; i++) {
    if (pi[i] === 0) continue;
    if (top.length === count && pi[i] <= pi[top[count - 1]]) continue;
    let j = Math.min(top.length, count - 1);
    while (j > 0 && pi[top[j - 1]] < pi[i]) j--;
    top.splice(j, 0, i);
    if (top.length > count) top.pop();
  }
  const mix: SoftMix = { ids: top, weights: top.map((i) => a * pi[i]) };
  if (id !== null && a < 1) {
    mix.ids.push(id);
    mix.weights.push(1 - a);
  }
  return mix;
}

export function swirMethod({ params, dim, maxTokens }: MethodContext): LatentMethod {
  if (!params.swir) throw new Error('mode swir needs its resolved knobs (params.swir)');
  const k: SwirParams = params.swir;
  const think = k.thinkIds;
  let pi = new Float64Array(0);
  const acc = new Float64Array(dim);
  const row = new Float32Array(dim);
  const scratch = { ids: new Int32Array(CHUNK), rows: new Float32Array(CHUNK * dim) };
  // State (docs/api.md "Mode swir" 2).
  let mode: Mode = 'latent';
  let step = -1;
  let reference = 0;
  let sinceSwitch = 0;
  let toExplicitCount = 0;
  let switches = 0;
  let locked = false;
  let switched: Mode | null = null;
  const queue: number[] = [];
  /** Tokens still allowed after the answer prefix was queued; null: no answer budget running. */
  let answerLeft: number | null = null;
  let endsNow = false;

  /** The annealed weight w_t = w_0 + (1 − w_0)·t/T. */
  const annealed = (w0: number) => w0 + ((1 - w0) * step) / maxTokens;

  /** acc = e_t, then out = a·e_t + (1 − a)·E[id] (or e_t alone when id is null). */
  async function blend(table: EmbeddingLookup, a: number, id: number | null, out: Float32Array): Promise<void> {
    await expectedEmbedding(pi, table, acc, scratch);
    if (id === null) {
      for (let d = 0; d < dim; d++) out[d] = acc[d];
      return;
    }
    await table.lookup([id], row);
    for (let d = 0; d < dim; d++) out[d] = a * acc[d] + (1 - a) * row[d];
  }

  return {
    forcedToken: () => (queue.length > 0 ? queue.shift()! : null),

    observe(d: StepDistribution, _token: number, injected: boolean, completesEnd: boolean): void {
      if (pi.length !== d.logits.length) pi = new Float64Array(d.logits.length);
      const entropy = fullSoftmax(d.logits, pi);
      step++;
      switched = null;
      // Locked once the model itself completes the whole end string (not its last id alone).
      if (think && !injected && completesEnd) locked = true;
      if (step === 0) {
        reference = entropy;
      } else {
        sinceSwitch++;
        if (mode === 'latent' && entropy < reference) switched = 'explicit';
        else if (mode === 'explicit' && entropy > reference && sinceSwitch >= k.windowSize && !locked)
          switched = 'latent';
        if (switched) {
          mode = switched;
          sinceSwitch = 0;
          reference = entropy;
          switches++;
          if (switched === 'explicit') toExplicitCount++;
        }
      }
      endsNow = false;
      if (answerLeft !== null) {
        answerLeft--;
        endsNow = answerLeft === 0;
      }
      const c = k.maxSwitchCount;
      if (c !== null && switched === 'explicit') {
        if (toExplicitCount > 2 * c) {
          queue.splice(0, queue.length, ...k.answerIds);
          answerLeft = k.answerTokens - 1;
          endsNow = answerLeft === 0;
        } else if (toExplicitCount >= c) {
          queue.splice(0, queue.length, ...k.endIds);
        }
      }
    },

    endsHere: () => endsNow,

    wantsSoft: () => mode === 'latent' && !locked,

    async softInput(_d, table, out): Promise<SoftMix> {
      let a = 1;
      let id: number | null = null;
      if (step === 0) [a, id] = [FIRST_STEP_WEIGHT, k.newlineId];
      else if (switched === 'latent' && think) [a, id] = [annealed(k.alpha), think.open];
      await blend(table, a, id, out);
      return swirMix(pi, params.topK, id === null ? 1 : a, id);
    },

    async discreteInput(_d, table, out): Promise<boolean> {
      if (switched !== 'explicit') return false;
      await blend(table, annealed(k.beta), think ? think.close : null, out);
      return true;
    },

    switchInfo: () => ({ switched: switched !== null, switches }),
  };
}
