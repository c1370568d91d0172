// --grammar-compile-timeout-ms end to end: a schema that compiles slowly is a 400
// naming the param it came from, streamed or not, and the server goes on serving.
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { engineOptions, loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/create-engine.js';
import { llamaModel } from '../support/models.js';
import { slowSchema } from '../support/slow-grammar.js';
import { post } from './helpers.js';

t.test('a compile over the limit is a 400 naming the param', async (t) => {
  const modelDir = await llamaModel();
  const config = loadConfig(['--model', modelDir, '--grammar-compile-timeout-ms', '200', '--workers', '1'], {});
  t.equal(engineOptions(config).grammarCompileTimeoutMs, 200, 'the flag reaches the engine');
  const { engine, tokenizer } = await createEngine({ ...engineOptions(config), threadsPerWorker: 1 });
  t.teardown(() => engine.close());
  const app = await buildApp({ config, engine, tokenizer });
  t.teardown(() => app.close());
  const model = engine.model.id;
  const messages = [{ role: 'user', content: 'Hi' }];
  const cases: Array<[Record<string, unknown>, string]> = [
    [
      { response_format: { type: 'json_schema', json_schema: { name: 'slow', schema: slowSchema } } },
      'response_format.json_schema.schema',
    ],
    [{ structured_outputs: { json: slowSchema }, stream: true }, 'structured_outputs.json'],
  ];
  for (const [body, param] of cases) {
    const res = await post(app, '/v1/chat/completions', { model, messages, max_tokens: 4, ...body });
    t.equal(res.statusCode, 400, `${param}: status`);
    const { error } = res.json() as { error: { type: string; param: string; message: string } };
    t.equal(error.type, 'invalid_request_error');
    t.equal(error.param, param);
    t.match(error.message, /exceeded the time limit of 200 ms/);
  }
  const ok = await post(app, '/v1/chat/completions', {
    model,
    messages,
    max_tokens: 4,
    response_format: { type: 'json_object' },
  });
  t.equal(ok.statusCode, 200, 'a grammar that compiles in time is served');
});
