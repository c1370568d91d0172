// Mode swir in the decode loop: its soft input is the exact expectation of the embedding
// under the whole softmax, and in a continuous batch every row keeps its own switches,
// so each answer is bitwise the one it gets alone.
import fs from 'node:fs';
import t from 'tap';
import { request } from '../support/requests.js';
import { inProcess, runRecorded, tokens } from '../support/runtime.js';
import type { GenerationRequest, SwirParams, TokenEvent } from '../../src/engine/types.js';
import { SELAR_EXTRAS } from '../../src/sampling/latent/defaults.js';
import { expectedEmbedding, fullSoftmax, swirMethod, swirMix } from '../../src/sampling/latent/swir.js';

const modelDir = new URL('../../models/selar-demo', import.meta.url).pathname;
const golden = JSON.parse(
  fs.readFileSync(new URL('../fixtures/selar-reference/swir-demo.json', import.meta.url), 'utf8'),
);

t.test('π, S and e are the full softmax, its entropy and the exact expectation', async (t) => {
  const logits = Float32Array.from([2, -1, 0.5, -Infinity, 3]);
  const pi = new Float64Array(5);
  const s = fullSoftmax(logits, pi);
  const ex = [2, -1, 0.5, 3].map(Math.exp);
  const z = ex.reduce((a, b) => a + b, 0);
  const want = [ex[0] / z, ex[1] / z, ex[2] / z, 0, ex[3] / z];
  for (const [i, v] of pi.entries()) t.ok(Math.abs(v - want[i]) < 1e-15, `π[${i}]`);
  t.ok(Math.abs(s + want.filter((v) => v > 0).reduce((a, v) => a + v * Math.log(v), 0)) < 1e-14, 'S in nats');
  const dim = 3;
  const table = Float32Array.from({ length: 5 * dim }, (_, i) => Math.sin(i + 1));
  const lookups: number[][] = [];
  const lookup = {
    dim,
    lookup(ids: ArrayLike<number>, out: Float32Array) {
      lookups.push(Array.from(ids));
      for (let j = 0; j < ids.length; j++) out.set(table.subarray(ids[j] * dim, (ids[j] + 1) * dim), j * dim);
    },
  };
  const acc = new Float64Array(dim);
  await expectedEmbedding(pi, lookup, acc, { ids: new Int32Array(256), rows: new Float32Array(256 * dim) });
  for (let d = 0; d < dim; d++) {
    const e = want.reduce((a, w, i) => a + w * table[i * dim + d], 0);
    t.ok(Math.abs(acc[d] - e) < 1e-15, `e[${d}]`);
  }
  t.same(lookups, [[0, 1, 2, 4]], 'every id with π > 0 is read, the masked one is not');
});

t.test('swir rows in a continuous batch compute bitwise what each computes alone', async (t) => {
  const { rt } = await inProcess(modelDir);
  const think = rt.ctx.thinkIds!;
  const swir = (over: Partial<SwirParams>): SwirParams => ({
    windowSize: 4,
    alpha: 0.5,
    beta: 0.7,
    maxSwitchCount: null,
    answerTokens: 32,
    endIds: [think.close],
    answerIds: [think.close, 10, 10],
    thinkIds: think,
    newlineId: null,
    ...over,
  });
  // Two prompts of equal length (53 tokens), so rows share their prefill and decode passes
  // (exact batching groups rows at equal positions).
  const [p0, p1] = (golden.prompts as number[][]).slice(4);
  const [p2, p3] = [p0, p1];
  const stop = { maxTokens: 48, eosTokenIds: golden.eos_token_ids };
  const reqs: GenerationRequest[] = [
    request(p0, { id: 'swir-w4', selar: { mode: 'swir', swir: swir({}) }, stop }),
    request(p1, {
      id: 'swir-limit',
      selar: { mode: 'swir', swir: swir({ windowSize: 2, maxSwitchCount: 1, answerTokens: 10 }) },
      stop,
    }),
    request(p2, { id: 'selar', selar: { mode: 'selar', entropyThreshold: 0.2 }, stop }),
    request(p3, {
      id: 'swir-sampled',
      selar: { mode: 'swir', discreteTokens: 'math', swir: swir({ windowSize: 1, beta: 0.3 }) },
      sampling: { temperature: 0.8, seed: 7 },
      stop,
    }),
  ];
  const together = await runRecorded(rt, reqs);
  const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const view = (e: TokenEvent) => [e.id, e.soft, e.switch, e.entropy];
  let shared = 0;
  for (const r of reqs) {
    shared += together.steps.get(r.id)!.filter((s) => together.rowsPerPass[s.pass] > 1).length;
    const alone = await runRecorded(rt, [{ ...r, id: `${r.id}-solo` }]);
    const ours = tokens(together.events.get(r.id)!);
    t.strictSame(
      ours.map(view),
      tokens(alone.events.get(`${r.id}-solo`)!).map(view),
      `${r.id}: tokens, soft, switches`,
    );
    const a = together.steps.get(r.id)!;
    const b = alone.steps.get(`${r.id}-solo`)!;
    t.equal(a.length, b.length, `${r.id}: as many steps`);
    t.equal(
      a.filter((s, i) => !b[i] || !bits(s.logits).equals(bits(b[i].logits))).length,
      0,
      `${r.id}: logits bitwise`,
    );
    if (r.selar.mode === 'swir')
      t.ok(
        ours.some((e) => e.switch),
        `${r.id}: switched`,
      );
  }
  t.ok(shared > 40, `${shared} steps ran in passes shared with other rows`);
});

t.test(
  'locked once the model completes the end string, never when injected; the mix lists the heaviest of π',
  async (t) => {
    const swir: SwirParams = {
      windowSize: 512,
      alpha: 1,
      beta: 0.7,
      maxSwitchCount: null,
      answerTokens: 32,
      endIds: [5, 6],
      answerIds: [5, 6],
      thinkIds: { open: 1, close: 6 },
      newlineId: null,
    };
    const selar = { ...request([1]).selar, ...SELAR_EXTRAS, mode: 'swir' as const, swir };
    const method = () =>
      swirMethod({ params: selar, dim: 2, seed: 0, vocabSize: 8, maxTokens: 16, noise: null as never });
    const d = { logits: new Float32Array(8) } as never;
    // The sequence says whether the token completes the whole string (its last id alone does not).
    const alone = method();
    alone.observe?.(d, 6, false, false);
    t.equal(alone.wantsSoft(d), true, 'the last id alone does not lock');
    const whole = method();
    whole.observe?.(d, 5, false, false);
    whole.observe?.(d, 6, false, true);
    t.equal(whole.wantsSoft(d), false, 'the whole string locks');
    const forced = method();
    forced.observe?.(d, 5, true, false);
    forced.observe?.(d, 6, true, true);
    t.equal(forced.wantsSoft(d), true, 'an injected end never locks');

    const pi = Float64Array.from([0.1, 0.4, 0, 0.3, 0.2]);
    const mix = swirMix(pi, 3, 0.5, 7);
    t.same(mix.ids, [1, 3, 4, 7]);
    t.same(mix.weights, [0.2, 0.15, 0.1, 0.5]);
    t.same(swirMix(pi, 8, 1, null).ids, [1, 3, 4, 0], 'every id with π > 0 when top_k allows');
  },
);
