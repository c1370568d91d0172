// Shared pieces of the reliability suite: apps around the fake or a real engine,
// the OpenAI error-shape check (which also scans every error body for leaked
// internals), and a few raw-HTTP helpers for things `inject` cannot do.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createEngine } from '../../src/engine/create-engine.js';
import type { EngineOptions } from '../../src/engine/options.js';
import type { Engine } from '../../src/engine/types.js';
import type { TextTokenizer } from '../../src/model/tokenizer.js';
import { FakeEngine, type FakeEngineOptions } from '../support/fake-engine.js';
import { llamaModel } from '../support/models.js';
import { tinyTokenizer } from '../support/tiny-tokenizer.js';

export interface Reply {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/** Things no response may carry: source paths, dependency paths, stack frames. */
export const LEAKS: Array<[string, RegExp]> = [
  ['repository path', /\/work\//],
  ['node_modules path', /node_modules/],
  ['stack frame', /\bat [\w.<>$]+ \(|\n\s+at |\bat (file|node):/],
  ['source file', /\.(ts|js|mjs):\d+/],
  ['temp dir', /\/tmp\/selar-/],
];

export function leaksIn(body: string): string[] {
  return LEAKS.filter(([, re]) => re.test(body)).map(([name]) => name);
}

/** Asserts `res` is an error in OpenAI's exact shape, with a 4xx (or the given) status, leaking nothing. */
export function expectOpenAIError(
  t: Test,
  res: Reply,
  want: { status?: number; code?: string; param?: string | null } = {},
  label = '',
): void {
  const where = `${label} (${res.statusCode} ${res.body.slice(0, 160)})`;
  if (want.status !== undefined) t.equal(res.statusCode, want.status, `status ${want.status}: ${where}`);
  else t.ok(res.statusCode >= 400 && res.statusCode < 500, `4xx: ${where}`);
  t.match(String(res.headers['content-type']), /^application\/json/, `JSON content type: ${label}`);
  let parsed: any;
  try {
    parsed = JSON.parse(res.body);
  } catch {
    t.fail(`error body is JSON: ${where}`);
    return;
  }
  const e = parsed?.error;
  const shapeOk =
    parsed !== null &&
    Object.keys(parsed).length === 1 &&
    e !== null &&
    typeof e === 'object' &&
    Object.keys(e).sort().join() === 'code,message,param,type' &&
    typeof e.message === 'string' &&
    e.message.length > 0 &&
    typeof e.type === 'string' &&
    (e.param === null || typeof e.param === 'string') &&
    (e.code === null || typeof e.code === 'string');
  t.ok(shapeOk, `OpenAI error shape: ${where}`);
  if (want.code !== undefined) t.equal(e?.code, want.code, `code ${want.code}: ${label}`);
  if (want.param !== undefined) t.equal(e?.param, want.param, `param ${want.param}: ${label}`);
  t.same(leaksIn(res.body), [], `no internals leaked: ${label}`);
}

export interface TestApp {
  app: FastifyInstance;
  config: Config;
}

/** The app around the scripted fake engine (or any Engine given as `custom`) and the 16-word tokenizer. */
export async function fakeApp(
  t: Test,
  opts: {
    engine?: FakeEngineOptions;
    custom?: Engine;
    argv?: string[];
    logger?: pino.Logger;
    tokenizer?: TextTokenizer;
  } = {},
): Promise<TestApp & { engine: Engine }> {
  const engine = opts.custom ?? new FakeEngine(opts.engine);
  const config = loadConfig(['--model', 'models/tiny', ...(opts.argv ?? [])], {});
  const app = await buildApp({ config, engine, tokenizer: opts.tokenizer ?? tinyTokenizer(), logger: opts.logger });
  t.teardown(() => app.close());
  return { app, engine, config };
}

export const REAL_MODEL_ID = 'tiny-llama';

/** The app around a real worker pool on the tiny random Llama (context 256, byte-level tokenizer). */
export async function realApp(t: Test, opts: { engine?: Partial<EngineOptions>; argv?: string[] } = {}) {
  const { engine, tokenizer } = await createEngine({
    modelDir: await llamaModel(),
    modelId: REAL_MODEL_ID,
    workers: 1,
    threadsPerWorker: 1,
    maxSequencesPerWorker: 8,
    queueSize: 64,
    ...opts.engine,
  });
  const config = loadConfig(['--model', 'models/tiny', '--temperature', '0', ...(opts.argv ?? [])], {});
  const app = await buildApp({ config, engine, tokenizer });
  t.teardown(async () => {
    await app.close();
    await engine.close();
  });
  return { app, engine, tokenizer, config };
}

export async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** A raw request over loopback; the body may be bytes (invalid UTF-8 cannot go through inject as a string). */
export function rawRequest(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string; timeoutMs?: number },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path, headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            statusCode: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs ?? 10_000, () =>
      req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 10_000} ms`)),
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const poll = async (cond: () => boolean | Promise<boolean>, ms = 5000, every = 20): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, every));
  }
  return cond();
};

/** Reads a gauge or counter value from the Prometheus text. */
export function metricValue(text: string, name: string): number | null {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

export const JSON_HEADERS = { 'content-type': 'application/json' };
