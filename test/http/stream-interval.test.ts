// --stream-interval N: chunks of up to N tokens after each choice's first one. The
// merged stream must say exactly what the per-token stream says — text, reasoning,
// token ids, trace, logprobs, finish and usage — only in fewer chunks.
import t from 'tap';
import type { Delta } from '../../src/serving/choice-state.js';
import { DeltaBatcher } from '../../src/serving/stream-interval.js';
import type { TokenEvent } from '../../src/engine/types.js';
import type { ScriptToken } from '../support/fake-engine.js';
import { ID } from '../support/tiny-tokenizer.js';
import { chat, complete, sseData, testApp } from './helpers.js';

const tok = (id: number, text: string): TokenEvent => ({
  type: 'token',
  id,
  text,
  entropy: 0.5,
  soft: false,
  reasoning: false,
});
const delta = (index: number, text: string, ids: number[], finish = false): Delta => ({
  index,
  content: text,
  reasoning: '',
  tokens: ids.map((id) => tok(id, '')),
  finish: finish
    ? {
        type: 'finish',
        reason: 'stop',
        text: '',
        promptTokens: 1,
        completionTokens: 0,
        softTokens: 0,
        hotTokens: 0,
        reasoningTokens: 0,
        thinkingEnd: null,
      }
    : null,
});

t.test('DeltaBatcher: first at once, then every N tokens, finish flushes', async (t) => {
  const b = new DeltaBatcher(2, 3);
  t.same(b.add(delta(0, 'a', [1]))?.content, 'a', 'the first delta of a choice is not held');
  t.equal(b.add(delta(0, 'b', [2])), null);
  t.equal(b.add(delta(1, 'x', [9]))?.content, 'x', 'each choice has its own first delta');
  t.equal(b.add(delta(0, 'c', [3])), null);
  const third = b.add(delta(0, 'd', [4, 5]));
  t.same(
    [third?.content, third?.tokens.map((e) => e.id)],
    ['bcd', [2, 3, 4, 5]],
    'sent once it holds N tokens, in order',
  );
  t.equal(b.add(delta(0, 'e', [6])), null);
  const last = b.add(delta(0, '', [], true));
  t.same(
    [last?.content, last?.tokens.map((e) => e.id), last?.finish?.reason],
    ['e', [6], 'stop'],
    'the finish carries what was held',
  );
  t.equal(b.add(delta(1, 'y', [10])), null);
  t.same(
    b.flush().map((d) => [d.index, d.content]),
    [[1, 'y']],
    'flush hands back what is held',
  );
  t.same(b.flush(), []);
  const one = new DeltaBatcher(1, 1);
  for (const d of [delta(0, 'a', [1]), delta(0, 'b', [2])]) t.equal(one.add(d), d, 'interval 1 holds nothing');
});

const SEVEN: ScriptToken[] = [
  { id: ID.Hello, text: 'Hello' },
  { id: ID[' world'], text: ' world' },
  { id: ID['!'], text: '!' },
  { id: ID.Hi, text: 'Hi', soft: true, entropy: 0.7 },
  { id: ID[' there'], text: '' },
  { id: ID[' Paris'], text: ' there Paris' },
  { id: ID.ok, text: 'ok' },
];

/** What a client reassembles from a stream, per choice. */
function reassemble(frames: any[], field: 'delta' | 'text') {
  const out = new Map<
    number,
    { text: string; ids: number[]; trace: unknown[]; logprobs: unknown[]; finish: string | null; chunks: number }
  >();
  for (const f of frames) {
    if (f === '[DONE]' || f.choices.length === 0) continue;
    const c = f.choices[0];
    const r = out.get(c.index) ?? { text: '', ids: [], trace: [], logprobs: [], finish: null, chunks: 0 };
    r.text += (field === 'delta' ? c.delta.content : c.text) ?? '';
    r.ids.push(...(c.token_ids ?? []));
    r.trace.push(...(c.selar_trace ?? []));
    r.logprobs.push(...(field === 'delta' ? (c.logprobs?.content ?? []) : (c.logprobs?.tokens ?? [])));
    r.finish = c.finish_reason ?? r.finish;
    r.chunks++;
    out.set(c.index, r);
  }
  return [...out.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

t.test('chat: the same content, ids, trace and logprobs in fewer chunks', async (t) => {
  const body = {
    stream: true,
    n: 2,
    logprobs: true,
    top_logprobs: 1,
    return_token_ids: true,
    selar: { trace: true },
    stream_options: { include_usage: true },
  };
  const per = await testApp(t, { engine: { script: () => SEVEN } });
  const merged = await testApp(t, { engine: { script: () => SEVEN }, argv: ['--stream-interval', '3'] });
  const a = sseData((await chat(per.app, body)).body) as any[];
  const b = sseData((await chat(merged.app, body)).body) as any[];
  const ra = reassemble(a, 'delta');
  const rb = reassemble(b, 'delta');
  t.same(
    rb.map((r) => ({ ...r, chunks: 0 })),
    ra.map((r) => ({ ...r, chunks: 0 })),
    'identical once reassembled',
  );
  t.equal(rb[0].text, 'Hello world!Hi there Parisok');
  // Per token: role + 6 text chunks + finish. Interval 3: role, Hello, [ world ! Hi], [' there Paris' (2 tokens) ok],
  // finish.
  t.same([ra[0].chunks, rb[0].chunks], [8, 5]);
  const chunks0 = b.filter((f) => f !== '[DONE]' && f.choices[0]?.index === 0).map((f) => f.choices[0]);
  t.same(
    chunks0.map((c) => c.token_ids.length),
    [0, 1, 3, 3, 0],
  );
  t.same(
    chunks0.map((c) => c.finish_reason),
    [null, null, null, null, 'stop'],
  );
  t.same(b.at(-2).usage, a.at(-2).usage, 'usage chunk unchanged');
  t.equal(b.at(-1), '[DONE]');
});

t.test('completions: merged text chunks', async (t) => {
  const merged = await testApp(t, { engine: { script: () => SEVEN }, argv: ['--stream-interval', '4'] });
  const frames = sseData((await complete(merged.app, { stream: true, logprobs: 1 })).body) as any[];
  const r = reassemble(frames, 'text');
  t.same([r[0].text, r[0].chunks, r[0].logprobs.length, r[0].finish], ['Hello world!Hi there Parisok', 3, 7, 'stop']);
});

t.test('reasoning and answer can share a merged chunk', async (t) => {
  const THINKING: ScriptToken[] = [
    { id: ID['<think>'], text: '', reasoning: true },
    { id: ID.Hi, text: 'Hi', reasoning: true },
    { id: ID[' there'], text: ' there', reasoning: true },
    { id: ID['</think>'], text: '', reasoning: true },
    { id: ID[' Paris'], text: ' Paris' },
  ];
  const { app } = await testApp(t, {
    engine: { model: { thinkTokenIds: { open: ID['<think>'], close: ID['</think>'] } }, script: () => THINKING },
    argv: ['--stream-interval', '8'],
  });
  const frames = sseData((await chat(app, { stream: true })).body) as any[];
  t.same(
    frames.slice(1, -1).map((f) => f.choices[0].delta),
    [{ reasoning_content: 'Hi' }, { reasoning_content: ' there', content: ' Paris' }],
  );
});

t.test('a failure mid-stream sends the held text before the error frame', async (t) => {
  const { app } = await testApp(t, { engine: { script: () => SEVEN, failAfter: 4 }, argv: ['--stream-interval', '8'] });
  const res = await chat(app, { stream: true });
  const frames = sseData(res.body) as any[];
  t.same(
    frames.slice(1, 3).map((f) => f.choices[0].delta.content),
    ['Hello', ' world!Hi'],
  );
  t.same(frames[3].error.code, 'worker_failed');
  t.equal(frames[4], '[DONE]');
  t.equal(app.lifecycle.inFlight, 0);
});

t.test('the interval is validated', async (t) => {
  const { loadConfig } = await import('../../src/config.js');
  t.equal(loadConfig(['--model', 'm'], {}).streamInterval, 1, 'default: every token');
  t.equal(loadConfig(['--model', 'm'], { SELAR_STREAM_INTERVAL: '16' }).streamInterval, 16);
  t.throws(() => loadConfig(['--model', 'm', '--stream-interval', '0'], {}), /--stream-interval/);
});
