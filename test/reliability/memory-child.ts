// Child process for memory.test.ts (run with --expose-gc): serves the fake engine, or a
// real worker pool on the tiny generated Llama, on loopback, pushes thousands of short
// requests through real sockets (JSON, streams, streams abandoned mid-way, rejected
// bodies) and prints the memory after a full GC at checkpoints, as one JSON line.
// Arguments: fake|real, total requests, requests between checkpoints.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/create-engine.js';
import type { Engine } from '../../src/engine/types.js';
import type { TextTokenizer } from '../../src/model/tokenizer.js';
import { FakeEngine } from '../support/fake-engine.js';
import { llamaModel } from '../support/models.js';
import { tinyTokenizer } from '../support/tiny-tokenizer.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const real = process.argv[2] === 'real';
const total = Number(process.argv[3] ?? 4000);
const every = Number(process.argv[4] ?? 500);

const fake = real
  ? null
  : new FakeEngine({ tokenDelayMs: 1, script: () => Array.from({ length: 6 }, () => ({ id: 5, text: 'Hello' })) });
let engine: Engine;
let tokenizer: TextTokenizer;
if (fake) [engine, tokenizer] = [fake, tinyTokenizer()];
else {
  const loaded = await createEngine({
    modelDir: await llamaModel(),
    modelId: 'tiny',
    workers: 1,
    threadsPerWorker: 1,
    maxSequencesPerWorker: 8,
    queueSize: 64,
  });
  [engine, tokenizer] = [loaded.engine, loaded.tokenizer];
}
const app = await buildApp({ config: loadConfig(['--model', 'models/tiny'], {}), engine, tokenizer });
await app.listen({ host: '127.0.0.1', port: 0 });
const port = (app.server.address() as AddressInfo).port;
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
let generated = 0;

const chat = { model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 6, ignore_eos: true };
const bodies = [
  chat,
  { ...chat, stream: true },
  { ...chat, stream: true, abandon: true },
  { model: 'tiny', messages: [], bad: 1 },
  { model: 'tiny', prompt: 'Hello', max_tokens: 3 },
];

function one(i: number): Promise<void> {
  const { abandon, ...body } = bodies[i % bodies.length] as { abandon?: boolean };
  const url = 'prompt' in body ? '/v1/completions' : '/v1/chat/completions';
  return new Promise((resolve) => {
    // Abandoned streams use their own socket: destroying it must not take a pooled one down.
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: url,
        agent: abandon ? false : agent,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        if (res.statusCode === 200) generated++;
        res.on('data', () => {
          if (abandon) req.destroy();
        });
        res.on('end', resolve);
        res.on('close', resolve);
      },
    );
    req.on('error', () => resolve());
    req.end(JSON.stringify(body));
  });
}

interface Sample {
  requests: number;
  heapUsed: number;
  arrayBuffers: number;
  rss: number;
}

async function measure(requests: number): Promise<Sample> {
  // Let aborted generations and closed sockets settle before measuring.
  for (let i = 0; i < 40 && (engine.stats().running > 0 || app.lifecycle.inFlight > 0); i++)
    await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 3; i++) gc!();
  const { heapUsed, arrayBuffers, rss } = process.memoryUsage();
  return { requests, heapUsed, arrayBuffers, rss };
}

const samples: Sample[] = [];
let done = 0;
while (done < total) {
  const batch = Array.from({ length: every }, (_, k) => k);
  let next = 0;
  // 16 concurrent request loops per batch.
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < batch.length) await one(done + next++);
    }),
  );
  done += every;
  if (fake) {
    // The fake engine records every request and signal for assertions; that record is not the server's memory.
    fake.requests.length = 0;
    fake.signals.length = 0;
  }
  samples.push(await measure(done));
}
agent.destroy();
const running = engine.stats().running;
await app.close();
await engine.close();
process.stdout.write(`${JSON.stringify({ samples, running, generated })}\n`);
