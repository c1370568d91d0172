// The HTTP layer over the real worker pool and a small generated Llama: greedy
// trajectories through HTTP equal the engine's own, streamed or not, alone or with
// other requests running at the same time.
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/create-engine.js';
import { CompletionRequest } from '../../src/protocol/completions.js';
import { planCompletion } from '../../src/serving/completion-request.js';
import { servingContext } from '../../src/serving/context.js';
import { validator } from '../../src/protocol/validate.js';
import { llamaModel } from '../support/models.js';
import { complete, sseData } from './helpers.js';

t.test('greedy through HTTP = greedy in the engine, alone and concurrently', async (t) => {
  const modelDir = await llamaModel();
  // One worker, one thread: the machine's cores are shared with other work.
  const { engine, tokenizer } = await createEngine({ modelDir, workers: 1, threadsPerWorker: 1, queueSize: 16 });
  t.teardown(() => engine.close());
  const config = loadConfig(['--model', modelDir], {});
  const app = await buildApp({ config, engine, tokenizer });
  t.teardown(() => app.close());
  const model = engine.model.id;
  const body = {
    model,
    prompt: [5, 17, 42, 9],
    max_tokens: 12,
    temperature: 0,
    ignore_eos: true,
    return_token_ids: true,
    selar: { mode: 'selar', entropy_threshold: 0.3, trace: true },
  };

  // The engine alone, on the request the serving layer resolves.
  const ctx = servingContext(config, engine, tokenizer);
  const plan = planCompletion(validator(CompletionRequest).parse(body), ctx);
  const direct: number[] = [];
  for await (const ev of engine.generate(plan.sequences[0])) if (ev.type === 'token') direct.push(ev.id);
  t.equal(direct.length, 12);

  const alone = (await complete(app, body)).json();
  t.same(alone.choices[0].token_ids, direct, 'HTTP alone');
  t.equal(alone.choices[0].selar_trace.length, 12);
  t.equal(
    alone.usage.completion_tokens_details.soft_tokens,
    alone.choices[0].selar_trace.filter((e: { soft: boolean }) => e.soft).length,
  );

  const [same, , streamed] = await Promise.all([
    complete(app, body),
    complete(app, { ...body, prompt: [7, 7, 7], temperature: 0.9, seed: 3, n: 2 }),
    complete(app, { ...body, stream: true }),
  ]);
  t.same(same.json().choices[0].token_ids, direct, 'HTTP with other requests running');
  const chunks = sseData(streamed.body).slice(0, -1) as Array<{
    choices: Array<{ token_ids: number[]; text: string }>;
  }>;
  t.same(
    chunks.flatMap((c) => c.choices[0].token_ids),
    direct,
    'streamed ids',
  );
  t.equal(chunks.map((c) => c.choices[0].text).join(''), alone.choices[0].text, 'streamed text');
});
