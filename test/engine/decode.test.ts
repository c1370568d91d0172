// The decode loop against generated models: KV-cache correctness, soft steps that
// really feed the formula's vector, and per-sequence independence.
import t, { type Test } from 'tap';
import { echoModel, llamaModel } from '../support/models.js';
import { request } from '../support/requests.js';
import { inProcess, runAll, runRecorded, tokens, type RecordedRun } from '../support/runtime.js';
import type { Runtime } from '../../src/worker/runtime.js';
import type { GenerationRequest, TokenEvent } from '../../src/engine/types.js';
import { argmax } from '../../src/sampling/topk.js';
import { createTopKMix, topKMix } from '../../src/sampling/topk-mix.js';
import { softEmbedding } from '../../src/sampling/latent/contrastive-mix.js';
import { DistributionScratch, filteredProbs } from '../../src/sampling/distribution.js';
import { Scheduler } from '../../src/worker/scheduler.js';

t.test('greedy with the KV cache equals re-running the full sequence without it', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const prompt = [10, 20, 30, 40, 50];
  for (const mode of ['off', 'selar', 'soft'] as const) {
    const events = (
      await runAll(rt, [request(prompt, { selar: { mode, entropyThreshold: 0.6 }, stop: { maxTokens: 12 } })])
    )
      .values()
      .next().value!;
    const cached = tokens(events).map((e) => e.id);

    // Reference: no cache; every step re-runs all inputs (prompt rows, then each fed vector).
    const dim = rt.ctx.embeddings.dim;
    const inputs: Float32Array[] = [];
    const promptRows = new Float32Array(prompt.length * dim);
    await rt.ctx.embeddings.lookup(prompt, promptRows);
    for (let i = 0; i < prompt.length; i++) inputs.push(promptRows.subarray(i * dim, (i + 1) * dim));
    const scratch = new DistributionScratch(rt.decoder.vocabSize);
    const mix = createTopKMix(3);
    const rows = new Float32Array(3 * dim);
    const reference: number[] = [];
    for (let step = 0; step < cached.length; step++) {
      const all = new Float32Array(inputs.length * dim);
      for (const [i, row] of inputs.entries()) all.set(row, i * dim);
      const {
        logits: [logits],
      } = await rt.decoder.forward(rt.decoder.newCache(), all, inputs.length);
      const token = argmax(logits);
      reference.push(token);
      topKMix(filteredProbs(logits, { temperature: 1, topK: 0, topP: 1, minP: 0 }, scratch), mix);
      const next = new Float32Array(dim);
      if (mode === 'soft' || (mode === 'selar' && mix.entropy >= 0.6)) {
        await rt.ctx.embeddings.lookup(mix.ids, rows);
        softEmbedding(rows, mix, mix.entropy, 1, next);
      } else await rt.ctx.embeddings.lookup([token], next);
      inputs.push(next);
    }
    // Discrete decoding must agree to the end; soft steps amplify rounding, compare the early tokens.
    const n = mode === 'off' ? cached.length : 6;
    t.same(cached.slice(0, n), reference.slice(0, n), `mode ${mode}`);
  }
});

t.test('a soft step feeds exactly e + w·H·(e − E[top1]) to the model', async (t) => {
  const { dir, embeddings, hidden } = await echoModel({ hidden: 16, seed: 11 });
  const { rt } = await inProcess(dir);
  const prompt = [70, 71, 72];
  const w = 0.7;
  const req = request(prompt, { selar: { mode: 'soft', topK: 4, contrastiveWeight: w }, stop: { maxTokens: 2 } });
  const fed: Float32Array[] = [];
  const forward = rt.decoder.forward.bind(rt.decoder);
  const seen: Float32Array[] = [];
  rt.decoder.forward = async (cache, embeds, T) => {
    fed.push(embeds.slice((T - 1) * hidden));
    const result = await forward(cache, embeds, T);
    seen.push(result.logits[0].slice());
    return result;
  };
  const events = tokens((await runAll(rt, [req])).get(req.id)!);
  t.equal(events.length, 2);
  t.equal(events[0].soft, true);

  // Independent computation from the first step's logits (the echo of the last prompt row).
  const V = seen[0].length;
  const l = Array.from(seen[0]);
  const m = Math.max(...l);
  const z = l.reduce((s, x) => s + Math.exp(x - m), 0);
  const p = l.map((x) => Math.exp(x - m) / z);
  const order = Array.from({ length: V }, (_, i) => i)
    .sort((a, b) => p[b] - p[a] || a - b)
    .slice(0, 4);
  const mass = order.reduce((s, i) => s + p[i], 0);
  const q = order.map((i) => p[i] / mass);
  const H = Math.min(1, -q.reduce((s, x) => s + (x > 0 ? x * Math.log(x) : 0), 0) / Math.log(4));
  t.ok(Math.abs(events[0].entropy - H) < 1e-6, `entropy ${events[0].entropy} vs ${H}`);
  const row = (id: number) => embeddings.subarray(id * hidden, (id + 1) * hidden);
  const expected = Array.from({ length: hidden }, (_, d) => {
    const e = order.reduce((s, id, j) => s + q[j] * row(id)[d], 0);
    return e + w * H * (e - row(order[0])[d]);
  });
  // The second forward pass's logits are the vector it received.
  for (let d = 0; d < hidden; d++)
    t.ok(Math.abs(seen[1][d] - expected[d]) < 1e-5, `dim ${d}: ${seen[1][d]} vs ${expected[d]}`);
  t.same(Array.from(fed[1]), Array.from(seen[1].subarray(0, hidden)), 'the echo shows the fed vector');
});

/** Bitwise: every step's logits, entropy, logprobs, token and soft decision, batched against solo. */
async function expectSoloBitwise(
  t: Test,
  rt: Runtime,
  together: RecordedRun,
  reqs: GenerationRequest[],
): Promise<void> {
  const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const view = (e: TokenEvent) => [e.id, e.soft, e.entropy, e.logprob, e.topLogprobs];
  for (const r of reqs) {
    const id = r.id + '-solo';
    const alone = await runRecorded(rt, [{ ...r, id }]);
    t.strictSame(
      tokens(together.events.get(r.id)!).map(view),
      tokens(alone.events.get(id)!).map(view),
      `${r.id}: tokens, soft, entropy, logprobs`,
    );
    const ours = together.steps.get(r.id)!;
    const solo = alone.steps.get(id)!;
    const differ = ours.filter((s, i) => !solo[i] || !bits(s.logits).equals(bits(solo[i].logits))).length;
    t.equal(differ, 0, `${r.id}: the logits of all ${ours.length} steps are bitwise the solo run's`);
  }
}

t.test('sequences decoded together compute bitwise what each computes alone', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  // Equal prompt lengths, so all four share the prefill and every decode pass until they leave.
  const withLogprobs = { logprobs: true, topLogprobs: 3 };
  const reqs = [
    request([5, 6, 7, 8], {
      selar: { mode: 'selar', entropyThreshold: 0.3 },
      sampling: withLogprobs,
      stop: { maxTokens: 10 },
    }),
    request([9, 8, 7, 6], { selar: { mode: 'off' }, sampling: withLogprobs, stop: { maxTokens: 14 } }),
    request([100, 101, 102, 103], { selar: { mode: 'soft', topK: 5, contrastiveWeight: 2 }, stop: { maxTokens: 8 } }),
    request([42, 43, 44, 45], {
      sampling: { temperature: 0.9, seed: 1234, ...withLogprobs },
      selar: { mode: 'selar' },
      stop: { maxTokens: 9 },
    }),
  ];
  const together = await runRecorded(rt, reqs);
  // Rows really shared passes: the first 8 steps of each (the shortest has 8) ran in passes of four rows.
  for (const r of reqs) {
    const rows = together.steps
      .get(r.id)!
      .slice(0, 8)
      .map((s) => together.rowsPerPass[s.pass]);
    t.same(rows, Array(8).fill(4), `${r.id}: its first 8 steps were computed in passes of four rows`);
  }
  await expectSoloBitwise(t, rt, together, reqs);
});

t.test('finish reasons, usage counts and stop strings', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const base = request([1, 2, 3], { selar: { mode: 'selar', entropyThreshold: 0.2 }, stop: { maxTokens: 10 } });
  const events = (await runAll(rt, [base])).get(base.id)!;
  const fin = events[events.length - 1];
  t.equal(fin.type, 'finish');
  if (fin.type !== 'finish') return;
  t.equal(fin.reason, 'length');
  t.equal(fin.completionTokens, 10);
  t.equal(fin.promptTokens, 3);
  const toks = tokens(events);
  t.equal(fin.softTokens, toks.filter((e) => e.soft).length);
  t.equal(toks[toks.length - 1].soft, false, 'no soft step after the last token');
  const text = toks.map((e) => e.text).join('') + fin.text;
  // Stop at a piece of that text: generation ends before it and never emits it.
  // Two printable characters after the first one (ten tokens of this model have them; a text without fails here).
  const at = text.slice(1).search(/[\x21-\x7e]{2}/) + 1;
  t.ok(at > 0, `a stop string can be taken from the generated text ${JSON.stringify(text)}`);
  const stopAt = text.slice(at, at + 2);
  const s = request([1, 2, 3], {
    selar: { mode: 'selar', entropyThreshold: 0.2 },
    stop: { maxTokens: 10, strings: [stopAt] },
  });
  const ev = (await runAll(rt, [s])).get(s.id)!;
  const f2 = ev[ev.length - 1];
  const out =
    tokens(ev)
      .map((e) => e.text)
      .join('') + (f2.type === 'finish' ? f2.text : '');
  t.equal(out, text.slice(0, text.indexOf(stopAt)), `generation ends before ${JSON.stringify(stopAt)}`);
  t.equal(f2.type === 'finish' && f2.reason, 'stop');
  // eos ends generation with reason stop; min_tokens masks it until reached.
  const eos = toks[2].id;
  const e1 = (
    await runAll(rt, [
      request([1, 2, 3], {
        selar: { mode: 'selar', entropyThreshold: 0.2 },
        stop: { maxTokens: 10, eosTokenIds: [eos] },
        id: 'eos',
      }),
    ])
  ).get('eos')!;
  const f3 = e1[e1.length - 1];
  t.equal(f3.type === 'finish' && f3.reason, 'stop');
  t.equal(tokens(e1).at(-1)!.id, eos);
  const e2 = (
    await runAll(rt, [request([1, 2, 3], { stop: { maxTokens: 5, eosTokenIds: [eos], minTokens: 5 }, id: 'min' })])
  ).get('min')!;
  t.notOk(
    tokens(e2).some((e) => e.id === eos),
    'eos masked before min_tokens',
  );
});

t.test('ablation modes: random soft rate, hot sampling where the gate fires, full entropy', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const run = async (selar: Record<string, unknown>, sampling: Record<string, unknown> = {}) => {
    const r = request([3, 1, 4, 1, 5], { selar, sampling, stop: { maxTokens: 12 } });
    return (await runAll(rt, [r])).get(r.id)!;
  };
  const softCount = (ev: Awaited<ReturnType<typeof run>>) => tokens(ev).filter((e) => e.soft).length;
  t.equal(softCount(await run({ mode: 'random', softRate: 0 })), 0);
  t.equal(softCount(await run({ mode: 'random', softRate: 1 })), 11, 'every step but after the last token');
  const a = await run({ mode: 'random', softRate: 0.5 }, { seed: 9 });
  const b = await run({ mode: 'random', softRate: 0.5 }, { seed: 9 });
  t.same(
    tokens(a).map((e) => [e.id, e.soft]),
    tokens(b).map((e) => [e.id, e.soft]),
    'seeded',
  );

  const off = tokens(await run({ mode: 'off' })).map((e) => e.id);
  const hotNever = await run({ mode: 'hot', entropyThreshold: 1 });
  t.same(
    tokens(hotNever).map((e) => e.id),
    off,
    'gate never fires: greedy tokens',
  );
  t.ok(tokens(hotNever).every((e) => e.hot === false && !e.soft));
  const hotAlways = await run({ mode: 'hot', entropyThreshold: 0, hotTemperature: 1.5 }, { seed: 4 });
  t.ok(
    tokens(hotAlways).every((e) => e.hot === true && !e.soft),
    'every step hot, none soft',
  );
  const fin = hotAlways.at(-1)!;
  t.equal(fin.type === 'finish' && fin.hotTokens, 12);
  t.notSame(
    tokens(hotAlways).map((e) => e.id),
    off,
    'sampling at 1.5 departs from greedy on a random model',
  );

  const full = tokens(await run({ mode: 'selar', entropy: 'full', entropyThreshold: 0.5 }));
  const topk = tokens(await run({ mode: 'selar', entropy: 'topk', entropyThreshold: 0.5 }));
  t.notSame(
    full.map((e) => e.entropy),
    topk.map((e) => e.entropy),
    'a different entropy is gated on',
  );
  t.ok(full.every((e) => e.entropy >= 0 && e.entropy <= 1));
});

t.test('a cohort decodes in one batched pass; members leaving and joining keep their tokens', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  let batched = 0;
  const forward = rt.decoder.forward.bind(rt.decoder);
  rt.decoder.forward = async (cache, embeds, T) => {
    if (cache.batch > 1) batched++;
    return forward(cache, embeds, T);
  };
  // Equal prompt lengths share a cohort; different max_tokens make members leave at different steps.
  const reqs = [4, 9, 14, 6].map((n, i) =>
    request([11, 12, 13 + i], {
      selar: { mode: i % 2 ? 'soft' : 'selar', entropyThreshold: 0.4 },
      stop: { maxTokens: n },
    }),
  );
  reqs.push(request([1, 2, 3, 4, 5, 6], { stop: { maxTokens: 7 } })); // another length: its own cohort
  const together = await runRecorded(rt, reqs);
  t.ok(batched > 0, `batched passes: ${batched}`);
  await expectSoloBitwise(t, rt, together, reqs);
});

t.test('requests that arrive together are prefilled together and share one cohort', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const batches: number[] = [];
  const prefills: Array<[number, number]> = [];
  const forward = rt.decoder.forward.bind(rt.decoder);
  rt.decoder.forward = async (cache, embeds, T) => {
    if (T === 1) batches.push(cache.batch);
    else prefills.push([cache.batch, T]);
    return forward(cache, embeds, T);
  };
  const reqs = [0, 1, 2, 3].map((i) => request([20 + i, 21, 22, 23], { stop: { maxTokens: 6 } }));
  await runAll(rt, reqs);
  t.same(prefills, [[4, 4]], 'one prefill pass of four prompts');
  t.same(batches, [4, 4, 4, 4, 4], 'five decode passes of four rows: no straggler cohort');

  prefills.length = 0;
  await runAll(rt, [request([1, 2, 3]), request([4, 5, 6, 7, 8]), request([9, 10, 11])]);
  t.same(
    prefills,
    [
      [2, 3],
      [1, 5],
    ],
    'one prefill pass per prompt length',
  );
});

t.test('when prefills are slow, an idle scheduler waits briefly so a burst of requests shares one', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const prefills: number[] = [];
  const forward = rt.decoder.forward.bind(rt.decoder);
  rt.decoder.forward = async (cache, embeds, T) => {
    if (T > 1) {
      prefills.push(cache.batch);
      await new Promise((r) => setTimeout(r, 500)); // a large model's prefill
    }
    return forward(cache, embeds, T);
  };
  let finished = 0;
  let onFinish = () => {};
  const scheduler = new Scheduler(rt.decoder, rt.ctx, {
    events: (_id, events) => {
      if (events.some((e) => e.type === 'finish')) {
        finished++;
        onFinish();
      }
    },
    failed: (id, message) => t.fail(`${id}: ${message}`),
  });
  const finishedAll = (n: number) =>
    new Promise<void>((resolve) => {
      onFinish = () => {
        if (finished === n) resolve();
      };
    });
  scheduler.add(request([1, 2, 3], { stop: { maxTokens: 2 } })); // learns that a prefill takes ~500 ms
  await finishedAll(1);
  await new Promise((r) => setTimeout(r, 20)); // the loop goes idle
  // A burst spread over 8 ms: with a 500 ms prefill the scheduler waits up to 10 ms.
  scheduler.add(request([4, 5, 6], { stop: { maxTokens: 2 } }));
  await new Promise((r) => setTimeout(r, 8));
  scheduler.add(request([7, 8, 9], { stop: { maxTokens: 2 } }));
  await finishedAll(3);
  t.same(prefills, [1, 2], `both requests of the burst in one prefill pass (${JSON.stringify(prefills)})`);
});
