// Child process of cpu-profile.ts, run under `node --cpu-prof`: the engine through
// its public API, a warm-up, then the measured runs, whose monotonic start and end
// (µs, the clock V8's profiles use) go to stdout as the last line.
import { openEngine, runEngine } from './engine-bench.js';

interface ChildArgs {
  modelDir: string;
  prompts: number[][];
  tokens: number;
  concurrency: number;
  threads: number;
  rounds: number;
}

const args = JSON.parse(process.argv[2]) as ChildArgs;
const { engine } = await openEngine(args.modelDir, {
  workers: 1,
  threadsPerWorker: args.threads,
  maxSequencesPerWorker: args.concurrency,
});
await runEngine(engine, args.prompts, args.concurrency, Math.min(8, args.tokens), 'off');
const startUs = Number(process.hrtime.bigint() / 1000n);
for (let r = 0; r < args.rounds; r++) await runEngine(engine, args.prompts, args.concurrency, args.tokens, 'off');
const endUs = Number(process.hrtime.bigint() / 1000n);
await engine.close();
process.stdout.write(`${JSON.stringify({ startUs, endUs, tokens: args.rounds * args.concurrency * args.tokens })}\n`);
