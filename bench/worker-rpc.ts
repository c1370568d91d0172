// A bench module run in its own worker thread and called one request at a time: the
// floor's session and the HTTP clients live there, so neither shares the main
// thread's event loop (where the engine's events and the HTTP server run).
import { parentPort, Worker, workerData } from 'node:worker_threads';

type Reply<R> =
  | { type: 'ready' }
  | { type: 'result'; result: R }
  | { type: 'error'; message: string }
  | { type: 'closed' };

export class RpcWorker<Q, R> {
  private constructor(
    private readonly worker: Worker,
    private readonly name: string,
  ) {}

  /** Starts `moduleUrl` in a worker with `data` as its workerData; resolves once it called serveRpc. */
  static async open<Q, R>(name: string, moduleUrl: string, data: unknown): Promise<RpcWorker<Q, R>> {
    // As in src/engine/pool.ts: Node 20 does not apply the parent's loader to a worker, so register tsx first.
    const bootstrap =
      `import('tsx/esm/api').then((m) => { m.register(); return ` + `import(${JSON.stringify(moduleUrl)}); })`;
    const rpc = new RpcWorker<Q, R>(new Worker(bootstrap, { eval: true, workerData: data }), name);
    await rpc.next('ready');
    return rpc;
  }

  private next<T extends Reply<R>['type']>(type: T): Promise<Extract<Reply<R>, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onMessage = (msg: Reply<R>) => {
        this.worker.off('error', onError);
        if (msg.type === 'error') reject(new Error(`${this.name}: ${msg.message}`));
        else if (msg.type !== type) reject(new Error(`${this.name}: expected ${type}, got ${msg.type}`));
        else resolve(msg as Extract<Reply<R>, { type: T }>);
      };
      const onError = (err: Error) => {
        this.worker.off('message', onMessage);
        reject(err);
      };
      this.worker.once('message', onMessage);
      this.worker.once('error', onError);
    });
  }

  async call(request: Q): Promise<R> {
    const reply = this.next('result');
    this.worker.postMessage({ type: 'call', request });
    return (await reply).result;
  }

  async close(): Promise<void> {
    const reply = this.next('closed');
    this.worker.postMessage({ type: 'close' });
    await reply;
    await this.worker.terminate();
  }
}

/** True inside a worker started by RpcWorker.open with workerData satisfying `is`. */
export function inRpcWorker<D>(is: (data: unknown) => data is D): D | null {
  return parentPort && is(workerData) ? (workerData as D) : null;
}

/** Inside the worker: set up, then answer calls one at a time. */
export function serveRpc<Q, R>(setup: () => Promise<{ call(request: Q): Promise<R>; close(): Promise<void> }>): void {
  const port = parentPort!;
  const send = (msg: Reply<R>) => port.postMessage(msg);
  setup().then(
    (handler) => {
      port.on('message', (msg: { type: 'call'; request: Q } | { type: 'close' }) => {
        if (msg.type === 'close') void handler.close().then(() => send({ type: 'closed' }));
        else
          handler.call(msg.request).then(
            (result) => send({ type: 'result', result }),
            (err: Error) => send({ type: 'error', message: err.message }),
          );
      });
      send({ type: 'ready' });
    },
    (err: Error) => send({ type: 'error', message: err.message }),
  );
}
