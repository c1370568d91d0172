// Stochastic mixing (docs/api.md "Stochastic mixing: noise"): the weights of a soft input
// drawn around the mix's q, Gumbel-softmax or Dirichlet, from a seeded stream of their own
// so a `seed` reproduces them and token sampling never shifts.
import type { NoiseKind } from '../../engine/types.js';
import { Xoshiro128, type Rng } from '../rng.js';

/** Derives the noise stream's seed from the sequence's sampling seed. */
const NOISE_STREAM = 0x6e015e;

/** Draws a soft input's weights from q; `none` returns q itself. */
export interface MixNoise {
  /** Writes the weights to use into out (same length as q); candidates with q = 0 keep 0. */
  weights(q: ArrayLike<number>, out: Float64Array): Float64Array;
}

export interface NoiseParams {
  noise: NoiseKind;
  noiseTemperature: number;
  noiseAlpha: number;
}

export function mixNoise(params: NoiseParams, seed: number): MixNoise {
  if (params.noise === 'none') return { weights: copy };
  const rng = new Xoshiro128(seed ^ NOISE_STREAM);
  if (params.noise === 'gumbel') return { weights: (q, out) => gumbelSoftmax(q, params.noiseTemperature, rng, out) };
  return { weights: (q, out) => dirichlet(q, params.noiseAlpha, rng, out) };
}

function copy(q: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let j = 0; j < q.length; j++) out[j] = q[j];
  return out;
}

/** A uniform draw in (0, 1), never 0 (its logarithm is taken). */
function open01(rng: Rng): number {
  let u = rng.next();
  while (u === 0) u = rng.next();
  return u;
}

/** w = softmax((ln q + g) / tau), g_i ~ Gumbel(0, 1); one draw per candidate with q > 0. */
export function gumbelSoftmax(q: ArrayLike<number>, tau: number, rng: Rng, out: Float64Array): Float64Array {
  let max = -Infinity;
  for (let j = 0; j < q.length; j++) {
    if (q[j] > 0) {
      const g = -Math.log(-Math.log(open01(rng)));
      out[j] = (Math.log(q[j]) + g) / tau;
      if (out[j] > max) max = out[j];
    } else {
      out[j] = -Infinity;
    }
  }
  return softmaxInPlace(out, max);
}

/** w ~ Dirichlet(alpha · q) over the candidates with q > 0, drawn as normalised Gamma variates in log space. */
export function dirichlet(q: ArrayLike<number>, alpha: number, rng: Rng, out: Float64Array): Float64Array {
  let max = -Infinity;
  for (let j = 0; j < q.length; j++) {
    out[j] = q[j] > 0 ? logGamma(alpha * q[j], rng) : -Infinity;
    if (out[j] > max) max = out[j];
  }
  return softmaxInPlace(out, max);
}

function softmaxInPlace(out: Float64Array, max: number): Float64Array {
  let sum = 0;
  for (let j = 0; j < out.length; j++) {
    out[j] = out[j] === -Infinity ? 0 : Math.exp(out[j] - max);
    sum += out[j];
  }
  for (let j = 0; j < out.length; j++) out[j] /= sum;
  return out;
}

/** A standard normal draw (Box–Muller; one of the pair is used, so the stream stays simple). */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(open01(rng))) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * ln of a Gamma(shape, 1) draw: Marsaglia and Tsang's method; for shape < 1 the boost
 * Gamma(a) = Gamma(a + 1) · U^(1/a), kept in log space so tiny shapes do not underflow.
 */
export function logGamma(shape: number, rng: Rng): number {
  if (shape < 1) return logGamma(shape + 1, rng) + Math.log(open01(rng)) / shape;
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = open01(rng);
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return Math.log(d * v);
  }
}
