// Runs every sequence of a plan on the engine and interleaves their events in
// arrival order, tagged with the choice index. The first failure ends the merge and
// cancels the sibling sequences, so a request never leaves work running behind it.
import { SelarError } from '../errors.js';
import type { Engine, GenerationEvent, GenerationRequest } from '../engine/types.js';

export interface IndexedEvent { index: number; event: GenerationEvent }

type Step = { index: number; result: IteratorResult<GenerationEvent> };

export async function* mergeSequences(engine: Engine, sequences: GenerationRequest[], signal: AbortSignal): AsyncGenerator<IndexedEvent> {
  const own = new AbortController();
  const both = AbortSignal.any([signal, own.signal]);
  const iterators = sequences.map((seq) => engine.generate(seq, both)[Symbol.asyncIterator]());
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
    // Leaving early (error, client gone): cancel and release the sequences still
    // running. Their pending next() promises may reject; nobody awaits them.
    if (pending.size > 0) own.abort(new SelarError('cancelled', 'another sequence of this request failed'));
    for (const [index, p] of pending) {
      p.catch(() => undefined);
      void Promise.resolve(iterators[index].return?.()).catch(() => undefined);
    }
  }
}
