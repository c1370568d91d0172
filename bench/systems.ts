// Opens the systems a model's plan needs, runs one configuration, and closes them.
// Everything for one model stays loaded for the whole model, so runs of different
// systems can be interleaved round by round.
import { deriveEmbedsDecoder } from '../src/model/convert/index.js';
import { detectLayout } from '../src/model/layout.js';
import type { LoadedEngine } from '../src/engine/create-engine.js';
import { openEngine, runEngine, type EngineSettings } from './engine-bench.js';
import { FloorWorker } from './floor-worker.js';
import { runSchema } from './grammar-bench.js';
import { runHttp, startHttp, type HttpServer } from './http-bench.js';
import type { BenchModel } from './models.js';
import { BENCH_STREAM_INTERVAL, type Config, type SystemId } from './plan.js';
import type { SequenceTiming } from './stats.js';
import { openTransformers, runTransformers, type TransformersModel } from './transformers-bench.js';

export interface OpenSystems {
  floor: FloorWorker | null;
  engine: LoadedEngine | null;
  /** A second engine with --batching padded. */
  padded: LoadedEngine | null;
  http: HttpServer | null;
  /** The same app with --stream-interval BENCH_STREAM_INTERVAL, on the same engine. */
  httpInterval: HttpServer | null;
  /** The app with --stream-interval BENCH_STREAM_INTERVAL on the padded-batching engine. */
  httpPadded: HttpServer | null;
  transformers: TransformersModel | null;
  skipped: Array<{ system: SystemId; reason: string }>;
}

export async function openSystems(
  model: BenchModel,
  systems: Set<SystemId>,
  settings: EngineSettings,
): Promise<OpenSystems> {
  const open: OpenSystems = {
    floor: null,
    engine: null,
    padded: null,
    http: null,
    httpInterval: null,
    httpPadded: null,
    transformers: null,
    skipped: [],
  };
  if (systems.has('floor')) {
    const derived = await deriveEmbedsDecoder(detectLayout(model.dir, 'fp32').decoderFile);
    open.floor = await FloorWorker.open(derived, { threads: settings.threadsPerWorker });
  }
  // The exact-batching engine serves its own rows and the HTTP rows on it; the padded one its own.
  const onExact: SystemId[] = [
    'engine:off',
    'engine:selar',
    'engine:soft',
    'engine:schema',
    'http:off',
    'http:interval',
  ];
  if (onExact.some((s) => systems.has(s))) open.engine = await openEngine(model.dir, settings);
  if (systems.has('engine:padded') || systems.has('http:padded'))
    open.padded = await openEngine(model.dir, settings, 'padded');
  if (systems.has('http:off')) open.http = await startHttp(model.dir, open.engine!.engine, open.engine!.tokenizer, 1);
  if (systems.has('http:interval'))
    open.httpInterval = await startHttp(model.dir, open.engine!.engine, open.engine!.tokenizer, BENCH_STREAM_INTERVAL);
  if (systems.has('http:padded'))
    open.httpPadded = await startHttp(model.dir, open.padded!.engine, open.padded!.tokenizer, BENCH_STREAM_INTERVAL);
  if (systems.has('transformers.js')) {
    try {
      open.transformers = await openTransformers(model.dir, settings.threadsPerWorker, model.externalData);
    } catch (err) {
      open.skipped.push({
        system: 'transformers.js',
        reason: `could not load the model: ${(err as Error).message.split('\n')[0]}`,
      });
    }
  }
  return open;
}

export async function closeSystems(open: OpenSystems): Promise<void> {
  await open.http?.close();
  await open.httpInterval?.close();
  await open.httpPadded?.close();
  await open.engine?.engine.close();
  await open.padded?.engine.close();
  await open.floor?.close();
  await open.transformers?.close();
}

/** One run of one configuration; null when the system is not available for this model. */
export function runConfig(
  open: OpenSystems,
  c: Config,
  prompts: number[][],
  floorPromptLength: number,
): Promise<SequenceTiming[]> | null {
  switch (c.system) {
    case 'floor':
      return open.floor ? open.floor.run(c.concurrency, floorPromptLength, c.tokens) : null;
    case 'engine:off':
    case 'engine:selar':
    case 'engine:soft':
      return open.engine
        ? runEngine(
            open.engine.engine,
            prompts,
            c.concurrency,
            c.tokens,
            c.system.slice('engine:'.length) as 'off' | 'selar' | 'soft',
          )
        : null;
    case 'engine:schema':
      return open.engine ? runSchema(open.engine.engine, prompts, c.concurrency, c.tokens) : null;
    case 'engine:padded':
      return open.padded ? runEngine(open.padded.engine, prompts, c.concurrency, c.tokens, 'off') : null;
    case 'http:off':
      return open.http ? runHttp(open.http, prompts, c.concurrency, c.tokens, 'off') : null;
    case 'http:interval':
      return open.httpInterval ? runHttp(open.httpInterval, prompts, c.concurrency, c.tokens, 'off') : null;
    case 'http:padded':
      return open.httpPadded ? runHttp(open.httpPadded, prompts, c.concurrency, c.tokens, 'off') : null;
    case 'transformers.js':
      return open.transformers ? runTransformers(open.transformers, prompts, c.concurrency, c.tokens) : null;
  }
}
