// Where a selar-server decode step goes, beside llama.cpp's rows. The floor (session.run
// alone on the same derived decoder, fp32 or quantized as the server quantizes at load,
// with the engine's session options) gives the step's cost inside onnxruntime. ORT's
// profiler on it times each kernel, but adds a few microseconds to every one of the
// hundreds of nodes, so only the weight matrix products (few, long, barely inflated) are
// taken from it: what is left of the floor is the rest of the graph (norms, RoPE,
// attention, cache concatenation) with ORT's time between kernels and the binding. What
// the HTTP row's step takes beyond the floor is the engine's loop, the worker messages
// and the HTTP stream.
import { deriveEmbedsDecoder } from '../src/model/convert/index.js';
import { quantizeSpec } from '../src/model/quantize/index.js';
import { detectLayout } from '../src/model/layout.js';
import { FloorDecoder } from './floor.js';
import { ortStepProfile, type OrtStepProfile } from './ort-profile.js';
import { median, runMetrics } from './stats.js';

export type ProfiledDtype = 'fp32' | 'q8' | 'q4';

export interface StepSplit {
  dtype: ProfiledDtype;
  threads: number;
  /** selar-server's decode step over HTTP at concurrency 1 (1000 / decode tok/s of its row, SeLaR off). */
  stepMs: number;
  /** session.run alone, no profiler: median decode step of three runs. */
  floorMs: number;
  ort: OrtStepProfile;
}

/** ORT profiles of each precision at each thread count; `stepMs` gives the HTTP row's step, NaN where none ran. */
export async function selarStepSplits(
  modelDir: string,
  dtypes: readonly ProfiledDtype[],
  threads: readonly number[],
  promptLength: number,
  tokens: number,
  stepMs: (dtype: ProfiledDtype, threads: number) => number,
): Promise<StepSplit[]> {
  const file = detectLayout(modelDir, 'fp32').decoderFile;
  const out: StepSplit[] = [];
  for (const dtype of dtypes) {
    const derived = await deriveEmbedsDecoder(file, dtype === 'fp32' ? {} : { quantize: quantizeSpec(dtype) });
    for (const t of threads) {
      const floor = await FloorDecoder.open(derived, { threads: t });
      const steps: number[] = [];
      try {
        await floor.run(1, promptLength, tokens); // warm-up
        for (let r = 0; r < 3; r++) steps.push(1000 / runMetrics(await floor.run(1, promptLength, tokens)).decodeTps);
      } finally {
        await floor.close();
      }
      const ort = await ortStepProfile(derived, t, promptLength, tokens);
      out.push({ dtype, threads: t, stepMs: stepMs(dtype, t), floorMs: median(steps), ort });
    }
  }
  return out;
}

const ms = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '–');
const share = (part: number, whole: number): string =>
  Number.isFinite(part) && Number.isFinite(whole) && whole > 0 ? ` (${Math.round((100 * part) / whole)} %)` : '';

/** The operators that multiply by weight matrices (the bytes a memory-bound step reads). */
const WEIGHT_OPS = new Set(['MatMul', 'MatMulNBits', 'FusedMatMul', 'Gemm', 'MatMulInteger', 'DynamicQuantizeMatMul']);

/** Per step, the profiled time of the weight matrix products. */
export function weightMatMulMs(ort: OrtStepProfile): number {
  return ort.byOp.filter((o) => WEIGHT_OPS.has(o.op)).reduce((sum, o) => sum + o.ms, 0);
}

/** The split as Markdown rows; a part the profile could not see (no HTTP row) is a dash. */
export function renderStepSplits(splits: readonly StepSplit[]): string[] {
  if (splits.length === 0) return [];
  const out = [
    'Where a selar-server step goes (ORT profiler on the same decoder, concurrency 1; ms per decode step):',
    '',
    '| weights | threads | HTTP step | session.run alone | weight MatMuls | rest of the graph, ORT, binding | ' +
      'engine loop + HTTP | nodes | top kernels (profiled) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of splits) {
    const { ort } = s;
    const matmul = Math.min(weightMatMulMs(ort), s.floorMs);
    const rest = s.floorMs - matmul;
    const loop = Math.max(0, s.stepMs - s.floorMs);
    const top = ort.byOp
      .slice(0, 3)
      .map((o) => `${o.op} ${ms(o.ms)}`)
      .join(', ');
    out.push(
      `| ${s.dtype} | ${s.threads} | ${ms(s.stepMs)} | ${ms(s.floorMs)} | ${ms(matmul)}${share(matmul, s.stepMs)} | ` +
        `${ms(rest)}${share(rest, s.stepMs)} | ${ms(loop)}${share(loop, s.stepMs)} | ` +
        `${Math.round(ort.nodesPerStep)} | ${top} |`,
    );
  }
  out.push('');
  return out;
}
