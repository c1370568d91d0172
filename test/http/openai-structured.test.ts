// The openai SDK's structured-output helper against a listening server on a generated
// Llama: chat.completions.parse with a zod schema returns a parsed object that zod (not
// the server) accepts, streamed and not.
import t from 'tap';
import OpenAI from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/create-engine.js';
import { llamaModel } from '../support/models.js';

const Person = z.object({
  name: z.string().regex(/^[A-Za-z]{1,10}$/),
  age: z.number().int().min(0).max(120),
  role: z.enum(['admin', 'user']),
  tags: z.array(z.enum(['a', 'b', 'c'])).max(3),
});

t.test('chat.completions.parse with zod', async (t) => {
  const modelDir = await llamaModel();
  const { engine, tokenizer } = await createEngine({ modelDir, workers: 1, threadsPerWorker: 1, queueSize: 16 });
  t.teardown(() => engine.close());
  const app = await buildApp({ config: loadConfig(['--model', modelDir], {}), engine, tokenizer });
  t.teardown(() => app.close());
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'none', maxRetries: 0 });
  const request = {
    model: engine.model.id,
    messages: [{ role: 'user' as const, content: 'A person, please.' }],
    response_format: zodResponseFormat(Person, 'person'),
    max_tokens: 120,
    temperature: 0.7,
    seed: 4,
    // The generated model thinks forever if allowed; its template can switch that off.
    chat_template_kwargs: { enable_thinking: false },
  } as Parameters<typeof client.chat.completions.parse>[0];
  const done = await client.chat.completions.parse(request);
  const message = done.choices[0].message;
  t.equal(done.choices[0].finish_reason, 'stop');
  t.ok(message.parsed, `parsed: ${message.content}`);
  t.ok(Person.safeParse(message.parsed).success, 'zod accepts the parsed object');

  const stream = client.chat.completions.stream(request as Parameters<typeof client.chat.completions.stream>[0]);
  const final = await stream.finalChatCompletion();
  t.ok(Person.safeParse(final.choices[0].message.parsed).success, `streamed: ${final.choices[0].message.content}`);
  t.same(final.choices[0].message.parsed, message.parsed, 'same seed, same object, streamed or not');
});
