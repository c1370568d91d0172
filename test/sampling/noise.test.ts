// Stochastic mixing: the weight distributions the contract states (Dirichlet's mean is q,
// Gumbel-softmax's heaviest candidate is i with probability q_i), candidates of weight 0
// stay 0, and a seed reproduces the draws.
import t from 'tap';
import { dirichlet, gumbelSoftmax, logGamma, mixNoise } from '../../src/sampling/latent/noise.js';
import { Xoshiro128 } from '../../src/sampling/rng.js';

const Q = [0.5, 0.3, 0.15, 0.05, 0];
const DRAWS = 40_000;

t.test('dirichlet: E[w] = q, Var[w_i] = q_i(1 - q_i)/(alpha + 1), zero stays zero', async (t) => {
  for (const alpha of [0.5, 4, 50]) {
    const rng = new Xoshiro128(7);
    const out = new Float64Array(Q.length);
    const sum = new Float64Array(Q.length);
    const sq = new Float64Array(Q.length);
    let nonzero = 0;
    for (let n = 0; n < DRAWS; n++) {
      dirichlet(Q, alpha, rng, out);
      if (out[4] !== 0) nonzero++;
      for (let j = 0; j < Q.length; j++) {
        sum[j] += out[j];
        sq[j] += out[j] * out[j];
      }
    }
    t.equal(nonzero, 0, 'a candidate with q = 0 never gets weight');
    for (let j = 0; j < 4; j++) {
      const mean = sum[j] / DRAWS;
      const variance = sq[j] / DRAWS - mean * mean;
      const expectedVar = (Q[j] * (1 - Q[j])) / (alpha + 1);
      // 5 standard errors of the mean.
      t.ok(Math.abs(mean - Q[j]) < 5 * Math.sqrt(expectedVar / DRAWS), `alpha ${alpha}: mean w${j} ${mean} ≈ ${Q[j]}`);
      t.ok(Math.abs(variance / expectedVar - 1) < 0.1, `alpha ${alpha}: var w${j} ${variance} ≈ ${expectedVar}`);
    }
  }
});

t.test('gumbel: argmax frequency = q at any temperature; low temperature nearly one-hot', async (t) => {
  for (const tau of [0.1, 1, 3]) {
    const rng = new Xoshiro128(11);
    const out = new Float64Array(Q.length);
    const wins = new Array(Q.length).fill(0);
    let top = 0;
    let nonzero = 0;
    for (let n = 0; n < DRAWS; n++) {
      gumbelSoftmax(Q, tau, rng, out);
      if (out[4] !== 0) nonzero++;
      let best = 0;
      for (let j = 1; j < Q.length; j++) if (out[j] > out[best]) best = j;
      wins[best]++;
      top += out[best];
    }
    t.equal(nonzero, 0, 'a candidate with q = 0 never gets weight');
    for (let j = 0; j < Q.length; j++) {
      const f = wins[j] / DRAWS;
      t.ok(
        Math.abs(f - Q[j]) <= 5 * Math.sqrt((Q[j] * (1 - Q[j])) / DRAWS) + 1e-12,
        `tau ${tau}: P(argmax=${j}) ${f} ≈ ${Q[j]}`,
      );
    }
    if (tau === 0.1) t.ok(top / DRAWS > 0.95, `tau 0.1: mean top weight ${top / DRAWS}`);
  }
});

t.test('logGamma: E[Gamma(a)] = a, also for tiny shapes (log space, no underflow)', async (t) => {
  for (const a of [1e-3, 0.3, 1, 7.5]) {
    const rng = new Xoshiro128(3);
    let sum = 0;
    let bad = 0;
    for (let n = 0; n < DRAWS; n++) {
      const g = logGamma(a, rng);
      if (Number.isNaN(g) || g === Infinity) bad++;
      sum += Math.exp(g);
    }
    t.equal(bad, 0, `shape ${a}: no NaN`);
    t.ok(Math.abs(sum / DRAWS - a) < 5 * Math.sqrt(a / DRAWS), `shape ${a}: mean ${sum / DRAWS}`);
  }
  const out = dirichlet([0.999, 0.001], 1e-3, new Xoshiro128(1), new Float64Array(2));
  t.ok(Math.abs(out[0] + out[1] - 1) < 1e-12 && out.every(Number.isFinite), 'tiny concentrations still sum to 1');
});

t.test('a seed reproduces the draws; none returns q unchanged', async (t) => {
  const draw = (noise: 'gumbel' | 'dirichlet', seed: number) => {
    const m = mixNoise({ noise, noiseTemperature: 0.7, noiseAlpha: 2 }, seed);
    return Array.from({ length: 5 }, () => Array.from(m.weights(Q, new Float64Array(Q.length))));
  };
  for (const kind of ['gumbel', 'dirichlet'] as const) {
    t.same(draw(kind, 42), draw(kind, 42), `${kind}: same seed, same weights`);
    t.notSame(draw(kind, 42), draw(kind, 43), `${kind}: another seed, other weights`);
  }
  const none = mixNoise({ noise: 'none', noiseTemperature: 1, noiseAlpha: 1 }, 5);
  t.same(Array.from(none.weights(Q, new Float64Array(Q.length))), Q);
});
