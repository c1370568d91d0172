// The floor in its own worker thread, like the engine's decode loop, so both run in
// the same kind of thread and neither shares the main thread's heap (the bench's
// other systems, the HTTP server, transformers.js) or blocks its event loop.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { DerivedDecoder } from '../src/model/convert/index.js';
import { FloorDecoder, type SessionSettings } from './floor.js';
import type { SequenceTiming } from './stats.js';

interface FloorInit {
  derived: DerivedDecoder;
  settings: SessionSettings;
}

type Request = { type: 'run'; batch: number; promptLength: number; tokens: number } | { type: 'close' };
type Reply = { type: 'ready' } | { type: 'timings'; timings: SequenceTiming[] } | { type: 'error'; message: string } | { type: 'closed' };

/** Main-thread handle: same run() as FloorDecoder, executed in the worker. */
export class FloorWorker {
  private constructor(private readonly worker: Worker) {}

  static async open(derived: DerivedDecoder, settings: SessionSettings): Promise<FloorWorker> {
    // As in src/engine/pool.ts: Node 20 does not apply the parent's loader to a worker, so register tsx first.
    const url = new URL(import.meta.url).href;
    const bootstrap = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url)}); })`;
    const worker = new Worker(bootstrap, { eval: true, workerData: { derived, settings } satisfies FloorInit });
    const handle = new FloorWorker(worker);
    await handle.next('ready');
    return handle;
  }

  private next<T extends Reply['type']>(type: T): Promise<Extract<Reply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (msg: Reply) => {
        this.worker.off('error', onError);
        if (msg.type === 'error') reject(new Error(`floor worker: ${msg.message}`));
        else if (msg.type !== type) reject(new Error(`floor worker: expected ${type}, got ${msg.type}`));
        else resolve(msg as Extract<Reply, { type: T }>);
      };
      const onError = (err: Error) => {
        this.worker.off('message', onMessage);
        reject(err);
      };
      this.worker.once('message', onMessage);
      this.worker.once('error', onError);
    });
  }

  async run(batch: number, promptLength: number, tokens: number): Promise<SequenceTiming[]> {
    const reply = this.next('timings');
    this.worker.postMessage({ type: 'run', batch, promptLength, tokens } satisfies Request);
    return (await reply).timings;
  }

  async close(): Promise<void> {
    const reply = this.next('closed');
    this.worker.postMessage({ type: 'close' } satisfies Request);
    await reply;
    await this.worker.terminate();
  }
}

// Inside the worker: open the session, then serve run requests one at a time.
if (parentPort && (workerData as FloorInit | undefined)?.derived) {
  const port = parentPort;
  const init = workerData as FloorInit;
  const send = (msg: Reply) => port.postMessage(msg);
  FloorDecoder.open(init.derived, init.settings).then(
    (floor) => {
      port.on('message', (msg: Request) => {
        if (msg.type === 'close') void floor.close().then(() => send({ type: 'closed' }));
        else
          floor.run(msg.batch, msg.promptLength, msg.tokens).then(
            (timings) => send({ type: 'timings', timings }),
            (err: Error) => send({ type: 'error', message: err.message }),
          );
      });
      send({ type: 'ready' });
    },
    (err: Error) => send({ type: 'error', message: err.message }),
  );
}
