// Worker and thread planning for the cores a deployment gives the engine.
import os from 'node:os';

/** Hidden sizes below this decode fastest on one intra-op thread per session. */
export const SMALL_MODEL_HIDDEN = 512;

/**
 * Workers and intra-op threads per worker, where not configured. A model with a hidden
 * size under 512 gets one thread per worker and one worker per core: its matrix
 * products are too small to split, so the thread pool's hand-offs cost more than they
 * save (benchmark, floor at c=1: the demo model, hidden 192, decodes 2.2× faster on
 * one thread than on two; the generated 1024-wide Llama 1.6× slower), and the other
 * cores then serve other sequences in parallel. Larger models: one worker per two
 * cores, each using its share of the cores.
 */
export function defaultParallelism(
  hiddenSize: number,
  given: { workers?: number; threadsPerWorker?: number } = {},
  cores = os.availableParallelism(),
): { workers: number; threads: number } {
  const small = hiddenSize < SMALL_MODEL_HIDDEN;
  const workers = Math.max(1, given.workers ?? (small ? cores : Math.floor(cores / 2)));
  const threads = Math.max(1, given.threadsPerWorker ?? (small ? 1 : Math.floor(cores / workers)));
  return { workers, threads };
}
