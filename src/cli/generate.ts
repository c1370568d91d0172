// `selar generate`: one request through exactly the path the server uses — the same
// validation and resolution (src/serving) and the same worker pool and decode loop —
// without HTTP.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { configFrom, engineOptions, type Config } from '../config.js';
import { createEngine } from '../engine/create-engine.js';
import { ChatCompletionRequest, type ChatCompletion } from '../protocol/chat.js';
import { CompletionRequest, type Completion } from '../protocol/completions.js';
import { planChat } from '../serving/chat-request.js';
import { planCompletion } from '../serving/completion-request.js';
import { servingContext } from '../serving/context.js';
import { generateResponse } from '../serving/run-generation.js';
import { validator } from '../protocol/validate.js';

const HELP = `usage: selar generate --model DIR (--prompt TEXT | --prompt-ids 1,2,3 | --messages JSON) [options]

  --prompt TEXT          raw text prompt (tokenised with the tokenizer's special tokens, as /v1/completions does)
  --prompt-ids IDS       comma-separated prompt token ids
  --messages JSON        chat messages, rendered with the model's chat template (as /v1/chat/completions)
  --max-tokens N         tokens to generate (default: up to the context length)
  --temperature T        0 = greedy (default: generation_config.json, else 1)
  --top-p P, --top-k K, --min-p P, --seed S, --stop STRING (repeatable)
  --selar JSON           the selar request object, e.g. '{"mode":"selar","entropy_threshold":0.5}'
  --device D, --dtype D  as for selar serve
  --quantize q4|q8       as for selar serve (block-wise MatMulNBits weights, cached)
  --json                 print {text, reasoning_content, token_ids, prompt_token_ids, finish_reason, usage, selar_trace}
`;

const options = {
  model: { type: 'string' },
  prompt: { type: 'string' },
  'prompt-ids': { type: 'string' },
  messages: { type: 'string' },
  'max-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'top-p': { type: 'string' },
  'top-k': { type: 'string' },
  'min-p': { type: 'string' },
  seed: { type: 'string' },
  stop: { type: 'string', multiple: true },
  selar: { type: 'string' },
  device: { type: 'string' },
  dtype: { type: 'string' },
  quantize: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function num(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new Error(`--${name}: expected a number, got "${raw}"`);
  return v;
}

function json(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new Error(`--${name}: invalid JSON (${(err as Error).message})`);
  }
}

export async function runGenerate(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!v.model) throw new Error('--model DIR is required (see --help)');
  const sources = [v.prompt, v['prompt-ids'], v.messages].filter((x) => x !== undefined);
  if (sources.length !== 1) throw new Error('give exactly one of --prompt, --prompt-ids, --messages');

  const config = configFrom({
    model: v.model,
    workers: 1,
    logLevel: 'silent',
    device: v.device || undefined,
    dtype: v.dtype || undefined,
    quantize: (v.quantize || undefined) as Config['quantize'] | undefined,
  });
  const { engine, tokenizer } = await createEngine({ ...engineOptions(config), queueSize: 1 });
  try {
    const ctx = servingContext(config, engine, tokenizer);
    const common: Record<string, unknown> = {
      model: engine.model.id,
      max_tokens: num('max-tokens', v['max-tokens']),
      temperature: num('temperature', v.temperature),
      top_p: num('top-p', v['top-p']),
      top_k: num('top-k', v['top-k']),
      min_p: num('min-p', v['min-p']),
      seed: num('seed', v.seed),
      stop: v.stop,
      selar: v.selar === undefined ? undefined : json('selar', v.selar),
      return_token_ids: true,
    };
    for (const k of Object.keys(common)) if (common[k] === undefined) delete common[k];

    let result: {
      text: string;
      reasoning: string | null;
      choice: Record<string, unknown>;
      response: ChatCompletion | Completion;
    };
    const signal = new AbortController().signal;
    const observer = { token: () => undefined, finish: () => undefined };
    if (v.messages !== undefined) {
      const req = validator(ChatCompletionRequest).parse({ ...common, messages: json('messages', v.messages) });
      const response = (await generateResponse(planChat(req, ctx), ctx, signal, observer)) as ChatCompletion;
      const choice = response.choices[0];
      result = {
        text: choice.message.content ?? '',
        reasoning: choice.message.reasoning_content ?? null,
        choice,
        response,
      };
    } else {
      const prompt = v.prompt ?? v['prompt-ids']!.split(',').map((s) => num('prompt-ids', s));
      const req = validator(CompletionRequest).parse({ ...common, prompt });
      const response = (await generateResponse(planCompletion(req, ctx), ctx, signal, observer)) as Completion;
      const choice = response.choices[0];
      result = { text: choice.text, reasoning: null, choice, response };
    }
    if (v.json) {
      const out: Record<string, unknown> = {
        model: path.basename(config.model),
        text: result.text,
        reasoning_content: result.reasoning,
        token_ids: result.choice.token_ids,
        prompt_token_ids: (result.response as { prompt_token_ids?: unknown }).prompt_token_ids,
        finish_reason: result.choice.finish_reason,
        usage: result.response.usage,
      };
      if (result.choice.selar_trace !== undefined) out.selar_trace = result.choice.selar_trace;
      process.stdout.write(JSON.stringify(out) + '\n');
    } else {
      if (result.reasoning) process.stdout.write(`<think>\n${result.reasoning}\n</think>\n`);
      process.stdout.write(result.text + '\n');
    }
    return 0;
  } finally {
    await engine.close();
  }
}
