// A request that reaches the worker while the last running sequence takes its final
// step must still be served. Its preparation settles during that pass; the loop, finding
// no cohort left afterwards, must prefill it rather than sleep until some other message
// wakes it (under load the next arrival did; the last request of a burst waited for its
// client to give up).
import t from 'tap';
import { llamaModel } from '../support/models.js';
import { request } from '../support/requests.js';
import { inProcess } from '../support/runtime.js';
import { Scheduler } from '../../src/worker/scheduler.js';

t.test('a request arriving during the pass that finishes the last cohort is served', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  // Two tokens: the prefill gives the first, one decode pass the second and the end.
  const first = request([30, 31, 32], { stop: { maxTokens: 2, ignoreEos: true } });
  const late = request([40, 41], { stop: { maxTokens: 2, ignoreEos: true } });
  const finished: string[] = [];
  let scheduler: Scheduler | null = null;
  const forward = rt.decoder.forward.bind(rt.decoder);
  let added = false;
  rt.decoder.forward = async (cache, embeds, T) => {
    // The worker's message handler runs while the pass is awaited.
    if (T === 1 && !added) {
      added = true;
      scheduler!.add(late);
    }
    return forward(cache, embeds, T);
  };
  const done = new Promise<void>((resolve) => {
    scheduler = new Scheduler(rt.decoder, rt.ctx, {
      events: (id, evs) => {
        if (evs.some((e) => e.type === 'finish')) finished.push(id);
        if (finished.length === 2) resolve();
      },
      failed: (id, message) => t.fail(`${id}: ${message}`),
    });
    scheduler.add(first);
  });
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<'stalled'>((resolve) => {
    timer = setTimeout(() => resolve('stalled'), 5000);
  });
  const outcome = await Promise.race([done.then(() => 'served' as const), stalled]);
  clearTimeout(timer);
  t.ok(added, 'the second request arrived during a decode pass');
  t.equal(outcome, 'served', 'both requests finished (none waits for another message)');
  t.same(finished, [first.id, late.id]);
  t.equal(scheduler!.size, 0, 'nothing left in the scheduler');
});
