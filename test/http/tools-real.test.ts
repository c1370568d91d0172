// Tool calls from a generated Llama over the real worker pool: with a Qwen template
// (Hermes format) and with a template that knows no tools (the generic envelope), a
// required or named call always comes back well formed, its arguments valid against the
// tool's schema by ajv, streamed and not.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { Ajv } from 'ajv';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/create-engine.js';
import { llamaModel } from '../support/models.js';
import { post, sseData } from './helpers.js';

// Qwen3's template can switch thinking off (a random model would think until max_tokens).
const QWEN = path.resolve(import.meta.dirname, '../fixtures/chat-templates/qwen3.jinja');
const PARAMS = {
  type: 'object',
  properties: {
    city: { type: 'string', pattern: '^[A-Za-z]{1,8}$' },
    days: { type: 'integer', minimum: 1, maximum: 7 },
  },
  required: ['city', 'days'],
  additionalProperties: false,
};
const tools = [
  { type: 'function', function: { name: 'get_weather', parameters: PARAMS } },
  {
    type: 'function',
    function: {
      name: 'get_time',
      parameters: { type: 'object', properties: { zone: { enum: ['UTC', 'CET'] } }, required: ['zone'] },
    },
  },
];
const valid = new Ajv({ strict: false }).compile(PARAMS);

/** The generated model with another chat template, in a folder of its own. */
async function withTemplate(template: string | null): Promise<string> {
  // Tool descriptions spelled out in byte tokens need a longer context than the default.
  const src = await llamaModel({ maxPositions: 1536 });
  if (template === null) return src;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tools-model-'));
  fs.cpSync(src, dir, { recursive: true });
  fs.copyFileSync(template, path.join(dir, 'chat_template.jinja'));
  return dir;
}

interface Call {
  id?: string;
  type?: string;
  function: { name?: string; arguments?: string };
}

for (const [label, template] of [
  ['Qwen3 template (hermes)', QWEN],
  ['template without tools (generic)', null],
] as const) {
  t.test(label, async (t) => {
    const modelDir = await withTemplate(template);
    if (template) t.teardown(() => fs.rmSync(modelDir, { recursive: true, force: true }));
    const { engine, tokenizer } = await createEngine({ modelDir, workers: 1, threadsPerWorker: 1, queueSize: 16 });
    t.teardown(() => engine.close());
    const app = await buildApp({ config: loadConfig(['--model', modelDir], {}), engine, tokenizer });
    t.teardown(() => app.close());
    const base = {
      model: engine.model.id,
      messages: [{ role: 'user', content: 'Weather?' }],
      tools,
      max_tokens: 150,
      temperature: 0.8,
      seed: 3,
      chat_template_kwargs: { enable_thinking: false },
    };
    for (const tool_choice of ['required', { type: 'function', function: { name: 'get_weather' } }] as const) {
      const body = { ...base, tool_choice, parallel_tool_calls: false };
      const res = await post(app, '/v1/chat/completions', body);
      t.equal(res.statusCode, 200, res.body);
      const choice = res.json().choices[0];
      t.equal(choice.finish_reason, 'tool_calls', JSON.stringify(choice.message));
      t.equal(choice.message.content, null);
      const [call] = choice.message.tool_calls as Call[];
      if (typeof tool_choice === 'object') t.equal(call.function.name, 'get_weather', 'the named function');
      if (call.function.name === 'get_weather')
        t.ok(valid(JSON.parse(call.function.arguments!)), `arguments ${call.function.arguments}`);

      const streamed = await post(app, '/v1/chat/completions', { ...body, stream: true });
      const chunks = sseData(streamed.body).slice(0, -1) as Array<{
        choices: Array<{ delta: { tool_calls?: Call[] }; finish_reason: string | null }>;
      }>;
      const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
      t.same(deltas[0].function.name, call.function.name, 'streamed: the name first');
      t.equal(
        deltas.map((d) => d.function.arguments ?? '').join(''),
        call.function.arguments,
        'streamed: the same arguments (same seed)',
      );
      t.equal(chunks.at(-1)!.choices[0].finish_reason, 'tool_calls');
    }
  });
}
