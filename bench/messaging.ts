// What one worker → main-thread hop costs: the engine posts each step's events from
// its decode worker to the pool on the main thread. Timed as the round trip of a
// message shaped like the worker's token events, through a worker that echoes it.
import { Worker } from 'node:worker_threads';
import { median } from './stats.js';

const ECHO =
  "const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m));";

export async function messageRoundTripUs(count = 400): Promise<number> {
  const worker = new Worker(ECHO, { eval: true });
  const event = { type: 'token', id: 1234, text: ' the', entropy: 0.42, soft: false, reasoning: false };
  const message = { type: 'events', id: 'bench-1', events: [event] };
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const s = performance.now();
      await new Promise<void>((resolve) => {
        worker.once('message', () => resolve());
        worker.postMessage(message);
      });
      if (i >= 50) times.push((performance.now() - s) * 1000);
    }
  } finally {
    await worker.terminate();
  }
  return median(times);
}
