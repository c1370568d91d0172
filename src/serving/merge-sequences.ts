// Runs every sequence of a plan on the engine and interleaves their events in
// arrival order, tagged with the choice index. The first failure ends the merge and
// cancels the sibling sequences, so a request never leaves work running behind it;
// so does a consumer that stops early.
import { SelarError } from '../errors.js';
import type { Engine, GenerationEvent, GenerationRequest } from '../engine/types.js';

export interface IndexedEvent {
  index: number;
  event: GenerationEvent;
}

type Step = { index: number; result: IteratorResult<GenerationEvent> };

export async function* mergeSequences(
  engine: Engine,
  sequences: GenerationRequest[],
  signal: AbortSignal,
): AsyncGenerator<IndexedEvent> {
  // The sequences listen to one controller of our own, aborted with the caller's
  // signal or when the merge ends while some still run. (A forwarding listener, not
  // AbortSignal.any: that was a tenth of the main thread's work per request.)
  const own = new AbortController();
  const forward = () => own.abort(signal.reason);
  if (signal.aborted) own.abort(signal.reason);
  else signal.addEventListener('abort', forward, { once: true });
  /** Every sequence ran to its end: nothing left to cancel. */
  let settled = false;
  const pending = new Map<number, Promise<Step>>();
  const iterators: Array<AsyncIterator<GenerationEvent>> = [];
  try {
    // Inside the try: when the engine refuses a later sequence (overloaded), the ones
    // it already admitted are cancelled below.
    for (const seq of sequences) iterators.push(engine.generate(seq, own.signal)[Symbol.asyncIterator]());
    if (iterators.length === 1) {
      // n = 1, nearly every request: no race, one promise per event fewer.
      for (let r = await iterators[0].next(); !r.done; r = await iterators[0].next())
        yield { index: 0, event: r.value };
    } else {
      const arm = (index: number) =>
        pending.set(
          index,
          iterators[index].next().then((result) => ({ index, result })),
        );
      for (let i = 0; i < iterators.length; i++) arm(i);
      while (pending.size > 0) {
        const { index, result } = await Promise.race(pending.values());
        if (result.done) {
          pending.delete(index);
          continue;
        }
        arm(index);
        yield { index, event: result.value };
      }
    }
    settled = true;
  } finally {
    signal.removeEventListener('abort', forward);
    // Leaving early (a sequence failed, the client is gone, the consumer stopped):
    // cancel and release the sequences still running (cancelling one that already
    // ended is a no-op). Their pending next() promises may reject; nobody awaits them.
    if (!settled) own.abort(new SelarError('cancelled', 'the request ended before all of its sequences'));
    for (const [index, p] of pending) {
      p.catch(() => undefined);
      void Promise.resolve(iterators[index].return?.()).catch(() => undefined);
    }
  }
}
