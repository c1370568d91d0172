// Mode soft_thinking on the demo model: token for token against an independent PyTorch
// implementation (tools/demo-model/soft_thinking_reference.py, written from the api.md text),
// per-row decisions in continuous batches (bitwise as if alone), after_thinking's sampling
// settings, and the mixture the trace reports.
import fs from 'node:fs';
import t from 'tap';
import type { FinishEvent, GenerationEvent, GenerationRequest, SelarParams } from '../../src/engine/types.js';
import { inProcess, runAll, runRecorded, tokens } from '../support/runtime.js';
import { request, SELAR_EXTRAS } from '../support/requests.js';

const golden = JSON.parse(
  fs.readFileSync(new URL('../fixtures/selar-reference/soft-thinking-demo.json', import.meta.url), 'utf8'),
);
const modelDir = new URL('../../models/selar-demo', import.meta.url).pathname;
const CLOSE = golden.configs[0].think_end_ids[0] as number;

const finish = (events: GenerationEvent[]) => events.find((e): e is FinishEvent => e.type === 'finish')!;

const softThinking = (over: Partial<SelarParams['softThinking']> = {}, selar: Partial<SelarParams> = {}) => ({
  mode: 'soft_thinking' as const,
  topK: 3,
  trace: 'mix' as const,
  ...selar,
  softThinking: { ...SELAR_EXTRAS.softThinking, ...over },
});

t.test(
  'greedy trajectories, soft decisions, concept candidates and Cold Stop equal the PyTorch reference',
  async (t) => {
    const { rt } = await inProcess(modelDir);
    let softSteps = 0;
    let coldStops = 0;
    let worstEntropy = 0;
    for (const [i, r] of golden.results.entries()) {
      const c = r.config;
      const req = request(r.prompt, {
        id: `st-${i}`,
        selar: {
          ...softThinking({
            maxTopk: c.max_topk,
            minP: c.min_p,
            coldStopEntropy: c.cold_stop_entropy,
            coldStopSteps: c.cold_stop_steps,
          }),
          topK: c.top_k,
          discreteTokens: c.discrete_tokens,
        },
        thinking: { budget: null, endIds: c.think_end_ids, startsInside: false },
        stop: { maxTokens: golden.max_tokens, eosTokenIds: golden.eos_token_ids },
      });
      const events = (await runAll(rt, [req])).get(req.id)!;
      const ours = tokens(events);
      const label = `max_topk ${c.max_topk} min_p ${c.min_p} ${c.discrete_tokens} cold ${c.cold_stop_entropy}/${c.cold_stop_steps}, prompt ${i % golden.prompts.length}`;
      t.same(
        ours.map((e) => [e.id, e.soft, e.mix?.ids ?? null]),
        (r.token_ids as number[]).map((id, j) => [id, r.trace[j].soft, r.trace[j].mix ?? null]),
        label,
      );
      t.equal(finish(events).thinkingEnd, r.thinking_end, `${label}: what ended the thinking`);
      softSteps += ours.filter((e) => e.soft).length;
      if (r.thinking_end === 'cold_stop') coldStops++;
      for (let j = 0; j < Math.min(ours.length, r.trace.length); j++) {
        worstEntropy = Math.max(worstEntropy, Math.abs(ours[j].entropy - r.trace[j].entropy));
      }
    }
    t.ok(softSteps > 500 && coldStops >= 6, `soft steps ${softSteps}, Cold Stops ${coldStops}`);
    t.ok(worstEntropy < 1e-3, `entropies agree within ${worstEntropy.toExponential(1)}`);
  },
);

t.test('max_topk 1 is plain greedy decoding; the concept mix sums to 1 over decoded candidates', async (t) => {
  const { rt } = await inProcess(modelDir);
  const prompt = golden.prompts[2] as number[];
  const thinking = { budget: null, endIds: [CLOSE], startsInside: false };
  const one = request(prompt, { id: 'one', selar: softThinking({ maxTopk: 1 }), thinking, stop: { maxTokens: 40 } });
  const off = request(prompt, { id: 'off', selar: { mode: 'off' }, thinking, stop: { maxTokens: 40 } });
  const wide = request(prompt, { id: 'wide', selar: softThinking({ maxTopk: 6 }), thinking, stop: { maxTokens: 40 } });
  const out = await runAll(rt, [one, off, wide]);
  t.same(
    tokens(out.get('one')!).map((e) => e.id),
    tokens(out.get('off')!).map((e) => e.id),
  );
  const mixes = tokens(out.get('wide')!).flatMap((e) => (e.mix ? [e.mix] : []));
  t.ok(mixes.length > 5);
  for (const m of mixes) {
    t.ok(Math.abs(m.weights.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    t.equal(m.tokens.length, m.ids.length);
  }
  t.ok(
    mixes.some((m) => m.ids.length > 1),
    'some concept tokens mix several candidates',
  );
});

t.test('after_thinking: the thinking part is unchanged, the answer is drawn at its own settings', async (t) => {
  const { rt } = await inProcess(modelDir);
  const prompt = golden.prompts[1] as number[];
  const thinking = { budget: null, endIds: [CLOSE], startsInside: false };
  const run = async (id: string, after: Partial<SelarParams['softThinking']['afterThinking']>) => {
    const r = request(prompt, {
      id,
      selar: softThinking({ afterThinking: { ...SELAR_EXTRAS.softThinking.afterThinking, ...after } }),
      sampling: { temperature: 0, seed: 5 },
      thinking,
      stop: { maxTokens: 48, ignoreEos: true },
    });
    return tokens((await runAll(rt, [r])).get(id)!).map((e) => e.id);
  };
  const greedy = await run('g', {});
  const hot = await run('h', { temperature: 2 });
  const end = greedy.indexOf(CLOSE);
  t.ok(end > 0 && end < 40, `thinking ends at ${end}`);
  t.same(hot.slice(0, end + 1), greedy.slice(0, end + 1), 'identical up to and including </think>');
  t.notSame(hot.slice(end + 1), greedy.slice(end + 1), 'the answer is sampled at temperature 2');
  t.same(await run('h2', { temperature: 2 }), hot, 'seeded: reproducible');
});

t.test('noise: seeded draws reproduce, another seed draws other weights', async (t) => {
  const { rt } = await inProcess(modelDir);
  const prompt = golden.prompts[0] as number[];
  const thinking = { budget: null, endIds: [CLOSE], startsInside: false };
  const run = async (id: string, noise: 'none' | 'dirichlet' | 'gumbel', seed: number) => {
    const r = request(prompt, {
      id,
      selar: softThinking({ maxTopk: 4 }, { noise, noiseAlpha: 2, noiseTemperature: 0.5 }),
      // The demo model is very sure of itself at temperature 1 (q ≈ one-hot, where every draw is too).
      sampling: { temperature: 2, seed },
      thinking,
      stop: { maxTokens: 24 },
    });
    return tokens((await runAll(rt, [r])).get(id)!);
  };
  const plain = await run('n', 'none', 1);
  for (const kind of ['dirichlet', 'gumbel'] as const) {
    const a = await run(`${kind}-a`, kind, 1);
    const b = await run(`${kind}-b`, kind, 1);
    const c = await run(`${kind}-c`, kind, 2);
    t.same(
      a.map((e) => [e.id, e.mix?.weights]),
      b.map((e) => [e.id, e.mix?.weights]),
      `${kind}: same seed, same tokens and weights`,
    );
    // The first soft step's p is the same with and without noise; its weights are drawn around q.
    const first = a.findIndex((e) => e.soft);
    t.notSame(a[first].mix!.weights, plain[first].mix!.weights, `${kind}: weights drawn around q`);
    t.notSame(
      a.map((e) => e.mix?.weights),
      c.map((e) => e.mix?.weights),
      `${kind}: another seed, other weights`,
    );
  }
});

t.test('soft_thinking rows in one batch compute bitwise what each computes alone', async (t) => {
  const { rt } = await inProcess(modelDir);
  const prompt = golden.prompts[3] as number[];
  const thinking = { budget: null, endIds: [CLOSE], startsInside: false };
  const reqs: GenerationRequest[] = [
    request(prompt, { id: 'b-st', selar: softThinking({ maxTopk: 5 }), thinking, stop: { maxTokens: 30 } }),
    request(prompt, { id: 'b-off', selar: { mode: 'off' }, thinking, stop: { maxTokens: 26 } }),
    request(prompt, {
      id: 'b-noise',
      selar: softThinking({ maxTopk: 3, minP: 0.05 }, { noise: 'dirichlet', noiseAlpha: 3 }),
      sampling: { temperature: 0.8, seed: 9 },
      thinking,
      stop: { maxTokens: 28 },
    }),
    request(prompt, {
      id: 'b-cold',
      selar: softThinking({ coldStopEntropy: 0.6, coldStopSteps: 3 }),
      thinking,
      stop: { maxTokens: 24 },
    }),
  ];
  const together = await runRecorded(rt, reqs);
  const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  for (const r of reqs) {
    const rows = together.steps
      .get(r.id)!
      .slice(0, 8)
      .map((s) => together.rowsPerPass[s.pass]);
    t.same(rows, Array(8).fill(4), `${r.id}: its first 8 steps ran in passes of four rows`);
    const alone = await runRecorded(rt, [{ ...r, id: `${r.id}-solo` }]);
    const view = (e: ReturnType<typeof tokens>[number]) => [e.id, e.soft, e.entropy, e.mix];
    t.strictSame(
      tokens(together.events.get(r.id)!).map(view),
      tokens(alone.events.get(`${r.id}-solo`)!).map(view),
      `${r.id}: tokens, soft decisions, entropies and mixes`,
    );
    const ours = together.steps.get(r.id)!;
    const solo = alone.steps.get(`${r.id}-solo`)!;
    const differ = ours.filter((s, i) => !solo[i] || !bits(s.logits).equals(bits(solo[i].logits))).length;
    t.equal(differ, 0, `${r.id}: the logits of all ${ours.length} steps are bitwise the solo run's`);
  }
});

t.test('the thinking budget injects a multi-token end string; usage says the budget ended thinking', async (t) => {
  const { rt } = await inProcess(modelDir);
  const prompt = golden.prompts[4] as number[];
  const NL = 10;
  const r = request(prompt, {
    id: 'budget',
    selar: softThinking(),
    thinking: { budget: 3, endIds: [NL, CLOSE], startsInside: false },
    stop: { maxTokens: 12, ignoreEos: true },
  });
  const events = (await runAll(rt, [r])).get(r.id)!;
  const ours = tokens(events);
  const open = ours.findIndex((e) => e.id === golden.think_open);
  t.ok(open >= 0, 'the model opens its thinking');
  t.same(
    ours.slice(open + 4, open + 6).map((e) => [e.id, e.soft]),
    [
      [NL, false],
      [CLOSE, false],
    ],
    'after 3 thinking tokens, both ids of the end string are fed as themselves',
  );
  t.same(
    ours.slice(open + 1, open + 4).map((e) => e.soft),
    [true, true, true],
    'concept tokens inside the section (the first one after <think>)',
  );
  t.notOk(ours[open + 6].reasoning, 'the section ended with the whole string');
  t.equal(finish(events).thinkingEnd, 'budget');
});
