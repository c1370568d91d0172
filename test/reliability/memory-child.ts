// Child process for memory.test.ts (run with --expose-gc): serves the fake engine on
// loopback, pushes thousands of short requests through real sockets (JSON, streams,
// streams abandoned mid-way, rejected bodies) and prints heapUsed after a full GC at
// checkpoints, as one JSON line.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { FakeEngine } from '../support/fake-engine.js';
import { tinyTokenizer } from '../support/tiny-tokenizer.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const total = Number(process.argv[2] ?? 4000);
const every = Number(process.argv[3] ?? 500);

const engine = new FakeEngine({ tokenDelayMs: 1, script: () => Array.from({ length: 6 }, () => ({ id: 5, text: 'Hello' })) });
const app = await buildApp({ config: loadConfig(['--model', 'models/tiny'], {}), engine, tokenizer: tinyTokenizer() });
await app.listen({ host: '127.0.0.1', port: 0 });
const port = (app.server.address() as AddressInfo).port;
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

const bodies = [
  { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }] },
  { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], stream: true },
  { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], stream: true, abandon: true },
  { model: 'tiny', messages: [], bad: 1 },
  { model: 'tiny', prompt: 'Hello', max_tokens: 3 },
];

function one(i: number): Promise<void> {
  const { abandon, ...body } = bodies[i % bodies.length] as { abandon?: boolean };
  const url = 'prompt' in body ? '/v1/completions' : '/v1/chat/completions';
  return new Promise((resolve) => {
    // Abandoned streams use their own socket: destroying it must not take a pooled one down.
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: url, agent: abandon ? false : agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.on('data', () => { if (abandon) req.destroy(); });
      res.on('end', resolve);
      res.on('close', resolve);
    });
    req.on('error', () => resolve());
    req.end(JSON.stringify(body));
  });
}

async function heap(): Promise<number> {
  // Let aborted generations and closed sockets settle before measuring.
  for (let i = 0; i < 20 && (engine.running > 0 || app.lifecycle.inFlight > 0); i++) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

const samples: Array<{ requests: number; heapUsed: number }> = [];
let done = 0;
let requestsSeen = 0;
while (done < total) {
  const batch = Array.from({ length: every }, (_, k) => k);
  let next = 0;
  // 16 concurrent request loops per batch.
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < batch.length) await one(done + next++);
  }));
  done += every;
  // The fake engine records every request and signal for assertions; that record is not the server's memory.
  requestsSeen += engine.requests.length;
  engine.requests.length = 0;
  engine.signals.length = 0;
  samples.push({ requests: done, heapUsed: await heap() });
}
agent.destroy();
await app.close();
process.stdout.write(`${JSON.stringify({ samples, running: engine.running, requests: requestsSeen })}\n`);
