// SeLaR under a grammar, on the echo model (its logits are the vector it was fed): the
// gate's entropy and the soft mix come from the constrained distribution, so no token
// the grammar masks ever enters a soft embedding; a forced token feeds its own row.
import t from 'tap';
import { echoModel } from '../support/models.js';
import { request } from '../support/requests.js';
import { inProcess, runAll, tokens } from '../support/runtime.js';
import type { GrammarSpec } from '../../src/grammar/spec.js';

const HIDDEN = 16;
const K = 6;
const W = 0.7;

/** The expected soft input from one step's logits, over `allowed` ids only (an independent computation). */
function expectedSoft(logits: Float32Array, allowed: (id: number) => boolean, row: (id: number) => Float32Array) {
  const ids = Array.from({ length: logits.length }, (_, i) => i).filter(allowed);
  const m = Math.max(...ids.map((i) => logits[i]));
  const z = ids.reduce((s, i) => s + Math.exp(logits[i] - m), 0);
  const p = new Map(ids.map((i) => [i, Math.exp(logits[i] - m) / z]));
  const order = [...ids].sort((a, b) => p.get(b)! - p.get(a)! || a - b).slice(0, K);
  const mass = order.reduce((s, i) => s + p.get(i)!, 0);
  const q = order.map((i) => p.get(i)! / mass);
  const H = Math.min(1, -q.reduce((s, x) => s + (x > 0 ? x * Math.log(x) : 0), 0) / Math.log(K));
  const vec = Array.from({ length: HIDDEN }, (_, d) => {
    const e = order.reduce((s, id, j) => s + q[j] * row(id)[d], 0);
    return e + W * H * (e - row(order[0])[d]);
  });
  return { order, H, vec };
}

async function run(grammar: GrammarSpec | null, maxTokens: number, bias: Array<readonly [number, number]>) {
  const { dir, embeddings } = await echoModel({ hidden: HIDDEN, seed: 5 });
  const { rt } = await inProcess(dir);
  const seen: Float32Array[] = [];
  const forward = rt.decoder.forward.bind(rt.decoder);
  rt.decoder.forward = async (cache, embeds, T) => {
    const result = await forward(cache, embeds, T);
    seen.push(result.logits[0].slice());
    return result;
  };
  const req = request([70, 71, 72], {
    sampling: { logitBias: bias },
    selar: { mode: 'soft', topK: K, contrastiveWeight: W },
    stop: { maxTokens, eosTokenIds: [0] },
  });
  if (grammar) req.grammar = grammar;
  const events = tokens((await runAll(rt, [req])).get(req.id)!);
  const row = (id: number) => embeddings.subarray(id * HIDDEN, (id + 1) * HIDDEN);
  return { events, seen, row };
}

t.test('a soft step mixes only tokens the grammar allows', async (t) => {
  // Bytes 1–15 are allowed; the bias makes masked tokens (17, 200) the most likely.
  const bias: Array<readonly [number, number]> = [
    [17, 40],
    [200, 45],
  ];
  const allowed = (id: number) => id >= 1 && id <= 15;
  const { events, seen, row } = await run({ type: 'regex', pattern: '[\\x01-\\x0f]{4}' }, 4, bias);
  t.equal(events.length, 4);
  t.ok(
    events.every((e) => allowed(e.id)),
    `visible tokens ${events.map((e) => e.id)}`,
  );
  let differs = false;
  for (let step = 0; step < 3; step++) {
    const biased = seen[step].slice();
    for (const [id, b] of bias) biased[id] += b;
    const want = expectedSoft(biased, allowed, row);
    t.ok(want.order.every(allowed));
    t.ok(Math.abs(events[step].entropy - want.H) < 1e-6, `step ${step}: entropy ${events[step].entropy} vs ${want.H}`);
    // The next pass's logits are the vector it was fed.
    const fed = seen[step + 1].subarray(0, HIDDEN);
    for (let d = 0; d < HIDDEN; d++) t.ok(Math.abs(fed[d] - want.vec[d]) < 1e-5, `step ${step} dim ${d}`);
    const free = expectedSoft(biased, () => true, row);
    if (free.vec.some((v, d) => Math.abs(v - want.vec[d]) > 1e-3)) differs = true;
  }
  t.ok(differs, 'unconstrained, the mix would have been different (the test can fail)');
});

t.test('a forced token: H = 0 and the soft input is exactly its own embedding', async (t) => {
  const { events, seen, row } = await run({ type: 'choice', choices: ['\x05\x07\x09'] }, 8, []);
  t.same(
    events.map((e) => e.id),
    [5, 7, 9, 0],
    'the choice, then the end (eos id 0)',
  );
  // From step 1 on (at step 0 a reasoning model may still open <think>), one token is allowed.
  for (let step = 1; step < 3; step++) {
    t.equal(events[step].entropy, 0);
    t.same(Array.from(seen[step + 1].subarray(0, HIDDEN)), Array.from(row(events[step].id)), `step ${step}`);
  }
});
