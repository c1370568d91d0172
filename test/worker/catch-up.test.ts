// Exact batching: cohorts a few positions apart meet and share passes. The prompts of
// one completions request (lengths 5, 4 and 1, as in the fuzzer's body that ran past
// its 20 s under CPU contention) used to cost three passes per step for their whole
// life, three times the work of one cohort; now the shorter ones catch up in four steps.
import t, { type Test } from 'tap';
import type { GenerationRequest } from '../../src/engine/types.js';
import type { Runtime } from '../../src/worker/runtime.js';
import { CATCH_UP } from '../../src/worker/scheduler.js';
import { llamaModel } from '../support/models.js';
import { request } from '../support/requests.js';
import { inProcess, runRecorded, tokens, type RecordedRun } from '../support/runtime.js';

/** Each request's token ids and entropies equal its solo run's, and its logits bitwise. */
async function expectSolo(t: Test, rt: Runtime, together: RecordedRun, reqs: GenerationRequest[]) {
  const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  for (const r of reqs) {
    const id = `${r.id}-solo`;
    const alone = await runRecorded(rt, [{ ...r, id }]);
    const view = (events: RecordedRun['events'], key: string) => tokens(events.get(key)!).map((e) => [e.id, e.entropy]);
    t.strictSame(view(together.events, r.id), view(alone.events, id), `${r.id}: the solo tokens and entropies`);
    const ours = together.steps.get(r.id)!;
    const solo = alone.steps.get(id)!;
    const differ = ours.filter((s, i) => !solo[i] || !bits(s.logits).equals(bits(solo[i].logits))).length;
    t.equal(differ, 0, `${r.id}: the logits of all ${ours.length} steps are bitwise the solo run's`);
  }
}

/** Decode passes (one position each) between a sequence's steps i and i + 1. */
function passesBetween(run: RecordedRun, prefills: number, id: string, i: number): number {
  const steps = run.steps.get(id)!;
  const between = steps[i + 1].pass - steps[i].pass - 1;
  return i === 0 ? between - prefills : between;
}

t.test("one request's prompts of lengths 5, 4 and 1 merge into one cohort within 4 steps", async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const maxTokens = 40;
  const reqs = [[20, 50, 64, 71, 218], [55, 220, 63, 131], [13]].map((ids) => request(ids, { stop: { maxTokens } }));
  const run = await runRecorded(rt, reqs);
  const decodes = run.rowsPerPass.slice(3);
  t.same(run.rowsPerPass.slice(0, 3), [1, 1, 1], 'one prefill per prompt length');
  // The 1-token prompt runs alone 3 steps, then with the 4-token one for 1, then all three together.
  t.same(decodes.slice(0, 4), [1, 1, 1, 2], 'the shorter cohorts catch up first');
  t.ok(
    decodes.slice(4, 4 + maxTokens - 5).every((rows) => rows === 3),
    'then every pass holds all three until the first finishes',
  );
  // Three cohorts for life would take 3 × 39 = 117 decode passes.
  t.equal(decodes.length, 4 + maxTokens - 1, `${decodes.length} decode passes for 3 × ${maxTokens} tokens`);
  t.equal(passesBetween(run, 2, reqs[0].id, 0), 4, 'the longest prompt waited 4 steps');
  await expectSolo(t, rt, run, reqs);
});

t.test('a cohort waits at most CATCH_UP steps in all, and never for one further behind', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const ids = (n: number, from: number) => Array.from({ length: n }, (_, i) => from + i);
  // 17 waits for 9, which waits for 1: after 8 steps 1 and 9 merge, and 17 has used up its waits.
  const reqs = [ids(1 + 2 * CATCH_UP, 100), ids(1 + CATCH_UP, 40), ids(1, 7)].map((p) =>
    request(p, { stop: { maxTokens: 20 } }),
  );
  const run = await runRecorded(rt, reqs);
  const [longest, middle] = reqs.map((r) => r.id);
  t.equal(passesBetween(run, 2, longest, 0), CATCH_UP, `the longest waited ${CATCH_UP} steps`);
  for (let i = 1; i < 19; i++) {
    if (passesBetween(run, 0, longest, i) > 1) t.fail(`the longest waited again after step ${i}`);
  }
  // Its wait: the shortest's 8 steps, then the longest's pass of the same round.
  t.equal(passesBetween(run, 1, middle, 0), CATCH_UP + 1, 'the middle one waited for the shortest');
  await expectSolo(t, rt, run, reqs);

  // A prompt more than CATCH_UP positions behind delays nobody: two passes per step from the start.
  const apart = [ids(2 + CATCH_UP, 60), ids(1, 9)].map((p) => request(p, { stop: { maxTokens: 6 } }));
  const separate = await runRecorded(rt, apart);
  t.same(separate.rowsPerPass, Array(2 + 2 * 5).fill(1), 'each its own passes, every step');
  t.equal(passesBetween(separate, 1, apart[0].id, 0), 0, 'the longer one did not wait');
});
