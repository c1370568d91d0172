// The floor in its own worker thread, like the engine's decode loop, so both run in
// the same kind of thread and neither shares the main thread's heap (the bench's
// other systems, the HTTP server, transformers.js) or blocks its event loop.
import type { DerivedDecoder } from '../src/model/convert/index.js';
import { FloorDecoder, type SessionSettings } from './floor.js';
import type { SequenceTiming } from './stats.js';
import { inRpcWorker, RpcWorker, serveRpc } from './worker-rpc.js';

interface FloorInit {
  floor: { derived: DerivedDecoder; settings: SessionSettings };
}

type Run = { batch: number; promptLength: number; tokens: number };

/** Main-thread handle: same run() as FloorDecoder, executed in the worker. */
export class FloorWorker {
  private constructor(private readonly rpc: RpcWorker<Run, SequenceTiming[]>) {}

  static async open(derived: DerivedDecoder, settings: SessionSettings): Promise<FloorWorker> {
    return new FloorWorker(
      await RpcWorker.open('floor worker', import.meta.url, { floor: { derived, settings } } satisfies FloorInit),
    );
  }

  run(batch: number, promptLength: number, tokens: number): Promise<SequenceTiming[]> {
    return this.rpc.call({ batch, promptLength, tokens });
  }

  close(): Promise<void> {
    return this.rpc.close();
  }
}

const init = inRpcWorker((d): d is FloorInit => typeof d === 'object' && d !== null && 'floor' in d);
if (init) {
  serveRpc(async () => {
    const floor = await FloorDecoder.open(init.floor.derived, init.floor.settings);
    return { call: (r: Run) => floor.run(r.batch, r.promptLength, r.tokens), close: () => floor.close() };
  });
}
