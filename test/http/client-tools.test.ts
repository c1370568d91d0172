// Tools and structured outputs as the client libraries' users call them, against a
// listening server with a scripted engine: the openai SDK's runTools / parse helpers,
// LangChain's bindTools / withStructuredOutput and the AI SDK's tools / generateObject.
// The scripted model calls `capital` until the tool's result (" Paris!") is in its
// prompt, then answers; so each round trip only ends if the client sent the tool result
// back in a shape the server accepts and renders through the chat template.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import OpenAI from 'openai';
import { createRequire } from 'node:module';
import { zodFunction, zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import type * as LangChainOpenAI from '@langchain/openai';
import type * as LangChainMessages from '@langchain/core/messages';
import type * as LangChainTools from '@langchain/core/tools';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateObject, generateText, stepCountIs, streamObject, streamText, tool } from 'ai';
import type { GenerationRequest } from '../../src/engine/types.js';
import type { ScriptToken } from '../support/fake-engine.js';
import { ID, tinyTokenizer } from '../support/tiny-tokenizer.js';
import { testApp } from './helpers.js';

// The AI SDK logs a console warning for json_object mode, which the last test uses on purpose.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const require = createRequire(import.meta.url);
const { ChatOpenAI } = require('@langchain/openai') as typeof LangChainOpenAI;
const { HumanMessage } = require('@langchain/core/messages') as typeof LangChainMessages;
const lc = require('@langchain/core/tools') as typeof LangChainTools;
type BaseMessage = LangChainMessages.BaseMessage;
type AIMessageChunk = LangChainMessages.AIMessageChunk;

// Qwen2.5's template: Hermes-style <tool_call> blocks, tool results in <tool_response>.
const QWEN = fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/chat-templates/qwen2.5.jinja'), 'utf8');

const QUESTION = 'Capital of France?';
/** What the tool returns; the tiny vocabulary spells it as [" Paris", "!"], found in no other message. */
const RESULT = ' Paris!';
const RESULT_IDS = [ID[' Paris'], ID['!']];
const CALL = ['<tool_call>\n{"name": "capital", ', '"arguments": {"country": ', '"France"}}\n</tool_call>'];
const ANSWER = ['It is', ' Paris.'];
const Country = z.object({ country: z.string() });
const capitalOf = ({ country }: { country: string }) => (country === 'France' ? RESULT : ' unknown');

const CITY = ['{"city": "Paris", ', '"population": 2100000, ', '"tags": ["capital"]}'];
const City = z.object({ city: z.string(), population: z.number().int(), tags: z.array(z.string()) });
const CITY_OBJECT = { city: 'Paris', population: 2100000, tags: ['capital'] };

const tokens = (texts: string[]): ScriptToken[] => texts.map((text, i) => ({ id: 5 + i, text }));
const hasRun = (ids: number[], run: number[]) => ids.some((_, i) => run.every((id, k) => ids[i + k] === id));
/** The scripted model: a `capital` call, or the answer once the tool's result is in the prompt. */
const toolScript = (req: GenerationRequest) => tokens(hasRun(req.promptIds, RESULT_IDS) ? ANSWER : CALL);

async function serve(t: Parameters<typeof testApp>[0], script: (req: GenerationRequest) => ScriptToken[]) {
  const { app, engine } = await testApp(t, {
    tokenizer: tinyTokenizer({ chatTemplate: QWEN }),
    engine: { model: { contextLength: 4096 }, script },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const grammar = (i: number) => engine.requests[i].grammar?.type;
  return { baseURL: `${url}/v1`, engine, grammar };
}

t.test('openai SDK: runTools runs the tool and sends its result back, streamed and not', async (t) => {
  const { baseURL, engine } = await serve(t, toolScript);
  const client = new OpenAI({ baseURL, apiKey: 'none', maxRetries: 0 });
  const args: unknown[] = [];
  const capital = zodFunction({
    name: 'capital',
    parameters: Country,
    function: (a) => {
      args.push(a);
      return capitalOf(a);
    },
  });
  const runner = client.chat.completions.runTools({
    model: 'tiny',
    messages: [{ role: 'user', content: QUESTION }],
    tools: [capital],
  });
  t.equal(await runner.finalContent(), ANSWER.join(''));
  t.same(args, [{ country: 'France' }], 'the arguments, parsed by zod');
  const messages = runner.messages;
  t.same(
    messages.map((m) => m.role),
    ['user', 'assistant', 'tool', 'assistant'],
  );
  const call = messages[1] as OpenAI.ChatCompletionAssistantMessageParam;
  t.equal((messages[2] as OpenAI.ChatCompletionToolMessageParam).tool_call_id, call.tool_calls?.[0].id);
  t.equal(engine.requests.length, 2);
  t.ok(hasRun(engine.requests[1].promptIds, RESULT_IDS), 'the tool result is rendered into the second prompt');

  const streamed = client.chat.completions.runTools({
    model: 'tiny',
    messages: [{ role: 'user', content: QUESTION }],
    tools: [capital],
    stream: true,
  });
  let content = '';
  streamed.on('content', (delta) => {
    content += delta;
  });
  t.equal(await streamed.finalContent(), ANSWER.join(''));
  t.equal(content, ANSWER.join(''));
  const calls = streamed.messages.flatMap((m) => (m.role === 'assistant' ? (m.tool_calls ?? []) : []));
  t.same(
    calls.map((c) => c.type === 'function' && { name: c.function.name, arguments: c.function.arguments }),
    [{ name: 'capital', arguments: '{"country":"France"}' }],
    'the streamed tool-call deltas reassembled',
  );
  t.same(args, [{ country: 'France' }, { country: 'France' }]);
});

t.test('openai SDK: parse with zodFunction tools and with zodResponseFormat', async (t) => {
  const { baseURL, grammar } = await serve(t, (req) =>
    tokens(req.grammar?.type === 'json_schema' ? CITY : hasRun(req.promptIds, RESULT_IDS) ? ANSWER : CALL),
  );
  const client = new OpenAI({ baseURL, apiKey: 'none', maxRetries: 0 });
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: QUESTION }];
  const tools = [zodFunction({ name: 'capital', parameters: Country })];
  const called = await client.chat.completions.parse({ model: 'tiny', messages, tools });
  const message = called.choices[0].message;
  t.equal(called.choices[0].finish_reason, 'tool_calls');
  const toolCall = message.tool_calls?.[0];
  if (toolCall?.type !== 'function') return t.fail(`a function call: ${JSON.stringify(message)}`);
  t.same(toolCall.function.parsed_arguments, { country: 'France' });
  t.equal(grammar(0), 'structural_tag', "the tool's schema reaches the engine");

  // The parsed message (parsed_arguments, parsed: null) goes back into the history as it is.
  messages.push(message, { role: 'tool', tool_call_id: toolCall.id, content: RESULT });
  const answered = await client.chat.completions.parse({ model: 'tiny', messages, tools });
  t.equal(answered.choices[0].message.content, ANSWER.join(''));

  const request = { model: 'tiny', messages, response_format: zodResponseFormat(City, 'city') };
  const parsed = await client.chat.completions.parse(request);
  t.same(parsed.choices[0].message.parsed, CITY_OBJECT);
  t.equal(grammar(2), 'json_schema');
  const final = await client.chat.completions.stream(request).finalChatCompletion();
  t.same(final.choices[0].message.parsed, CITY_OBJECT, 'streamed');
});

t.test('LangChain: bindTools, the call, the ToolMessage back, streamed and not', async (t) => {
  const { baseURL, engine, grammar } = await serve(t, toolScript);
  const model = new ChatOpenAI({ model: 'tiny', apiKey: 'none', maxRetries: 0, configuration: { baseURL } });
  const capital = lc.tool(capitalOf, { name: 'capital', description: 'The capital of a country', schema: Country });
  const bound = model.bindTools([capital]);

  const history: BaseMessage[] = [new HumanMessage(QUESTION)];
  const call = await bound.invoke(history);
  t.equal(call.tool_calls?.length, 1);
  t.match(call.tool_calls?.[0], { name: 'capital', args: { country: 'France' }, type: 'tool_call' });
  t.equal(grammar(0), 'structural_tag');
  const toolMessage = await capital.invoke(call.tool_calls![0]);
  t.equal(toolMessage.content, RESULT);
  t.equal(toolMessage.tool_call_id, call.tool_calls![0].id);
  history.push(call, toolMessage);
  const answer = await bound.invoke(history);
  t.equal(answer.content, ANSWER.join(''));
  t.ok(hasRun(engine.requests[1].promptIds, RESULT_IDS), 'the ToolMessage is rendered into the prompt');

  let full: AIMessageChunk | undefined;
  for await (const chunk of await bound.stream([new HumanMessage(QUESTION)])) {
    full = full === undefined ? chunk : full.concat(chunk);
  }
  t.match(full?.tool_calls, [{ name: 'capital', args: { country: 'France' } }], 'tool-call chunks reassembled');
  const streamedResult = await capital.invoke(full!.tool_calls![0]);
  let text = '';
  for await (const chunk of await bound.stream([new HumanMessage(QUESTION), full!, streamedResult])) {
    text += chunk.content as string;
  }
  t.equal(text, ANSWER.join(''), 'the streamed AIMessageChunk and the ToolMessage go back in');

  // Strict tools and a named tool_choice, as bindTools sends them.
  const forced = model.bindTools([capital], { strict: true, tool_choice: 'capital' });
  const forcedCall = await forced.invoke([new HumanMessage(QUESTION)]);
  t.match(forcedCall.tool_calls, [{ name: 'capital', args: { country: 'France' } }]);
  t.equal(grammar(4), 'structural_tag');
});

t.test('LangChain: withStructuredOutput, json_schema and function calling', async (t) => {
  const cityCall = [`<tool_call>\n{"name": "city", "arguments": ${CITY.join('')}}\n</tool_call>`];
  const { baseURL, grammar } = await serve(t, (req) => tokens(req.grammar?.type === 'json_schema' ? CITY : cityCall));
  const model = new ChatOpenAI({ model: 'tiny', apiKey: 'none', maxRetries: 0, configuration: { baseURL } });

  const viaSchema = model.withStructuredOutput(City, { name: 'city', method: 'jsonSchema' });
  t.same(await viaSchema.invoke([new HumanMessage('A city?')]), CITY_OBJECT);
  t.equal(grammar(0), 'json_schema');
  const viaTool = model.withStructuredOutput(City, { name: 'city', method: 'functionCalling' });
  t.same(await viaTool.invoke([new HumanMessage('A city?')]), CITY_OBJECT);
  t.equal(grammar(1), 'structural_tag', 'a forced call of the `city` tool');
  const withRaw = model.withStructuredOutput(City, { name: 'city', method: 'jsonSchema', includeRaw: true });
  const both = await withRaw.invoke([new HumanMessage('A city?')]);
  t.same(both.parsed, CITY_OBJECT);
  t.equal(both.raw.content, CITY.join(''));
});

t.test('AI SDK: tools with execute, the follow-up turn with the result, streamed and not', async (t) => {
  const { baseURL, engine, grammar } = await serve(t, toolScript);
  const selar = createOpenAICompatible({ name: 'selar', baseURL, apiKey: 'none', includeUsage: true });
  const inputs: unknown[] = [];
  const tools = {
    capital: tool({
      description: 'The capital of a country',
      inputSchema: Country,
      execute: async (input) => {
        inputs.push(input);
        return capitalOf(input);
      },
    }),
  };
  const common = { model: selar('tiny'), prompt: QUESTION, tools, stopWhen: stepCountIs(3), maxRetries: 0 };
  const result = await generateText(common);
  t.equal(result.text, ANSWER.join(''));
  t.equal(result.steps.length, 2);
  t.match(result.steps[0].toolCalls, [{ toolName: 'capital', input: { country: 'France' } }]);
  t.match(result.steps[0].toolResults, [{ toolName: 'capital', output: RESULT }]);
  t.equal(result.steps[0].finishReason, 'tool-calls');
  t.same(inputs, [{ country: 'France' }]);
  t.equal(grammar(0), 'structural_tag');
  t.ok(hasRun(engine.requests[1].promptIds, RESULT_IDS), 'the tool result is rendered into the second prompt');

  const streamed = streamText(common);
  const parts: string[] = [];
  for await (const part of streamed.fullStream) {
    if (part.type === 'tool-call') parts.push(`call ${part.toolName} ${JSON.stringify(part.input)}`);
    if (part.type === 'tool-result') parts.push(`result ${part.output}`);
    if (part.type === 'text-delta') parts.push(`text ${part.text}`);
  }
  // How the answer is cut into deltas is the server's choice: with tools it may hold text back.
  t.same(parts.slice(0, 2), ['call capital {"country":"France"}', `result ${RESULT}`]);
  t.equal(
    parts
      .slice(2)
      .map((p) => p.replace(/^text /, ''))
      .join(''),
    ANSWER.join(''),
  );
  t.equal(await streamed.text, ANSWER.join(''));

  // The response messages (the call and the tool result) go back in by hand as well.
  const next = await generateText({
    model: selar('tiny'),
    tools,
    maxRetries: 0,
    messages: [{ role: 'user', content: QUESTION }, ...result.steps[0].response.messages],
  });
  t.equal(next.text, ANSWER.join(''));

  // A forced call of a named tool, without execute: the call is the result.
  const forced = await generateText({
    model: selar('tiny'),
    prompt: QUESTION,
    tools: { capital: tool({ inputSchema: Country }) },
    toolChoice: { type: 'tool', toolName: 'capital' },
    maxRetries: 0,
  });
  t.match(forced.toolCalls, [{ toolName: 'capital', input: { country: 'France' } }]);
  t.equal(forced.finishReason, 'tool-calls');
});

t.test('AI SDK: generateObject and streamObject', async (t) => {
  const { baseURL, grammar } = await serve(t, () => tokens(CITY));
  const strict = createOpenAICompatible({ name: 'selar', baseURL, apiKey: 'none', supportsStructuredOutputs: true });
  const { object } = await generateObject({ model: strict('tiny'), schema: City, prompt: 'A city?', maxRetries: 0 });
  t.same(object, CITY_OBJECT);
  t.equal(grammar(0), 'json_schema');

  const streamed = streamObject({ model: strict('tiny'), schema: City, prompt: 'A city?', maxRetries: 0 });
  const partials: unknown[] = [];
  for await (const partial of streamed.partialObjectStream) partials.push(partial);
  t.same(await streamed.object, CITY_OBJECT);
  t.same(partials.at(-1), CITY_OBJECT);
  t.ok(partials.length > 1, 'partial objects while it streams');

  // Without supportsStructuredOutputs the provider asks for json_object and puts the schema in the prompt.
  const plain = createOpenAICompatible({ name: 'selar', baseURL, apiKey: 'none' });
  const loose = await generateObject({ model: plain('tiny'), schema: City, prompt: 'A city?', maxRetries: 0 });
  t.same(loose.object, CITY_OBJECT);
  t.equal(grammar(2), 'json_object');
});
