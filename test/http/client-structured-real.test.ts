// The client libraries' structured-output and tool helpers against a generated Llama over
// the real worker pool: whatever the random model writes, grammar-constrained decoding
// keeps it inside the schema, so LangChain's withStructuredOutput (both methods), the AI
// SDK's generateObject and tool calls, and the openai SDK's parse with zodFunction all
// return values that ajv, compiled from a hand-written schema, accepts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import OpenAI from 'openai';
import { createRequire } from 'node:module';
import { zodFunction } from 'openai/helpers/zod';
import { Ajv } from 'ajv';
import { z } from 'zod';
import type * as LangChainOpenAI from '@langchain/openai';
import type * as LangChainMessages from '@langchain/core/messages';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateObject, generateText, tool } from 'ai';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/create-engine.js';
import { llamaModel } from '../support/models.js';

const require = createRequire(import.meta.url);
const { ChatOpenAI } = require('@langchain/openai') as typeof LangChainOpenAI;
const { HumanMessage } = require('@langchain/core/messages') as typeof LangChainMessages;

// Qwen3's template: Hermes tool calls, and thinking can be switched off (a random model thinks forever).
const QWEN3 = path.resolve(import.meta.dirname, '../fixtures/chat-templates/qwen3.jinja');
const NO_THINKING = { chat_template_kwargs: { enable_thinking: false } };

const City = z.object({
  city: z.string().regex(/^[A-Za-z]{1,8}$/),
  population: z.number().int().min(0).max(99999),
  tags: z.array(z.enum(['old', 'big'])).max(2),
});
/** The same schema written out by hand: the check does not go through zod's or the server's conversion. */
const CITY_SCHEMA = {
  type: 'object',
  properties: {
    city: { type: 'string', pattern: '^[A-Za-z]{1,8}$' },
    population: { type: 'integer', minimum: 0, maximum: 99999 },
    tags: { type: 'array', items: { enum: ['old', 'big'] }, maxItems: 2 },
  },
  required: ['city', 'population', 'tags'],
  additionalProperties: false,
};
const validCity = new Ajv({ strict: false }).compile(CITY_SCHEMA);

t.test('structured outputs and tool calls from the client libraries are schema-valid', async (t) => {
  // Tool descriptions spelled out in byte tokens need a longer context than the default.
  const src = await llamaModel({ maxPositions: 1536 });
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'client-structured-'));
  t.teardown(() => fs.rmSync(modelDir, { recursive: true, force: true }));
  fs.cpSync(src, modelDir, { recursive: true });
  fs.copyFileSync(QWEN3, path.join(modelDir, 'chat_template.jinja'));
  const { engine, tokenizer } = await createEngine({ modelDir, workers: 1, threadsPerWorker: 1, queueSize: 16 });
  t.teardown(() => engine.close());
  const app = await buildApp({ config: loadConfig(['--model', modelDir], {}), engine, tokenizer });
  t.teardown(() => app.close());
  const baseURL = `${await app.listen({ host: '127.0.0.1', port: 0 })}/v1`;
  const id = engine.model.id;

  const model = new ChatOpenAI({
    model: id,
    apiKey: 'none',
    maxRetries: 0,
    configuration: { baseURL },
    temperature: 0.8,
    maxTokens: 150,
    modelKwargs: { seed: 3, ...NO_THINKING },
  });
  for (const method of ['jsonSchema', 'functionCalling'] as const) {
    const structured = model.withStructuredOutput(City, { name: 'city', method, includeRaw: true });
    const { raw } = await structured.invoke([new HumanMessage('A city?')]);
    const value =
      method === 'jsonSchema'
        ? JSON.parse(raw.content as string)
        : (raw as LangChainMessages.AIMessage).tool_calls?.[0]?.args;
    t.ok(validCity(value), `LangChain ${method}: ${JSON.stringify(value)}`);
  }

  const selar = createOpenAICompatible({ name: 'selar', baseURL, apiKey: 'none', supportsStructuredOutputs: true });
  const options = { maxOutputTokens: 150, temperature: 0.8, seed: 5, maxRetries: 0 };
  const providerOptions = { selar: NO_THINKING };
  const { object } = await generateObject({
    model: selar(id),
    schema: City,
    prompt: 'A city?',
    providerOptions,
    ...options,
  });
  t.ok(validCity(object), `AI SDK generateObject: ${JSON.stringify(object)}`);
  const called = await generateText({
    model: selar(id),
    prompt: 'A city?',
    tools: { city: tool({ inputSchema: City }) },
    toolChoice: 'required',
    providerOptions,
    ...options,
  });
  t.equal(called.toolCalls.length, 1);
  t.ok(validCity(called.toolCalls[0]?.input), `AI SDK tool call: ${JSON.stringify(called.toolCalls[0]?.input)}`);

  const client = new OpenAI({ baseURL, apiKey: 'none', maxRetries: 0 });
  const parsed = await client.chat.completions.parse({
    model: id,
    messages: [{ role: 'user', content: 'A city?' }],
    tools: [zodFunction({ name: 'city', parameters: City })],
    tool_choice: { type: 'function', function: { name: 'city' } },
    max_tokens: 150,
    temperature: 0.8,
    seed: 7,
    ...NO_THINKING,
  } as Parameters<typeof client.chat.completions.parse>[0]);
  const call = parsed.choices[0].message.tool_calls?.[0];
  t.equal(parsed.choices[0].finish_reason, 'tool_calls');
  t.ok(
    call?.type === 'function' && validCity(call.function.parsed_arguments),
    `openai parse with zodFunction: ${JSON.stringify(call)}`,
  );
});
