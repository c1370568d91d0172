// Runs one exported async function of a bench module in a fresh worker thread and
// returns its result: measurements of the engine's loop then happen in the same kind
// of thread the engine uses, away from the main thread's heap and event loop. The
// function receives the given arguments plus a logger writing to stderr.
import { Worker } from 'node:worker_threads';

export function callInWorker<T>(moduleUrl: string, exportName: string, args: unknown[]): Promise<T> {
  // As in src/engine/pool.ts: Node 20 does not apply the parent's loader to a worker, so register tsx first.
  const bootstrap = `
    const { parentPort, workerData } = require('node:worker_threads');
    const log = (s) => process.stderr.write(s + '\\n');
    import('tsx/esm/api')
      .then((m) => { m.register(); return import(${JSON.stringify(moduleUrl)}); })
      .then((mod) => mod[${JSON.stringify(exportName)}](...workerData, log))
      .then(
        (result) => parentPort.postMessage({ result }),
        (err) => parentPort.postMessage({ error: String(err && err.stack || err) }),
      );`;
  const worker = new Worker(bootstrap, { eval: true, workerData: args });
  return new Promise<T>((resolve, reject) => {
    worker.once('message', (msg: { result?: T; error?: string }) => {
      void worker.terminate();
      if (msg.error !== undefined) reject(new Error(msg.error));
      else resolve(msg.result as T);
    });
    worker.once('error', reject);
  });
}
