// Property-based fuzzing of request bodies with fast-check. For every body: no 5xx,
// an answer within a per-request timeout, errors in OpenAI's exact shape with nothing
// internal in them, well-formed success bodies, and streams without an error frame.
// Afterwards a normal request is answered correctly. The number of bodies is a floor
// (a run the time limit cuts short fails); the seed is printed on failure.
import fc from 'fast-check';
import t, { type Test } from 'tap';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { chatBodyArb, completionBodyArb, garbageArb } from './fuzz-bodies.js';
import { fakeApp, JSON_HEADERS, leaksIn, realApp, REAL_MODEL_ID, type Reply } from './support.js';

interface Sent {
  url: string;
  payload: string | Buffer;
}

/** What is wrong with a response, or null. */
function problem(res: Reply, sent: Sent): string | null {
  if (res.statusCode >= 500) return `${res.statusCode} ${res.body.slice(0, 300)}`;
  const leaks = leaksIn(res.body);
  if (leaks.length > 0) return `leaks ${leaks.join(', ')}: ${res.body.slice(0, 300)}`;
  if (res.statusCode >= 400) {
    let e: any;
    try {
      e = JSON.parse(res.body).error;
    } catch {
      return `error body is not JSON: ${res.body.slice(0, 200)}`;
    }
    const ok =
      e &&
      typeof e.message === 'string' &&
      typeof e.type === 'string' &&
      (e.param === null || typeof e.param === 'string') &&
      (e.code === null || typeof e.code === 'string') &&
      Object.keys(e).length === 4;
    return ok ? null : `malformed error ${res.body.slice(0, 200)}`;
  }
  if (res.statusCode !== 200) return `unexpected status ${res.statusCode}`;
  if (String(res.headers['content-type']).startsWith('text/event-stream')) return streamProblem(res.body);
  try {
    const body = JSON.parse(res.body);
    if (!Array.isArray(body.choices) || body.choices.length === 0) return `no choices: ${res.body.slice(0, 200)}`;
    if (!body.choices.every((c: any) => c.finish_reason === 'stop' || c.finish_reason === 'length'))
      return `bad finish_reason: ${res.body.slice(0, 200)}`;
  } catch {
    return `success body is not JSON (${sent.url})`;
  }
  return null;
}

/**
 * What is wrong with a 200 event stream: a frame that is not JSON, a chunk without
 * choices, no closing [DONE], or an error frame (a failure after the headers went out
 * is reported in-band, inside the 200).
 */
function streamProblem(body: string): string | null {
  if (!body.endsWith('data: [DONE]\n\n')) return `stream without [DONE]: ${body.slice(-200)}`;
  const frames = body.split('\n\n').filter((f) => f !== '' && !f.startsWith(':'));
  for (const frame of frames.slice(0, -1)) {
    if (!frame.startsWith('data: ')) return `not a data frame: ${frame.slice(0, 200)}`;
    let chunk: any;
    try {
      chunk = JSON.parse(frame.slice(6));
    } catch {
      return `frame is not JSON: ${frame.slice(0, 200)}`;
    }
    if (chunk.error !== undefined) return `error frame in a 200 stream: ${frame.slice(0, 300)}`;
    if (!Array.isArray(chunk.choices)) return `chunk without choices: ${frame.slice(0, 200)}`;
  }
  return null;
}

async function sendWithin(app: FastifyInstance, sent: Sent, ms: number): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  // A request past the limit is aborted, as a client that gives up disconnects: left running,
  // it would hold a decode slot and make the bodies after it time out too.
  const abort = new AbortController();
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new Error(`no answer within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([
      app.inject({
        method: 'POST',
        url: sent.url,
        payload: sent.payload as InjectOptions['payload'],
        headers: JSON_HEADERS,
        signal: abort.signal,
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function bodies(model: string, vocab: number, garbage: boolean): fc.Arbitrary<Sent> {
  const chat = chatBodyArb(model, vocab).map((b) => ({ url: '/v1/chat/completions', payload: JSON.stringify(b) }));
  const completion = completionBodyArb(model, vocab).map((b) => ({
    url: '/v1/completions',
    payload: JSON.stringify(b),
  }));
  if (!garbage) return fc.oneof(chat, completion);
  const junk = fc
    .tuple(fc.constantFrom('/v1/chat/completions', '/v1/completions'), garbageArb(chat.map((s) => s.payload as string)))
    .map(([url, payload]) => ({ url, payload }));
  return fc.oneof({ weight: 2, arbitrary: chat }, { weight: 2, arbitrary: completion }, { weight: 1, arbitrary: junk });
}

/**
 * Sends `runs` bodies (a floor the test asserts: running out of time fails it rather than
 * checking fewer) and at least `minAccepted` of them must be answered with a 200.
 */
async function fuzz(
  t: Test,
  app: FastifyInstance,
  arb: fc.Arbitrary<Sent>,
  runs: number,
  minAccepted: number,
  seconds: number,
  perRequestMs: number,
) {
  const statuses = new Map<number, number>();
  const result = await fc.check(
    fc.asyncProperty(arb, async (sent) => {
      const res = await sendWithin(app, sent, perRequestMs);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const p = problem(res, sent);
      if (p) throw new Error(`${sent.url}: ${p}\nbody: ${String(sent.payload).slice(0, 400)}`);
    }),
    // FUZZ_SEED=n replays a reported run (fast-check prints the seed of a failure).
    {
      numRuns: runs,
      interruptAfterTimeLimit: seconds * 1000,
      markInterruptAsFailure: false,
      // fast-check 4 leaves the property's error out of the report unless asked: without it a
      // failure names the body but not what was wrong with the answer.
      includeErrorInReport: true,
      ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
    },
  );
  t.notOk(
    result.failed,
    result.failed ? (fc.defaultReportMessage(result) ?? 'failed') : `${result.numRuns} runs (seed ${result.seed})`,
  );
  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  t.comment(
    `statuses: ${[...statuses]
      .sort()
      .map(([s, n]) => `${s}×${n}`)
      .join(', ')}`,
  );
  t.ok(
    total >= runs,
    `${total} of ${runs} bodies checked${result.interrupted ? ' (the time limit ended the run)' : ''}`,
  );
  const accepted = statuses.get(200) ?? 0;
  t.ok(accepted >= minAccepted, `${accepted} bodies accepted and generated (at least ${minAccepted})`);
  t.ok(total - accepted > 0, 'rejected bodies were generated too');
}

t.test('an error frame inside a 200 stream is a failure', async (t) => {
  const chunk = 'data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n';
  t.equal(streamProblem(`${chunk}: ping\n\n${chunk}data: [DONE]\n\n`), null, 'a well-formed stream');
  const failed =
    `${chunk}data: {"error":{"message":"generation failed","type":"server_error","param":null,` +
    `"code":null}}\n\ndata: [DONE]\n\n`;
  t.match(streamProblem(failed), /^error frame in a 200 stream/);
  t.match(streamProblem(chunk), /^stream without \[DONE\]/);
  t.match(streamProblem(`data: {oops\n\ndata: [DONE]\n\n`), /^frame is not JSON/);
});

t.test('fake engine: 500 structured and garbage bodies', async (t) => {
  const { app } = await fakeApp(t);
  await fuzz(t, app, bodies('tiny', 16, true), 500, 40, 60, 5000);
  const ok = await app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    payload: { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }] },
  });
  t.equal(
    ok.json().choices?.[0]?.message?.content,
    'Hello world!',
    'a normal request is answered correctly afterwards',
  );
});

t.test(
  'real model: 300 structured bodies, at least 35 of them decoded (extreme sampling and selar values)',
  async (t) => {
    const { app, engine } = await realApp(t, { engine: { maxSequencesPerWorker: 4 } });
    const normal = { model: REAL_MODEL_ID, prompt: [1, 2, 3], max_tokens: 8, temperature: 0 };
    const before = (await app.inject({ method: 'POST', url: '/v1/completions', payload: normal })).json().choices[0]
      .text;
    await fuzz(t, app, bodies(REAL_MODEL_ID, 320, false), 300, 35, 200, 20_000);
    t.same(
      [engine.stats().running, engine.stats().queued, engine.stats().readyWorkers],
      [0, 0, 1],
      'nothing left running; the worker is alive',
    );
    const after = await app.inject({ method: 'POST', url: '/v1/completions', payload: normal });
    t.equal(after.json().choices[0].text, before, 'a normal request is answered exactly as before the fuzzing');
  },
);
