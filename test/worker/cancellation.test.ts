// Cancellation where it happens: the worker's scheduler drops the sequence, and no
// forward pass after the cancel includes its row. A scheduler that ignored cancel()
// would keep a row for it in every later pass and fail here.
import t from 'tap';
import { llamaModel } from '../support/models.js';
import { request } from '../support/requests.js';
import { inProcess, runAll, tokens } from '../support/runtime.js';
import { Scheduler } from '../../src/worker/scheduler.js';
import type { GenerationEvent } from '../../src/engine/types.js';

t.test('a cancelled sequence leaves its cohort: every later pass has one row fewer', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  // Equal prompt lengths: the three share one cohort (three rows per decode pass).
  const reqs = [0, 1, 2].map((i) => request([30 + i, 31, 32], { stop: { maxTokens: 40, ignoreEos: true } }));
  const [victim, ...others] = reqs;
  const rowsPerPass: number[] = [];
  const forward = rt.decoder.forward.bind(rt.decoder);
  rt.decoder.forward = async (cache, embeds, T) => {
    if (T === 1) rowsPerPass.push(cache.batch);
    return forward(cache, embeds, T);
  };
  const events = new Map<string, GenerationEvent[]>(reqs.map((r) => [r.id, []]));
  let passesAtCancel = -1;
  let finished = 0;
  let cancelAfter = 5;
  const scheduler = await new Promise<Scheduler>((resolve) => {
    const s: Scheduler = new Scheduler(rt.decoder, rt.ctx, {
      events: (id, evs) => {
        events.get(id)!.push(...evs);
        // Cancel from inside a pass, as a message between two steps would arrive.
        if (id === victim.id && --cancelAfter === 0) {
          s.cancel(victim.id);
          passesAtCancel = rowsPerPass.length;
        }
        if (evs.some((e) => e.type === 'finish') && ++finished === others.length) resolve(s);
      },
      failed: (id, message) => t.fail(`${id}: ${message}`),
    });
    for (const r of reqs) s.add(r);
  });
  t.ok(passesAtCancel > 0, `cancelled after ${passesAtCancel} decode passes`);
  t.same(rowsPerPass.slice(0, passesAtCancel), Array(passesAtCancel).fill(3), 'three rows per pass before the cancel');
  const after = rowsPerPass.slice(passesAtCancel);
  t.same(after, Array(after.length).fill(2), `two rows in each of the ${after.length} passes after it`);
  t.equal(after.length, 40 - 1 - passesAtCancel, 'the others decode to their end');
  t.equal(tokens(events.get(victim.id)!).length, 5, 'no token for the cancelled sequence after the cancel');
  t.notOk(
    events.get(victim.id)!.some((e) => e.type === 'finish'),
    'and no finish event',
  );
  await new Promise((r) => setImmediate(r)); // the pass that finished the others ends
  t.equal(scheduler.size, 0, 'nothing left in the scheduler');
  // The survivors' cache rows were kept correctly: each equals its solo run.
  for (const r of others) {
    const solo = await runAll(rt, [{ ...r, id: r.id + '-solo' }]);
    t.same(
      tokens(events.get(r.id)!).map((e) => e.id),
      tokens(solo.get(r.id + '-solo')!).map((e) => e.id),
      `${r.id} as alone`,
    );
  }
});

t.test('a sequence cancelled while it waits is never prefilled', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const prefillRows: number[] = [];
  const forward = rt.decoder.forward.bind(rt.decoder);
  rt.decoder.forward = async (cache, embeds, T) => {
    if (T > 1) prefillRows.push(cache.batch);
    return forward(cache, embeds, T);
  };
  const kept = request([7, 8, 9], { stop: { maxTokens: 3 } });
  const dropped = request([4, 5, 6], { stop: { maxTokens: 3 } });
  const seen: string[] = [];
  await new Promise<void>((resolve) => {
    const s = new Scheduler(rt.decoder, rt.ctx, {
      events: (id, evs) => {
        seen.push(id);
        if (evs.some((e) => e.type === 'finish')) resolve();
      },
      failed: (id, message) => t.fail(`${id}: ${message}`),
    });
    s.add(kept);
    s.add(dropped);
    s.cancel(dropped.id); // arrives in the same batch of messages, before the loop starts
  });
  t.same(prefillRows, [1], 'one prefill pass of one row');
  t.notOk(seen.includes(dropped.id), 'no events for the cancelled request');
});
