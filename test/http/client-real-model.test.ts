// The openai SDK against the bundled demo model through the real worker pool: the
// history round trip renders through the model's own template and decodes, the trace
// and soft-token count agree, and /tokenize counts the prompt the generation ran on.
import path from 'node:path';
import t from 'tap';
import OpenAI from 'openai';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/create-engine.js';

const modelDir = path.resolve(import.meta.dirname, '../../models/selar-demo');

type Reply = OpenAI.ChatCompletion & {
  choices: Array<OpenAI.ChatCompletion.Choice & { selar_trace: Array<{ soft: boolean }> }>;
  usage: OpenAI.CompletionUsage & { completion_tokens_details: { soft_tokens: number; reasoning_tokens: number } };
};

t.test('openai SDK on the demo model: selar, trace, history round trip, tokenize', async (t) => {
  const { engine, tokenizer } = await createEngine({ modelDir, workers: 1, threadsPerWorker: 1, queueSize: 4 });
  t.teardown(() => engine.close());
  const app = await buildApp({ config: loadConfig(['--model', modelDir], {}), engine, tokenizer });
  t.teardown(() => app.close());
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'none', maxRetries: 0 });

  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is 12 * 7?' }];
  const body = { model: 'selar-demo', messages, max_tokens: 24, temperature: 0, selar: { mode: 'selar', trace: true } };
  const first = (await client.chat.completions.create(body as OpenAI.ChatCompletionCreateParamsNonStreaming)) as Reply;
  const choice = first.choices[0];
  t.equal(choice.selar_trace.length, first.usage.completion_tokens);
  t.equal(first.usage.completion_tokens_details.soft_tokens, choice.selar_trace.filter((e) => e.soft).length);
  const counted = (await app.inject({ method: 'POST', url: '/tokenize', payload: { messages } })).json();
  t.equal(counted.count, first.usage.prompt_tokens, '/tokenize counts the prompt the generation ran on');

  messages.push(choice.message, { role: 'user', content: 'And 13 * 7?' });
  const second = (await client.chat.completions.create({
    ...body,
    messages,
  } as OpenAI.ChatCompletionCreateParamsNonStreaming)) as Reply;
  const rendered = (await app.inject({ method: 'POST', url: '/tokenize', payload: { messages } })).json();
  t.equal(second.usage.prompt_tokens, rendered.count);
  const text = (await app.inject({ method: 'POST', url: '/detokenize', payload: { tokens: rendered.tokens } })).json()
    .prompt;
  t.ok(
    text.includes(`<|im_start|>assistant\n${choice.message.content}<|im_end|>`),
    'the earlier answer is part of the new prompt',
  );
});
