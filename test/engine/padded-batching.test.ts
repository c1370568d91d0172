// Padded batching (--batching padded): caches of different lengths share one forward
// pass, left-padded and masked. Rows must match their solo runs (up to float
// rounding), padding every remaining row shares must be cut off, and models that
// cannot take left padding must be refused.
import t from 'tap';
import { llamaModel } from '../support/models.js';
import { maxAbsDiff } from '../modelgen/decoder-runner.js';
import { request } from '../support/requests.js';
import { inProcess, runAll, tokens } from '../support/runtime.js';
import { Scheduler } from '../../src/worker/scheduler.js';
import { DecoderSession, type KvCache } from '../../src/worker/decoder-session.js';
import { honoursLeftPadding } from '../../src/model/convert/padding.js';
import type { GraphProto } from '../../src/onnx/proto.js';
import type { Runtime } from '../../src/worker/runtime.js';
import { createEngine } from '../../src/engine/create-engine.js';
import { BUNDLED_MODEL } from '../../src/config.js';

async function embed(rt: Runtime, ids: number[]): Promise<Float32Array> {
  const out = new Float32Array(ids.length * rt.ctx.embeddings.dim);
  await rt.ctx.embeddings.lookup(ids, out);
  return out;
}

async function prefill(rt: Runtime, ids: number[]): Promise<KvCache> {
  return (await rt.decoder.forward(rt.decoder.newCache(), await embed(rt, ids), ids.length)).cache;
}

t.test('a left-padded batch gives each row its solo logits; shared padding is trimmed', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  t.ok(rt.decoder.canPad, 'the generated Llama honours left padding');
  const prompts = [
    [3, 4, 5],
    [6, 7, 8, 9, 10],
    [11, 12, 13, 14, 15, 16, 17, 18],
  ];
  const next = [40, 41, 42];

  // Solo: each prompt, then two steps of its own.
  const solo: Float32Array[][] = [];
  for (let i = 0; i < prompts.length; i++) {
    const first = await rt.decoder.forward(await prefill(rt, prompts[i]), await embed(rt, [next[i]]), 1);
    const second = await rt.decoder.forward(first.cache, await embed(rt, [next[i] + 10]), 1);
    solo.push([first.logits[0].slice(), second.logits[0].slice()]);
  }

  const merged = rt.decoder.mergeCaches(await Promise.all(prompts.map((p) => prefill(rt, p))));
  t.same([merged.length, merged.pads], [8, [5, 3, 0]], 'padded to the longest cache');
  const { logits: step1, cache: stepped } = await rt.decoder.forward(merged, await embed(rt, next), 1);
  for (let i = 0; i < 3; i++)
    t.ok(
      maxAbsDiff(step1[i], solo[i][0]) < 1e-4,
      `row ${i} step 1 matches solo (diff ${maxAbsDiff(step1[i], solo[i][0])})`,
    );

  // The longest row leaves: the two left share 3 positions of padding, which go.
  const kept = rt.decoder.keepRows(stepped, [0, 1]);
  t.same([kept.length, kept.pads, kept.batch], [6, [2, 0], 2], 'common padding cut off');
  const { logits: step2 } = await rt.decoder.forward(kept, await embed(rt, [next[0] + 10, next[1] + 10]), 1);
  for (let i = 0; i < 2; i++) t.ok(maxAbsDiff(step2[i], solo[i][1]) < 1e-4, `row ${i} step 2 matches solo`);
});

t.test('padded scheduling: one decode pass per step whatever the lengths, answers as solo', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const batches: number[] = [];
  const forward = rt.decoder.forward.bind(rt.decoder);
  rt.decoder.forward = async (cache, embeds, T) => {
    if (T === 1) batches.push(cache.batch);
    return forward(cache, embeds, T);
  };
  const reqs = [
    request([5, 6, 7], { stop: { maxTokens: 9 } }),
    request([9, 8, 7, 6, 5, 4], { stop: { maxTokens: 6 } }),
    request([100, 101], { selar: { mode: 'selar', entropyThreshold: 0.3 }, stop: { maxTokens: 12 } }),
    request([42, 43, 44, 45], { selar: { mode: 'soft' }, stop: { maxTokens: 12 } }),
  ];
  const together = await runAll(rt, reqs, 'padded');
  // Four prompt lengths, one cohort: 5 passes of 4 rows, 3 of 3 (one left), 3 of 2.
  t.same(batches, [4, 4, 4, 4, 4, 3, 3, 3, 2, 2, 2], 'every live sequence in every decode pass');
  rt.decoder.forward = forward;
  for (const r of reqs) {
    const alone = await runAll(rt, [{ ...r, id: `${r.id}-alone` }]);
    const a = tokens(together.get(r.id)!).map((e) => [e.id, e.soft]);
    const b = tokens(alone.get(`${r.id}-alone`)!).map((e) => [e.id, e.soft]);
    // Discrete rows agree to the end; soft steps amplify rounding, so compare early tokens.
    const n = r.selar.mode === 'off' ? b.length : 4;
    t.equal(a.length, b.length, `${r.id}: same length`);
    t.same(a.slice(0, n), b.slice(0, n), `${r.id} (${r.selar.mode})`);
  }
});

t.test('models whose attention ignores left padding are refused', async (t) => {
  const graph = (inputs: string[], ops: string[]) =>
    ({ input: inputs.map((name) => ({ name })), node: ops.map((opType) => ({ opType })) }) as unknown as GraphProto;
  t.ok(honoursLeftPadding(graph(['inputs_embeds', 'attention_mask', 'position_ids'], ['MatMul', 'Softmax'])));
  t.notOk(
    honoursLeftPadding(graph(['inputs_embeds', 'attention_mask', 'position_ids'], ['GroupQueryAttention'])),
    'GroupQueryAttention',
  );
  t.notOk(honoursLeftPadding(graph(['inputs_embeds', 'attention_mask'], ['MatMul'])), 'no position_ids');
  const nested = graph(['inputs_embeds', 'attention_mask', 'position_ids'], []);
  nested.node.push({
    opType: 'If',
    attribute: [{ name: 'then_branch', g: graph([], ['GroupQueryAttention']) }],
  } as never);
  t.notOk(honoursLeftPadding(nested), 'GroupQueryAttention inside an If branch');

  const { rt } = await inProcess(await llamaModel());
  const d = rt.decoder;
  const { session, io, hiddenSize, vocabSize } = d;
  const exactOnly = new DecoderSession({ session, io, hiddenSize, vocabSize, maxLength: 256 });
  const sink = { events: () => {}, failed: () => {} };
  t.throws(() => new Scheduler(exactOnly, rt.ctx, sink, 'padded'), /cannot batch sequences of different lengths/);
  const [a, b] = [await prefill(rt, [1, 2]), await prefill(rt, [1, 2, 3])];
  t.throws(() => exactOnly.mergeCaches([a, b]), /equal length/);
});

t.test('--batching padded through the worker pool: the demo model answers as with exact batching', async (t) => {
  const questions = [
    'Tom buys 3 pens at 4 dollars each. How much does he pay?',
    'A box holds 12 apples. Sam eats 5 of them and then buys 9 more. How many apples are in the box now?',
    'Mia has 20 stickers and shares them equally among 4 friends. How many does each friend get?',
  ];
  const answers = new Map<string, string[]>();
  for (const batching of ['exact', 'padded'] as const) {
    const { engine, tokenizer } = await createEngine({
      modelDir: BUNDLED_MODEL,
      workers: 1,
      threadsPerWorker: 1,
      maxSequencesPerWorker: 4,
      batching,
    });
    t.teardown(() => engine.close());
    const eos = tokenizer.configTokenId('eos_token')!;
    const reqs = questions.map((q) =>
      request(tokenizer.encode(tokenizer.applyChatTemplate([{ role: 'user', content: q }])), {
        stop: { maxTokens: 120, eosTokenIds: [eos] },
      }),
    );
    t.ok(new Set(reqs.map((r) => r.promptIds.length)).size === 3, 'three prompt lengths');
    const texts = await Promise.all(
      reqs.map(async (r) => {
        let text = '';
        for await (const e of engine.generate(r)) text += e.text;
        return text;
      }),
    );
    answers.set(batching, texts);
  }
  t.same(answers.get('padded'), answers.get('exact'), 'greedy answers identical');
  t.match(answers.get('exact')![0], /The answer is \d+/, 'a real answer');
});
