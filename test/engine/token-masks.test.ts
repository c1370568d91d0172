// bad_words and allowed_token_ids in the decode loop: masked ids are never generated and
// never enter a soft input; the gate and the mix work on the constrained distribution.
import t from 'tap';
import { echoModel } from '../support/models.js';
import { request } from '../support/requests.js';
import { inProcess, runAll, tokens } from '../support/runtime.js';

t.test('with the echo model, no masked id enters a soft embedding', async (t) => {
  const { dir, embeddings, hidden } = await echoModel({ hidden: 16, seed: 5 });
  const { rt } = await inProcess(dir);
  const prompt = [70, 71, 72];
  const row = (id: number) => embeddings.subarray(id * hidden, (id + 1) * hidden);
  // The first step's logits echo E[72]: its three largest entries are the ids a free
  // soft step would mix first. Ban them (bad_words), and allow only some of the rest.
  const first = Array.from(row(72));
  const byValue = first.map((_, i) => i).sort((a, b) => first[b] - first[a] || a - b);
  const banned = byValue.slice(0, 3);
  const allowed = byValue.slice(3, 9);
  const k = 4;
  const w = 0.5;
  const req = request(prompt, {
    sampling: { badWords: banned.map((id) => [id]), allowedTokenIds: [...allowed, ...banned] },
    selar: { mode: 'soft', topK: k, contrastiveWeight: w },
    stop: { maxTokens: 6 },
  });
  const looked: number[][] = [];
  const lookup = rt.ctx.embeddings.lookup.bind(rt.ctx.embeddings);
  rt.ctx.embeddings.lookup = (ids, out) => {
    looked.push(Array.from(ids));
    return lookup(ids, out);
  };
  const seen: Float32Array[] = [];
  const forward = rt.decoder.forward.bind(rt.decoder);
  rt.decoder.forward = async (cache, embeds, T, all) => {
    const r = await forward(cache, embeds, T, all);
    seen.push(r.logits[0].slice());
    return r;
  };
  const events = tokens((await runAll(rt, [req])).get(req.id)!);
  t.equal(events.length, 6);
  t.ok(
    events.every((e) => allowed.includes(e.id)),
    `generated ${events.map((e) => e.id)} within the allowed, unbanned ids`,
  );
  t.ok(
    events.slice(0, -1).every((e) => e.soft),
    'every step soft',
  );
  const decodeLookups = looked.slice(1).flat();
  t.ok(
    decodeLookups.length > 0 && decodeLookups.every((id) => allowed.includes(id)),
    `soft inputs looked up only allowed ids: ${decodeLookups}`,
  );

  // The first soft input, computed by hand over the constrained distribution.
  const logits = Array.from(seen[0]).map((v, id) => (allowed.includes(id) ? v : -Infinity));
  const m = Math.max(...logits);
  const order = logits
    .map((_, i) => i)
    .sort((a, b) => logits[b] - logits[a] || a - b)
    .slice(0, k);
  const ex = order.map((id) => Math.exp(logits[id] - m));
  const q = ex.map((x) => x / ex.reduce((s, y) => s + y, 0));
  const H = Math.min(1, -q.reduce((s, x) => s + (x > 0 ? x * Math.log(x) : 0), 0) / Math.log(k));
  t.ok(Math.abs(events[0].entropy - H) < 1e-6, `gate entropy on the constrained p: ${events[0].entropy} vs ${H}`);
  const expected = Array.from({ length: hidden }, (_, d) => {
    const e = order.reduce((s, id, j) => s + q[j] * row(id)[d], 0);
    return e + w * H * (e - row(order[0])[d]);
  });
  for (let d = 0; d < hidden; d++)
    t.ok(Math.abs(seen[1][d] - expected[d]) < 1e-5, `dim ${d}: ${seen[1][d]} vs ${expected[d]}`);
});

t.test('fewer allowed ids than candidates: empty slots hold the top id with weight 0', async (t) => {
  const { dir } = await echoModel({ hidden: 16, seed: 6 });
  const { rt } = await inProcess(dir);
  const looked: number[][] = [];
  const lookup = rt.ctx.embeddings.lookup.bind(rt.ctx.embeddings);
  rt.ctx.embeddings.lookup = (ids, out) => {
    looked.push(Array.from(ids));
    return lookup(ids, out);
  };
  const req = request([70, 71], {
    sampling: { allowedTokenIds: [40, 41] },
    selar: { mode: 'soft', topK: 5 },
    stop: { maxTokens: 3 },
  });
  const events = tokens((await runAll(rt, [req])).get(req.id)!);
  t.ok(events.every((e) => e.id === 40 || e.id === 41));
  t.ok(
    looked
      .slice(1)
      .flat()
      .every((id) => id === 40 || id === 41),
    `lookups ${JSON.stringify(looked.slice(1))}`,
  );
});

t.test("bad_words: a longer sequence's last token is masked only after the rest", async (t) => {
  const { dir } = await echoModel({ hidden: 16, seed: 7 });
  const { rt } = await inProcess(dir);
  const free = request([70, 71, 72], { stop: { maxTokens: 5 } });
  const ids = tokens((await runAll(rt, [free])).get(free.id)!).map((e) => e.id);
  // Ban the pair (ids[0], ids[1]): the first token still comes, the second may not follow it.
  const pair = request([70, 71, 72], { sampling: { badWords: [[ids[0], ids[1]]] }, stop: { maxTokens: 5 } });
  const out = tokens((await runAll(rt, [pair])).get(pair.id)!).map((e) => e.id);
  t.equal(out[0], ids[0], 'the prefix alone is allowed');
  t.not(out[1], ids[1], 'its completion is masked');
});
