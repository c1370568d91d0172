// Runs every sequence of a plan on the engine and interleaves their events in
// arrival order, tagged with the choice index. The first failure ends the merge
// (the caller aborts the shared signal so the remaining sequences stop too).
import type { Engine, GenerationEvent, GenerationRequest } from '../engine/types.js';

export interface IndexedEvent { index: number; event: GenerationEvent }

type Step = { index: number; result: IteratorResult<GenerationEvent> };

export async function* mergeSequences(engine: Engine, sequences: GenerationRequest[], signal: AbortSignal): AsyncGenerator<IndexedEvent> {
  const iterators = sequences.map((seq) => engine.generate(seq, signal)[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<Step>>();
  const arm = (index: number) => pending.set(index, iterators[index].next().then((result) => ({ index, result })));
  iterators.forEach((_, i) => arm(i));
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      arm(index);
      yield { index, event: result.value };
    }
  } finally {
    // Leaving early (error, client gone): release the iterators still running. Their
    // pending next() promises may reject once the signal aborts; nobody awaits them.
    for (const [index, p] of pending) {
      p.catch(() => undefined);
      void Promise.resolve(iterators[index].return?.()).catch(() => undefined);
    }
  }
}
