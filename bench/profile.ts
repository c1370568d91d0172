// Where the engine's time goes. Runs the engine's own decode loop (the runtime a
// worker builds and its Scheduler, src/worker/) in this thread, with timers wrapped
// around the pieces it is made of: session.run, the rest of DecoderSession.forward
// (feeds, tensor wrappers, splitting the logits), cache merges and row selection
// for continuous batching, Sequence.step split into embedding lookups, detokenising
// and the rest (sampling, SeLaR gate and mix, stop strings), and what is left in the
// scheduler. Micro-benchmarks size the sampler at this vocabulary and at 150k, and
// the copy the binding makes of every output. Set against the bench rows, the
// loop's speed without the pool separates worker messaging from the loop itself.
// The bench calls it in a worker thread (profileModelInWorker), where the engine runs.
import { loadModel } from '../src/engine/load-model.js';
import { workerInitFor } from '../src/engine/create-engine.js';
import type { GenerationRequest, SelarMode } from '../src/engine/types.js';
import { SequenceSampler } from '../src/sampling/sampler.js';
import { DecoderSession, type KvCache } from '../src/worker/decoder-session.js';
import { createRuntime, type Runtime } from '../src/worker/runtime.js';
import { Scheduler } from '../src/worker/scheduler.js';
import { Sequence } from '../src/worker/sequence.js';
import { deriveEmbedsDecoder } from '../src/model/convert/index.js';
import { detectLayout } from '../src/model/layout.js';
import type { BenchModel } from './models.js';
import { ortStepProfile, sessionVariants, type OrtStepProfile, type SessionVariant } from './ort-profile.js';
import { benchRequest } from './requests.js';
import { median } from './stats.js';
import { medianBreakdown, type LoopBreakdown } from './breakdown.js';
import { callInWorker } from './in-worker.js';
import type { MainThreadBreakdown } from './main-thread-profile.js';
import type { WorkerCpuBreakdown } from './cpu-profile.js';

export interface ModelProfile {
  model: string;
  vocab: number;
  hidden: number;
  loops: LoopBreakdown[];
  /** SequenceSampler.sample (greedy, SeLaR top-3 mix) per call, at this vocabulary and at 151,936. */
  samplerMs: { vocab: number; ms: number }[];
  /**
   * Bytes the binding copies out of ORT per decode step of one sequence at the profiled length (KV present + logits).
   */
  outputBytesPerStep: number;
  /** Time to copy that many bytes once in JS (what the binding's extra copy costs). */
  outputCopyMs: number;
  /** Inputs fed per forward pass (each one a Tensor wrapper and a binding lookup). */
  inputsPerStep: number;
  /** KV-cache bytes per cached position (all layers): the binding copies length × this out every step. */
  kvBytesPerPosition: number;
  /** Whether the decoder's presents carry only each step's new positions (DerivedDecoder.presentNewOnly). */
  presentNewOnly?: boolean;
  /**
   * Inside session.run, from ORT's own profiler on the floor loop, at batch 1 and at the highest profiled concurrency.
   */
  ort: OrtStepProfile[];
  /** The floor at c=1 under other session options. */
  variants: SessionVariant[];
  /** V8's profiler on the engine's decode worker (cpu-profile.ts), added by the bench after this profile. */
  cpu?: WorkerCpuBreakdown[];
  /** V8's profiler on the main thread around HTTP and engine-alone runs (main-thread-profile.ts). */
  mainThread?: MainThreadBreakdown[];
}

interface Acc {
  prefillRun: number;
  decodeRun: number;
  forward: number;
  merge: number;
  step: number;
  lookup: number;
  detok: number;
  decodePasses: number;
  decodeRows: number;
  inPrefill: boolean;
}

const fresh = (): Acc => ({
  prefillRun: 0,
  decodeRun: 0,
  forward: 0,
  merge: 0,
  step: 0,
  lookup: 0,
  detok: 0,
  decodePasses: 0,
  decodeRows: 0,
  inPrefill: false,
});

type AnyFn = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Replaces obj[key] with a version that adds its (awaited) duration to the accumulator. */
function timeMethod(obj: object, key: string, add: (ms: number, args: unknown[]) => void): () => void {
  const target = obj as Record<string, AnyFn>;
  const original = target[key];
  target[key] = function (this: unknown, ...args: unknown[]) {
    const s = performance.now();
    const r = original.apply(this, args);
    if (r instanceof Promise) return r.finally(() => add(performance.now() - s, args));
    add(performance.now() - s, args);
    return r;
  };
  return () => {
    target[key] = original;
  };
}

function instrument(rt: Runtime, acc: { current: Acc }): () => void {
  const restores = [
    timeMethod(DecoderSession.prototype, 'forward', (ms, args) => {
      acc.current.forward += ms;
      if ((args[2] as number) === 1) {
        acc.current.decodePasses++;
        acc.current.decodeRows += (args[0] as KvCache).batch ?? 1;
      }
    }),
    timeMethod(DecoderSession.prototype, 'mergeCaches', (ms) => void (acc.current.merge += ms)),
    timeMethod(DecoderSession.prototype, 'keepRows', (ms) => void (acc.current.merge += ms)),
    timeMethod(Sequence.prototype, 'step', (ms) => void (acc.current.step += ms)),
    timeMethod(rt.decoder.session, 'run', (ms, args) => {
      const feeds = args[0] as Record<string, { dims: readonly number[] }>;
      const T = feeds[rt.decoder.io.embeds].dims[1];
      if (T > 1) acc.current.prefillRun += ms;
      else acc.current.decodeRun += ms;
    }),
    timeMethod(rt.ctx.embeddings, 'lookup', (ms) => void (acc.current.lookup += ms)),
    timeMethod(rt.ctx.tokenizer, 'decode', (ms) => void (acc.current.detok += ms)),
  ];
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}

function runScheduler(rt: Runtime, requests: GenerationRequest[]): Promise<{ tokens: number; soft: number }> {
  return new Promise((resolve, reject) => {
    let open = requests.length;
    let tokens = 0;
    let soft = 0;
    const scheduler = new Scheduler(rt.decoder, rt.ctx, {
      events: (_id, events) => {
        for (const e of events) {
          if (e.type === 'token') tokens++;
          else {
            soft += e.softTokens;
            if (--open === 0) resolve({ tokens, soft });
          }
        }
      },
      failed: (id, message) => reject(new Error(`${id}: ${message}`)),
    });
    for (const r of requests) scheduler.add(r);
  });
}

async function profileLoop(
  rt: Runtime,
  acc: { current: Acc },
  prompts: number[][],
  concurrency: number,
  tokens: number,
  mode: SelarMode,
  eos: number[],
  repeats: number,
): Promise<LoopBreakdown> {
  const runs: LoopBreakdown[] = [];
  for (let r = 0; r < repeats; r++) runs.push(await profileLoopOnce(rt, acc, prompts, concurrency, tokens, mode, eos));
  return medianBreakdown(runs);
}

async function profileLoopOnce(
  rt: Runtime,
  acc: { current: Acc },
  prompts: number[][],
  concurrency: number,
  tokens: number,
  mode: SelarMode,
  eos: number[],
): Promise<LoopBreakdown> {
  const requests = () =>
    Array.from({ length: concurrency }, (_, i) => benchRequest(prompts[i % prompts.length], tokens, mode, eos));
  acc.current = fresh();
  await runScheduler(
    rt,
    requests().map((r) => ({ ...r, stop: { ...r.stop, maxTokens: Math.min(8, tokens) } })),
  ); // warm-up
  acc.current = fresh();
  const s = performance.now();
  const done = await runScheduler(rt, requests());
  const wall = performance.now() - s;
  const a = acc.current;
  const per = (x: number) => x / done.tokens;
  const stepOther = a.step - a.lookup - a.detok;
  return {
    mode,
    concurrency,
    tokens: done.tokens,
    tokensPerSecond: (done.tokens * 1000) / wall,
    rowsPerDecodePass: a.decodePasses ? a.decodeRows / a.decodePasses : 0,
    decodePasses: a.decodePasses,
    ms: {
      prefillRun: per(a.prefillRun),
      decodeRun: per(a.decodeRun),
      forwardOther: per(a.forward - a.prefillRun - a.decodeRun),
      cacheMergeSplit: per(a.merge),
      embeddingLookup: per(a.lookup),
      detokenise: per(a.detok),
      samplingAndRest: per(stepOther),
      schedulerRest: per(wall - a.forward - a.merge - a.step),
    },
    softFraction: done.soft / done.tokens,
  };
}

function samplerMs(vocab: number): number {
  const request = benchRequest([1], 1, 'selar', []);
  const sampler = new SequenceSampler(request.sampling, request.selar, vocab, [1, 2, 3], 0);
  const master = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) master[i] = Math.sin(i * 12.9898) * 4;
  const logits = new Float32Array(vocab);
  const times: number[] = [];
  for (let i = 0; i < 60; i++) {
    logits.set(master);
    const s = performance.now();
    sampler.choose(sampler.distribution(logits));
    if (i >= 10) times.push(performance.now() - s);
  }
  return median(times);
}

function copyMs(bytes: number): number {
  const src = new Uint8Array(bytes).fill(1);
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    new Uint8Array(bytes).set(src);
    times.push(performance.now() - s);
  }
  return median(times);
}

export interface ProfilePlan {
  tokens: number;
  concurrency: number[];
}

/** Decode steps of the ORT-profiled floor run and of each session-option variant run. */
const ORT_PROFILE_TOKENS = { demo: 64, large: 8 };
const VARIANT_TOKENS = { demo: 64, large: 12 };

/** profileModel in a worker thread, where the engine runs its loop (see in-worker.ts). */
export function profileModelInWorker(
  model: BenchModel,
  prompts: number[][],
  plan: ProfilePlan,
  threads: number,
): Promise<ModelProfile> {
  return callInWorker<ModelProfile>(import.meta.url, 'profileModel', [model, prompts, plan, threads]);
}

export async function profileModel(
  model: BenchModel,
  prompts: number[][],
  plan: ProfilePlan,
  threads: number,
  log: (s: string) => void,
): Promise<ModelProfile> {
  log(`  profiling ${model.name}: the engine's decode loop without the pool, ${plan.tokens} tokens per sequence`);
  const loaded = await loadModel(model.dir, { dtype: 'fp32' });
  const rt = await createRuntime(workerInitFor(loaded, { modelDir: model.dir }, threads));
  const acc = { current: fresh() };
  const restore = instrument(rt, acc);
  const eos = loaded.info.eosTokenIds;
  let released = false;
  try {
    const loops: LoopBreakdown[] = [];
    // Repeated and reduced to medians: one pass of a few hundred ms is at the mercy of the machine's other load.
    const repeats = 3;
    for (const mode of ['off', 'selar', 'soft'] as const)
      loops.push(await profileLoop(rt, acc, prompts, 1, plan.tokens, mode, eos, repeats));
    for (const c of plan.concurrency.filter((c) => c > 1))
      loops.push(await profileLoop(rt, acc, prompts, c, plan.tokens, 'off', eos, repeats));
    for (const l of loops)
      log(
        `    ${l.mode} c=${l.concurrency}: ${l.tokensPerSecond.toFixed(1)} tok/s, ${l.rowsPerDecodePass.toFixed(2)} ` +
          `rows per decode pass`,
      );
    // Outputs the binding copies per decode step of one sequence, at the middle of the
    // run: the whole cache, or only the step's position when presents are new-only.
    const length = Math.round(median(prompts.map((p) => p.length)) + plan.tokens / 2);
    let kvFloats = 0;
    for (const m of rt.decoder.session.outputMetadata) {
      if (!m.isTensor || !m.name.startsWith('present')) continue;
      kvFloats += m.shape.reduce<number>((n, d) => n * (typeof d === 'number' && d > 0 ? d : 1), 1) * length;
    }
    const presentNewOnly = loaded.derived.presentNewOnly;
    const outputBytesPerStep = ((presentNewOnly ? kvFloats / length : kvFloats) + loaded.info.vocabSize) * 4;
    const sampler = [...new Set([loaded.info.vocabSize, 151936])].map((v) => ({ vocab: v, ms: samplerMs(v) }));
    const outputCopy = copyMs(outputBytesPerStep);
    await rt.decoder.session.release();
    released = true;
    log(`  profiling ${model.name}: ORT's profiler on the floor loop, and the floor under other session options`);
    const derived = await deriveEmbedsDecoder(detectLayout(model.dir, 'fp32').decoderFile);
    const promptLength = Math.round(median(prompts.map((p) => p.length)));
    const ort: OrtStepProfile[] = [];
    for (const batch of [...new Set([1, Math.max(...plan.concurrency)])])
      ort.push(await ortStepProfile(derived, threads, promptLength, ORT_PROFILE_TOKENS[model.role], batch));
    const wholeCache = await deriveEmbedsDecoder(detectLayout(model.dir, 'fp32').decoderFile, {
      wholeCacheOutputs: true,
    });
    const variants = await sessionVariants(
      derived,
      wholeCache,
      threads,
      Math.max(...plan.concurrency),
      promptLength,
      VARIANT_TOKENS[model.role],
      model.role === 'demo' ? 5 : 3,
    );
    return {
      model: model.name,
      vocab: loaded.info.vocabSize,
      hidden: loaded.info.hiddenSize,
      loops,
      samplerMs: sampler,
      outputBytesPerStep,
      outputCopyMs: outputCopy,
      inputsPerStep: rt.decoder.session.inputNames.length,
      kvBytesPerPosition: (kvFloats * 4) / length,
      presentNewOnly,
      ort,
      variants,
    };
  } finally {
    restore();
    if (!released) await rt.decoder.session.release();
  }
}
