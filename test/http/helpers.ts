// Builds the app around a FakeEngine and the tiny tokenizer, closed when the test ends.
import type { Test } from 'tap';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { TextTokenizer } from '../../src/model/tokenizer.js';
import { FakeEngine, type FakeEngineOptions } from '../support/fake-engine.js';
import { tinyTokenizer } from '../support/tiny-tokenizer.js';

export interface TestApp {
  app: FastifyInstance;
  engine: FakeEngine;
  config: Config;
}

export async function testApp(
  t: Test,
  opts: { engine?: FakeEngineOptions; argv?: string[]; tokenizer?: TextTokenizer } = {},
): Promise<TestApp> {
  const engine = new FakeEngine(opts.engine);
  const config = loadConfig(['--model', 'models/tiny', ...(opts.argv ?? [])], {});
  const app = await buildApp({ config, engine, tokenizer: opts.tokenizer ?? tinyTokenizer() });
  t.teardown(() => app.close());
  return { app, engine, config };
}

export const USER_HI = [{ role: 'user', content: 'Hi' }];

export function post(app: FastifyInstance, url: string, payload: unknown, headers: InjectOptions['headers'] = {}) {
  return app.inject({ method: 'POST', url, payload: payload as InjectOptions['payload'], headers });
}

export const chat = (app: FastifyInstance, body: Record<string, unknown>, headers?: InjectOptions['headers']) =>
  post(app, '/v1/chat/completions', { model: 'tiny', messages: USER_HI, ...body }, headers);

export const complete = (app: FastifyInstance, body: Record<string, unknown>, headers?: InjectOptions['headers']) =>
  post(app, '/v1/completions', { model: 'tiny', prompt: 'Hello', ...body }, headers);

/** Splits an SSE body into its `data:` payloads (parsed JSON, or the string '[DONE]'). */
export function sseData(body: string): unknown[] {
  if (!body.endsWith('\n\n'))
    throw new Error(`SSE body does not end with a blank line: ${JSON.stringify(body.slice(-40))}`);
  return body
    .slice(0, -2)
    .split('\n\n')
    .filter((f) => !f.startsWith(':'))
    .map((f) => {
      if (!f.startsWith('data: ')) throw new Error(`not a data frame: ${f}`);
      const payload = f.slice(6);
      return payload === '[DONE]' ? payload : JSON.parse(payload);
    });
}
