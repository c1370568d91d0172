import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type { ChatResult } from '../../src/eval/client.js';
import { expandConfigs } from '../../src/eval/configs.js';
import { parseDataset } from '../../src/eval/dataset.js';
import { ResultsFile, resultKey } from '../../src/eval/results-file.js';
import { planTasks, runTasks, type PromptOptions } from '../../src/eval/runner.js';

const problems = parseDataset(
  [1, 2, 3].map((i) => JSON.stringify({ question: `What is ${i} + ${i}?`, answer: `#### ${2 * i}` })).join('\n'),
);
const configs = expandConfigs({
  presets: ['off-greedy', 'off-sampled'],
  taus: [],
  n: 2,
  temperature: 0.7,
  topP: 1,
  selar: {},
  maxTokens: null,
});
const prompt: PromptOptions = { model: 'm', system: null, seedBase: 0 };
const reply = (body: Record<string, any>): ChatResult => {
  const n = Number(/What is (\d+)/.exec(body.messages[0].content)![1]);
  return {
    content: `The answer is ${2 * n}.`,
    reasoning: '',
    finishReason: 'stop',
    promptTokens: 5,
    completionTokens: 7,
    softTokens: 0,
  };
};

function tempResults(t: { teardown: (f: () => void) => void }): ResultsFile {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-resume-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return new ResultsFile(path.join(dir, 'results.jsonl'));
}

const keys = (r: ResultsFile) => new Set(r.load().records.keys());

t.test('an interrupted run keeps what finished; the rerun does only the rest', async (t) => {
  const results = tempResults(t);
  const tasks = planTasks(configs, problems, prompt);
  t.equal(tasks.length, 3 + 6);
  let calls = 0;
  const failing = async (body: Record<string, any>) => {
    if (++calls === 5) throw new Error('server went away');
    return reply(body);
  };
  await t.rejects(
    runTasks(tasks, { prompt, concurrency: 1, send: failing, results, done: new Set() }),
    /server went away/,
  );
  t.equal(keys(results).size, 4, 'the four finished requests were saved');

  const sent: Array<Record<string, any>> = [];
  const done = keys(results);
  const ran = await runTasks(tasks, {
    prompt,
    concurrency: 3,
    send: async (b) => {
      sent.push(b);
      return reply(b);
    },
    results,
    done,
  });
  t.equal(ran, 5);
  t.equal(sent.length, 5, 'only the missing five were requested');
  const all = results.load().records;
  t.equal(all.size, 9);
  for (const task of tasks) t.ok(all.has(resultKey(task.fingerprint, task.problem.id, task.sample)));
  t.ok([...all.values()].every((r) => r.correct && r.method === 'answer_is'));

  const again = await runTasks(tasks, {
    prompt,
    concurrency: 2,
    send: async () => t.fail('nothing left to send') as never,
    results,
    done: keys(results),
  });
  t.equal(again, 0, 'a complete file sends nothing');
});

t.test('changed settings are not served from old results', async (t) => {
  const results = tempResults(t);
  const tasks = planTasks(configs, problems, prompt);
  await runTasks(tasks, { prompt, concurrency: 2, send: async (b) => reply(b), results, done: new Set() });
  const hotter = planTasks(
    expandConfigs({
      presets: ['off-greedy', 'off-sampled'],
      taus: [],
      n: 2,
      temperature: 0.9,
      topP: 1,
      selar: {},
      maxTokens: null,
    }),
    problems,
    prompt,
  );
  let sent = 0;
  await runTasks(hotter, {
    prompt,
    concurrency: 2,
    send: async (b) => {
      sent++;
      return reply(b);
    },
    results,
    done: keys(results),
  });
  t.equal(sent, 6, 'off-greedy is unchanged and reused; off-sampled at a new temperature is rerun');
  const otherSeeds = planTasks(configs, problems, { ...prompt, seedBase: 1 });
  const reusable = otherSeeds.filter((task) =>
    keys(results).has(resultKey(task.fingerprint, task.problem.id, task.sample)),
  );
  t.equal(reusable.length, 3, 'a new --seed reruns the sampled configuration only');
});

t.test('a line cut short by a crash is skipped and the next record starts on a new line', async (t) => {
  const results = tempResults(t);
  const tasks = planTasks(configs.slice(0, 1), problems, prompt);
  await runTasks(tasks.slice(0, 2), { prompt, concurrency: 1, send: async (b) => reply(b), results, done: new Set() });
  fs.appendFileSync(results.path, '{"config":"off-greedy","fingerp');
  const loaded = results.load();
  t.equal(loaded.records.size, 2);
  t.equal(loaded.skippedLines, 1);
  await runTasks(tasks, {
    prompt,
    concurrency: 1,
    send: async (b) => reply(b),
    results,
    done: new Set(loaded.records.keys()),
  });
  const reloaded = results.load();
  t.equal(reloaded.records.size, 3);
  t.equal(reloaded.skippedLines, 1, 'only the torn line is unreadable');
});
