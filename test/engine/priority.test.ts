// priority: while every decode slot is busy, waiting sequences are admitted lowest value
// first, in arrival order within a value.
import t from 'tap';
import { enqueue, type Job } from '../../src/engine/pool.js';
import { EventChannel } from '../../src/engine/event-channel.js';
import { llamaEngine } from '../support/engines.js';
import { request } from '../support/requests.js';

t.test('the queue orders by priority, FCFS within one', async (t) => {
  const queue: Job[] = [];
  const order = [
    ['a', 0],
    ['b', 5],
    ['c', -1],
    ['d', 0],
    ['e', 5],
    ['f', -1],
  ] as const;
  for (const [id, priority] of order)
    enqueue(queue, { request: request([1], { id, priority }), channel: new EventChannel(), worker: null });
  t.same(
    queue.map((j) => j.request.id),
    ['c', 'f', 'a', 'd', 'b', 'e'],
  );
});

t.test('a contended worker admits the lower priority value first', async (t) => {
  const { engine } = await llamaEngine(t, { maxSequencesPerWorker: 1 });
  const started: string[] = [];
  const run = async (id: string, priority: number, maxTokens: number) => {
    for await (const e of engine.generate(request([1, 2, 3], { id, priority, stop: { maxTokens, ignoreEos: true } }))) {
      if (e.type === 'token' && !started.includes(id)) started.push(id);
    }
  };
  // The first takes the only slot; the rest wait and are admitted in priority order.
  const all = [run('busy', 9, 20), run('late', 3, 2), run('urgent', -2, 2), run('normal', 0, 2), run('normal2', 0, 2)];
  await Promise.all(all);
  t.same(started, ['busy', 'urgent', 'normal', 'normal2', 'late']);
});
