// A grammar that compiles slowly, with a small time limit: its request fails with a
// 400 naming the param, while another sequence of the same worker keeps decoding
// during the compile (counted in decode steps, not timed).
import t from 'tap';
import { llamaEngine } from '../support/engines.js';
import { llamaModel } from '../support/models.js';
import { request } from '../support/requests.js';
import { inProcess } from '../support/runtime.js';
import { Scheduler } from '../../src/worker/scheduler.js';
import type { GenerationEvent } from '../../src/engine/types.js';
import { SLOW_SPEC as SLOW } from '../support/slow-grammar.js';

t.test('other sequences keep decoding while a grammar compiles, and it times out alone', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  t.teardown(() => rt.ctx.grammars!.terminate());
  rt.ctx.grammars!.limitMs = 300;
  const busy = request([1, 2, 3], { stop: { maxTokens: 240, ignoreEos: true } });
  const slow = request([4, 5, 6], { stop: { maxTokens: 8, eosTokenIds: [0] } });
  slow.grammar = SLOW;
  slow.grammarParam = 'structured_outputs.json';
  let busyTokens = 0;
  let busyDone = false;
  const outcome = await new Promise<{ steps: number; busyDone: boolean; message: string; invalid: unknown }>(
    (resolve, reject) => {
      let stepsAtAdd = 0;
      const scheduler = new Scheduler(rt.decoder, rt.ctx, {
        events: (id, events: GenerationEvent[]) => {
          if (id !== busy.id) return reject(new Error('the slow request produced tokens'));
          busyTokens += events.filter((e) => e.type === 'token').length;
          busyDone ||= events.some((e) => e.type === 'finish');
          // Once the busy sequence is under way, the slow one arrives.
          if (busyTokens === 2) {
            stepsAtAdd = scheduler.steps;
            scheduler.add(slow);
          }
        },
        failed: (id, message, invalid) => {
          if (id !== slow.id) return reject(new Error(message));
          resolve({ steps: scheduler.steps - stepsAtAdd, busyDone, message, invalid });
        },
      });
      // Each step takes a few ms, so the busy sequence outlives the time limit.
      scheduler.beforeStep = () => {
        const until = performance.now() + 3;
        while (performance.now() < until);
      };
      scheduler.add(busy);
    },
  );
  t.notOk(outcome.busyDone, 'the busy sequence was still running when the compile timed out');
  t.ok(outcome.steps >= 3, `the busy sequence took ${outcome.steps} decode steps during the compile`);
  t.same(outcome.invalid, {
    param: 'structured_outputs.json',
    message:
      "Invalid value for 'structured_outputs.json': compiling the grammar exceeded the time limit of 300 ms " +
      '(--grammar-compile-timeout-ms)',
  });
  t.equal(rt.ctx.grammars!.restarts, 1, 'the grammar thread was replaced');
});

t.test('through the worker pool, the timeout is a 400 naming the param', async (t) => {
  const { engine } = await llamaEngine(t, { grammarCompileTimeoutMs: 200 });
  const slow = request([4, 5, 6], { stop: { maxTokens: 8, eosTokenIds: [0] } });
  slow.grammar = SLOW;
  slow.grammarParam = 'response_format';
  const run = async () => {
    for await (const _ of engine.generate(slow));
  };
  await t.rejects(run, {
    code: 'invalid_request',
    status: 400,
    param: 'response_format',
    message: /exceeded the time limit of 200 ms/,
  });
  // The worker goes on serving: a request with a quick grammar completes.
  const quick = request([4, 5, 6], { stop: { maxTokens: 8, eosTokenIds: [0] } });
  quick.grammar = { type: 'regex', pattern: '[a-c]{3}' };
  const events: GenerationEvent[] = [];
  for await (const e of engine.generate(quick)) events.push(e);
  t.equal(events.at(-1)?.type, 'finish');
});
