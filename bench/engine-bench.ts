// selar-server's engine through its public API (createEngine → engine.generate),
// the way the HTTP layer uses it: one worker pool, events consumed on the main thread.
import { createEngine, type LoadedEngine } from '../src/engine/create-engine.js';
import type { Engine, SelarMode } from '../src/engine/types.js';
import type { Batching } from '../src/engine/types.js';
import { benchRequest } from './requests.js';
import type { SequenceTiming } from './stats.js';

export interface EngineSettings {
  workers: number;
  threadsPerWorker: number;
  maxSequencesPerWorker: number;
}

export function openEngine(modelDir: string, s: EngineSettings, batching: Batching = 'exact'): Promise<LoadedEngine> {
  return createEngine({
    batching,
    modelDir,
    workers: s.workers,
    threadsPerWorker: s.threadsPerWorker,
    maxSequencesPerWorker: s.maxSequencesPerWorker,
    queueSize: 256,
    device: 'cpu',
    dtype: 'fp32',
  });
}

export async function timeEngineSequence(
  engine: Engine,
  promptIds: number[],
  tokens: number,
  mode: SelarMode,
): Promise<SequenceTiming> {
  const request = benchRequest(promptIds, tokens, mode, engine.model.eosTokenIds);
  const startMs = performance.now();
  let firstTokenMs = 0;
  let lastTokenMs = 0;
  let count = 0;
  let softTokens = 0;
  for await (const event of engine.generate(request)) {
    if (event.type === 'token') {
      lastTokenMs = performance.now();
      if (count++ === 0) firstTokenMs = lastTokenMs;
    } else softTokens = event.softTokens;
  }
  if (count !== tokens) throw new Error(`engine produced ${count} tokens, expected ${tokens}`);
  return { startMs, firstTokenMs, lastTokenMs, tokens: count, softTokens };
}

/** `concurrency` sequences started together, prompts taken round-robin from the set. */
export function runEngine(
  engine: Engine,
  prompts: number[][],
  concurrency: number,
  tokens: number,
  mode: SelarMode,
): Promise<SequenceTiming[]> {
  return Promise.all(
    Array.from({ length: concurrency }, (_, i) =>
      timeEngineSequence(engine, prompts[i % prompts.length], tokens, mode),
    ),
  );
}
