// The foreign exports in ../shared/fixtures/models load and generate through the
// real worker path (optional: runs only where that folder exists).
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { sharedFixtures } from '../support/models.js';
import { request } from '../support/requests.js';
import { createEngine } from '../../src/engine/create-engine.js';
import type { GenerationEvent } from '../../src/engine/types.js';

const folders = fs.existsSync(sharedFixtures)
  ? fs.readdirSync(sharedFixtures).filter((f) => fs.statSync(path.join(sharedFixtures, f)).isDirectory())
  : [];

if (folders.length === 0) t.skip(`no foreign fixtures at ${sharedFixtures}`, () => {});

for (const name of folders) {
  t.test(name, async (t) => {
    const { engine, tokenizer } = await createEngine({
      modelDir: path.join(sharedFixtures, name),
      workers: 1,
      threadsPerWorker: 1,
    });
    t.teardown(() => engine.close());
    const ids = tokenizer.encode('The quick brown fox', false).filter((id) => id < engine.model.vocabSize);
    t.ok(ids.length > 0);
    for (const mode of ['off', 'selar', 'soft'] as const) {
      const events: GenerationEvent[] = [];
      for await (const e of engine.generate(
        request(ids, { selar: { mode, discreteTokens: 'math' }, stop: { maxTokens: 8, ignoreEos: true } }),
      ))
        events.push(e);
      const fin = events.at(-1)!;
      t.equal(fin.type, 'finish', `${mode}: finished`);
      t.equal(events.filter((e) => e.type === 'token').length, 8, `${mode}: 8 tokens`);
      t.ok(
        events.every((e) => e.type !== 'token' || (e.id >= 0 && e.id < engine.model.vocabSize)),
        `${mode}: ids in vocabulary`,
      );
    }
    // Greedy is deterministic across runs.
    const run = async () => {
      const out: number[] = [];
      for await (const e of engine.generate(
        request(ids, { selar: { mode: 'selar' }, stop: { maxTokens: 8, ignoreEos: true } }),
      ))
        if (e.type === 'token') out.push(e.id);
      return out;
    };
    t.same(await run(), await run());
    // Equal prompt lengths share one batched pass: each row must still get its solo tokens.
    const prompts = [
      ids,
      ids.map((id) => (id + 7) % engine.model.vocabSize),
      ids.map((id) => (id + 13) % engine.model.vocabSize),
    ];
    const solo = async (p: number[], mode: 'selar' | 'soft') => {
      const out: Array<[number, boolean]> = [];
      for await (const e of engine.generate(request(p, { selar: { mode }, stop: { maxTokens: 10, ignoreEos: true } })))
        if (e.type === 'token') out.push([e.id, e.soft]);
      return out;
    };
    const modes = ['selar', 'soft', 'selar'] as const;
    const alone = [];
    for (let i = 0; i < prompts.length; i++) alone.push(await solo(prompts[i], modes[i]));
    const together = await Promise.all(prompts.map((p, i) => solo(p, modes[i])));
    t.same(together, alone, 'concurrent rows equal their solo runs');
  });
}
