// The client libraries people use, unmodified, against a listening server: the openai
// SDK (history round trips with its own message objects, the .stream() helper),
// LangChain's ChatOpenAI and the AI SDK's OpenAI-compatible provider. Each sends the
// `selar` object and reads the reasoning, the trace and the soft-token count back the
// way docs/clients.md shows. The engine is scripted, so every value is known.
import t from 'tap';
import OpenAI from 'openai';
import { createRequire } from 'node:module';
import type * as LangChainOpenAI from '@langchain/openai';
import type * as LangChainMessages from '@langchain/core/messages';
import { createOpenAICompatible, type MetadataExtractor } from '@ai-sdk/openai-compatible';
import { generateText, streamText } from 'ai';
import type { ScriptToken } from '../support/fake-engine.js';
import { ID } from '../support/tiny-tokenizer.js';
import { testApp } from './helpers.js';

/** A reasoning model's reply: "Hi" inside <think>…</think> (one soft step), then " Paris!". */
const REPLY: ScriptToken[] = [
  { id: ID['<think>'], text: '', reasoning: true },
  { id: ID.Hi, text: 'Hi', reasoning: true, soft: true, entropy: 0.9 },
  { id: ID['</think>'], text: '', reasoning: true },
  { id: ID[' Paris'], text: ' Paris' },
  { id: ID['!'], text: '!' },
];
const SELAR = { mode: 'selar', trace: true };

// LangChain is loaded through require: tap's TypeScript loader resolves one of the
// `openai` subpath imports its ESM build makes to a file that does not exist.
const require = createRequire(import.meta.url);
const { ChatOpenAI } = require('@langchain/openai') as typeof LangChainOpenAI;
const { HumanMessage } = require('@langchain/core/messages') as typeof LangChainMessages;
type BaseMessage = LangChainMessages.BaseMessage;
type AIMessageChunk = LangChainMessages.AIMessageChunk;

async function serve(t: Parameters<typeof testApp>[0]) {
  const { app, engine } = await testApp(t, {
    argv: ['--api-keys', 'sk-test'],
    engine: { script: () => REPLY, model: { thinkTokenIds: { open: ID['<think>'], close: ID['</think>'] } } },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  /** The prompt text the engine was given for request i (what the template rendered). */
  const rendered = (i: number) => engine.requests[i].promptIds;
  return { baseURL: `${url}/v1`, engine, rendered };
}

/** What selar-server adds to the OpenAI types. */
type SelarUsage = OpenAI.CompletionUsage & { completion_tokens_details: { soft_tokens: number } };
type SelarChoice = OpenAI.ChatCompletion.Choice & { selar_trace: Array<{ entropy: number; soft: boolean }> };
type SelarMessage = OpenAI.ChatCompletionMessage & { reasoning_content?: string | null };

t.test("openai SDK: selar in, reasoning/trace/soft tokens out; the SDK's own messages pushed back", async (t) => {
  const { baseURL, engine } = await serve(t);
  const client = new OpenAI({ baseURL, apiKey: 'sk-test', maxRetries: 0 });
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Hi' }];
  const first = await client.chat.completions.create({
    model: 'tiny',
    messages,
    selar: SELAR,
  } as OpenAI.ChatCompletionCreateParamsNonStreaming);
  const message = first.choices[0].message as SelarMessage;
  t.equal(message.content, ' Paris!');
  t.equal(message.reasoning_content, 'Hi');
  t.equal((first.usage as SelarUsage).completion_tokens_details.soft_tokens, 1);
  t.same(
    (first.choices[0] as SelarChoice).selar_trace.map((e) => e.soft),
    [false, true, false, false, false],
  );
  t.equal(engine.requests[0].selar.mode, 'selar');

  // The most common chat pattern: the reply object itself goes into the history.
  messages.push(first.choices[0].message, { role: 'user', content: 'ok' });
  const second = await client.chat.completions.create({
    model: 'tiny',
    messages,
    store: false,
    metadata: { app: 'test' },
  });
  t.equal(second.choices[0].message.content, ' Paris!');
  t.same(
    engine.requests[1].promptIds.slice(0, 9),
    [
      ID['<s>'],
      ID['<|user|>'],
      ID.Hi,
      ID['<|assistant|>'],
      ID[' Paris'],
      ID['!'],
      ID['<|user|>'],
      ID.ok,
      ID['<|assistant|>'],
    ],
    'the earlier reply is rendered into the prompt',
  );

  // The .stream() helper: content events, the final completion, reasoning from the raw chunks.
  const stream = client.chat.completions.stream({
    model: 'tiny',
    messages,
    stream_options: { include_usage: true },
    selar: SELAR,
  } as unknown as OpenAI.ChatCompletionCreateParamsStreaming);
  let content = '';
  let reasoning = '';
  let trace = 0;
  stream.on('content', (delta) => {
    content += delta;
  });
  stream.on('chunk', (chunk) => {
    const choice = chunk.choices[0] as
      | ((typeof chunk.choices)[0] & { delta: { reasoning_content?: string }; selar_trace?: unknown[] })
      | undefined;
    reasoning += choice?.delta.reasoning_content ?? '';
    trace += choice?.selar_trace?.length ?? 0;
  });
  const final = await stream.finalChatCompletion();
  t.equal(content, ' Paris!');
  t.equal(final.choices[0].message.content, ' Paris!');
  t.equal(reasoning, 'Hi');
  t.equal(trace, 5);
  t.equal((final.usage as SelarUsage).completion_tokens_details.soft_tokens, 1);
  messages.push(final.choices[0].message, { role: 'user', content: 'ok' });
  const third = await client.chat.completions.create({ model: 'tiny', messages });
  t.equal(third.choices[0].message.content, ' Paris!', "the stream helper's message goes back in too");
});

t.test('LangChain ChatOpenAI: invoke, stream, multi-turn', async (t) => {
  const { baseURL, engine } = await serve(t);
  const model = new ChatOpenAI({
    model: 'tiny',
    apiKey: 'sk-test',
    maxRetries: 0,
    configuration: { baseURL },
    modelKwargs: { selar: SELAR },
    // The trace is on the choice, outside the message: the raw response carries it.
    __includeRawResponse: true,
  });
  const reply = await model.invoke([new HumanMessage('Hi')]);
  t.equal(reply.content, ' Paris!');
  t.equal(reply.additional_kwargs.reasoning_content, 'Hi');
  t.equal((reply.response_metadata.usage as SelarUsage).completion_tokens_details.soft_tokens, 1);
  const raw = reply.additional_kwargs.__raw_response as OpenAI.ChatCompletion;
  t.equal((raw.choices[0] as SelarChoice).selar_trace.length, 5);
  t.equal(engine.requests[0].selar.trace, true);

  const history: BaseMessage[] = [new HumanMessage('Hi'), reply, new HumanMessage('ok')];
  const next = await model.invoke(history);
  t.equal(next.content, ' Paris!', 'the AIMessage goes back into the history');
  t.same(engine.requests[1].promptIds.slice(3, 6), [ID['<|assistant|>'], ID[' Paris'], ID['!']]);

  let full: AIMessageChunk | undefined;
  let reasoning = '';
  for await (const chunk of await model.stream(history)) {
    reasoning += (chunk.additional_kwargs.reasoning_content as string | undefined) ?? '';
    full = full === undefined ? chunk : full.concat(chunk);
  }
  t.equal(full?.content, ' Paris!');
  t.equal(reasoning, 'Hi');
  t.equal(full?.usage_metadata?.output_tokens, 5, 'usage arrives with the stream');
  t.equal(full?.usage_metadata?.output_token_details?.reasoning, 3);
});

/** The AI SDK keeps provider metadata it is told to: the soft-token count and the trace. */
const selarMetadata: MetadataExtractor = {
  extractMetadata: async ({ parsedBody }) => {
    const body = parsedBody as OpenAI.ChatCompletion;
    return {
      selar: {
        softTokens: (body.usage as SelarUsage).completion_tokens_details.soft_tokens,
        trace: (body.choices[0] as SelarChoice).selar_trace ?? [],
      },
    };
  },
  createStreamExtractor: () => {
    const trace: unknown[] = [];
    let softTokens: number | undefined;
    return {
      processChunk(chunk) {
        const c = chunk as OpenAI.ChatCompletionChunk & { usage?: SelarUsage | null };
        trace.push(...((c.choices?.[0] as { selar_trace?: unknown[] } | undefined)?.selar_trace ?? []));
        if (c.usage) softTokens = c.usage.completion_tokens_details.soft_tokens;
      },
      buildMetadata: () => ({ selar: { softTokens: softTokens ?? null, trace: trace as never } }),
    };
  },
};

t.test('AI SDK: generateText and streamText with reasoning, multi-turn', async (t) => {
  const { baseURL, engine } = await serve(t);
  const selar = createOpenAICompatible({
    name: 'selar',
    baseURL,
    apiKey: 'sk-test',
    includeUsage: true,
    metadataExtractor: selarMetadata,
  });
  const providerOptions = { selar: { selar: SELAR } };
  const result = await generateText({ model: selar('tiny'), prompt: 'Hi', providerOptions, maxRetries: 0 });
  t.equal(result.text, ' Paris!');
  t.equal(result.reasoningText, 'Hi');
  const generated = result.providerMetadata!.selar;
  t.equal(generated.softTokens, 1);
  t.equal((generated.trace as unknown[]).length, 5);
  t.equal(result.usage.outputTokenDetails?.reasoningTokens, 3);
  t.same(engine.requests[0].selar.trace, true);

  const next = await generateText({
    model: selar('tiny'),
    maxRetries: 0,
    messages: [{ role: 'user', content: 'Hi' }, ...result.response.messages, { role: 'user', content: 'ok' }],
  });
  t.equal(next.text, ' Paris!', "the SDK's response messages (with their reasoning part) go back in");

  const streamed = streamText({ model: selar('tiny'), prompt: 'Hi', providerOptions, maxRetries: 0 });
  let text = '';
  for await (const part of streamed.textStream) text += part;
  t.equal(text, ' Paris!');
  t.equal(await streamed.reasoningText, 'Hi');
  const metadata = (await streamed.providerMetadata)!.selar;
  t.equal(metadata.softTokens, 1);
  t.equal((metadata.trace as unknown[]).length, 5);
});
