// What SeLaR's gate costs at each precision, measured where it is small enough to see: the
// engine alone (no HTTP, whose run-to-run noise on a 2-core machine is larger than the
// effect), the same prompt decoded with SeLaR off and on in alternating order, medians.
// On random weights nearly every step goes soft, the gate's worst case.
import { createEngine, type LoadedEngine } from '../src/engine/create-engine.js';
import type { SelarMode } from '../src/engine/types.js';
import { quantizeSpec } from '../src/model/quantize/index.js';
import { benchRequest } from './requests.js';
import { median } from './stats.js';

export type CostDtype = 'fp32' | 'q8' | 'q4';

export interface SelarCost {
  dtype: CostDtype;
  threads: number;
  /** Decode tok/s, medians over the rounds. */
  off: number;
  selar: number;
  /** Soft steps of the SeLaR runs, as a fraction of their tokens. */
  softFraction: number;
  rounds: number;
}

/**
 * selar-server's engine as the llama.cpp bench runs it: one worker, exact batching, the fp32
 * export, quantized at load for q8/q4 (MatMulNBits, the server's --quantize defaults).
 */
export function openBenchEngine(
  modelDir: string,
  dtype: CostDtype,
  threads: number,
  maxSequences: number,
  queueSize: number,
): Promise<LoadedEngine> {
  return createEngine({
    batching: 'exact',
    modelDir,
    workers: 1,
    threadsPerWorker: threads,
    maxSequencesPerWorker: maxSequences,
    queueSize,
    device: 'cpu',
    dtype: 'fp32',
    quantize: dtype === 'fp32' ? undefined : quantizeSpec(dtype),
  });
}

/** Rounds alternate which mode goes first; the first round warms both up and is not counted. */
export async function selarCosts(
  modelDir: string,
  dtypes: readonly CostDtype[],
  threads: number,
  prompt: number[],
  tokens: number,
  rounds = 8,
): Promise<SelarCost[]> {
  const out: SelarCost[] = [];
  for (const dtype of dtypes) {
    const { engine } = await openBenchEngine(modelDir, dtype, threads, 1, 4);
    const tps: Record<'off' | 'selar', number[]> = { off: [], selar: [] };
    let soft = 0;
    let softOf = 0;
    try {
      for (let r = 0; r <= rounds; r++)
        for (const mode of (r % 2 ? ['off', 'selar'] : ['selar', 'off']) as Array<'off' | 'selar'>) {
          const run = await decode(engine, prompt, tokens, mode);
          if (r === 0) continue;
          tps[mode].push(run.tps);
          if (mode === 'selar') {
            soft += run.soft;
            softOf += tokens;
          }
        }
    } finally {
      await engine.close();
    }
    out.push({ dtype, threads, off: median(tps.off), selar: median(tps.selar), softFraction: soft / softOf, rounds });
  }
  return out;
}

async function decode(
  engine: LoadedEngine['engine'],
  prompt: number[],
  tokens: number,
  mode: SelarMode,
): Promise<{ tps: number; soft: number }> {
  let first = 0;
  let last = 0;
  let n = 0;
  let soft = 0;
  for await (const e of engine.generate(benchRequest(prompt, tokens, mode, engine.model.eosTokenIds))) {
    if (e.type === 'token') {
      n++;
      last = performance.now();
      if (n === 1) first = last;
    } else if (e.type === 'finish') soft = e.softTokens;
  }
  return { tps: ((n - 1) * 1000) / (last - first), soft };
}

export function renderSelarCosts(costs: readonly SelarCost[]): string[] {
  if (costs.length === 0) return [];
  const out = [
    `SeLaR's cost, the engine alone (no HTTP), SeLaR off and on alternating, medians of ${costs[0].rounds} rounds:`,
    '',
    '| weights | threads | off tok/s | SeLaR on tok/s | on ÷ off | soft steps |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of costs)
    out.push(
      `| ${c.dtype} | ${c.threads} | ${c.off.toFixed(1)} | ${c.selar.toFixed(1)} | ${(c.selar / c.off).toFixed(3)} | ` +
        `${Math.round(c.softFraction * 100)} % |`,
    );
  out.push('');
  return out;
}
