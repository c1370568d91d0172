// Child process for memory-real.test.ts (run with --expose-gc): the decode loop a
// worker runs (scheduler, sequences, KV caches, onnxruntime tensors), in this thread
// so its heap and ArrayBuffers can be measured, over thousands of short requests
// (some cancelled mid-way), with the memory after a full GC at checkpoints printed as
// one JSON line. Arguments: total requests, requests between checkpoints.
import { llamaModel } from '../support/models.js';
import { request } from '../support/requests.js';
import { inProcess } from '../support/runtime.js';
import { Scheduler } from '../../src/worker/scheduler.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
const total = Number(process.argv[2] ?? 1500);
const every = Number(process.argv[3] ?? 250);

const { rt } = await inProcess(await llamaModel());
const waiting = new Map<string, () => void>();
const end = (id: string) => {
  waiting.get(id)?.();
  waiting.delete(id);
};
const scheduler = new Scheduler(rt.decoder, rt.ctx, {
  events: (id, events) => {
    if (events.some((e) => e.type === 'finish')) end(id);
  },
  failed: (id, message) => {
    throw new Error(`${id}: ${message}`);
  },
});

let finished = 0;
function one(i: number): Promise<void> {
  // Prompts of three lengths (several cohorts), every fifth request cancelled after its first step.
  const req = request(
    Array.from({ length: 4 + (i % 3) }, (_, k) => 10 + ((i + k) % 200)),
    {
      id: `m-${i}`,
      selar: { mode: i % 2 ? 'selar' : 'soft', entropyThreshold: 0.3 },
      stop: { maxTokens: 6, ignoreEos: true },
    },
  );
  return new Promise<void>((resolve) => {
    waiting.set(req.id, () => {
      finished++;
      resolve();
    });
    scheduler.add(req);
    if (i % 5 === 4)
      setImmediate(() => {
        scheduler.cancel(req.id);
        // A cancelled sequence sends nothing more: settle it here.
        setTimeout(() => end(req.id), 5);
      });
  });
}

const samples: Array<{ requests: number; heapUsed: number; arrayBuffers: number; rss: number }> = [];
let done = 0;
while (done < total) {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < every) await one(done + next++);
    }),
  );
  done += every;
  await new Promise((r) => setTimeout(r, 50));
  for (let i = 0; i < 3; i++) gc();
  const { heapUsed, arrayBuffers, rss } = process.memoryUsage();
  samples.push({ requests: done, heapUsed, arrayBuffers, rss });
}
process.stdout.write(`${JSON.stringify({ samples, running: scheduler.size, generated: finished })}\n`);
