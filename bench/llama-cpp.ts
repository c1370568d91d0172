// llama.cpp for the benchmark's anchor rows: node-llama-cpp 3.21.1 installed on demand into
// bench/llama-cpp/ (its own package.json and lock, `npm ci --prefix`; not a dependency of the
// server or the tests), the models as GGUF files, and two ways to drive the same prebuilt
// libllama: a C greedy loop (greedy.c, compiled here with gcc against the headers of the
// llama.cpp source bundle the package ships) and node-llama-cpp's own API.
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { performance } from 'node:perf_hooks';
import { writeLlamaGguf, type GgufWeights } from './gguf-llama.js';
import type { SequenceTiming } from './stats.js';

export const LLAMA_CPP_DIR = path.resolve(import.meta.dirname, 'llama-cpp');
const MODULES = path.join(LLAMA_CPP_DIR, 'node_modules');
/** Compiled helpers and extracted headers (git-ignored). */
const BUILD_DIR = path.join(LLAMA_CPP_DIR, 'build');

export function nodeLlamaCppVersion(): string | null {
  const file = path.join(MODULES, 'node-llama-cpp', 'package.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version : null;
}

/** Installs bench/llama-cpp/ from its lock when missing (a few hundred MB of prebuilt binaries). */
export function ensureNodeLlamaCpp(log: (s: string) => void): void {
  if (nodeLlamaCppVersion()) return;
  log('installing node-llama-cpp into bench/llama-cpp (npm ci --prefix bench/llama-cpp) ...');
  // No install scripts: the prebuilt CPU binaries ship in the platform package, and its
  // postinstall would otherwise try to download or build llama.cpp.
  execFileSync('npm', ['ci', '--prefix', LLAMA_CPP_DIR, '--ignore-scripts', '--no-audit', '--no-fund'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' },
  });
}

/** The prebuilt CPU build of this platform: libllama, libggml and the per-CPU ggml backends. */
export function prebuiltDir(): string {
  const osName = process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'win' : 'linux';
  const platform = `${osName}-${process.arch}`;
  const dir = path.join(MODULES, '@node-llama-cpp', platform, 'bins', platform);
  if (!fs.existsSync(dir)) throw new Error(`no prebuilt llama.cpp for ${platform} in ${dir}`);
  return dir;
}

function libraryName(dir: string, stem: string): string {
  const hit = fs.readdirSync(dir).find((f) => f.startsWith(`${stem}.`) && f.endsWith('.so'));
  if (!hit) throw new Error(`no ${stem}*.so in ${dir}`);
  return hit;
}

/** llama.h and the ggml headers it includes, from the llama.cpp release the package was built from. */
function headers(log: (s: string) => void): string {
  const include = path.join(BUILD_DIR, 'include');
  if (fs.existsSync(path.join(include, 'llama.h'))) return include;
  const bundle = path.join(MODULES, 'node-llama-cpp', 'llama', 'gitRelease.bundle');
  log('extracting llama.cpp headers from node-llama-cpp/llama/gitRelease.bundle ...');
  const repo = path.join(BUILD_DIR, 'src.git');
  fs.rmSync(repo, { recursive: true, force: true });
  execFileSync('git', ['clone', '--quiet', '--bare', bundle, repo], { stdio: 'inherit' });
  fs.mkdirSync(include, { recursive: true });
  const files = execFileSync(
    'git',
    ['--git-dir', repo, 'ls-tree', '--name-only', 'HEAD', 'include/', 'ggml/include/'],
    {
      encoding: 'utf8',
    },
  )
    .split('\n')
    .filter((f) => f.endsWith('.h'));
  for (const f of files)
    fs.writeFileSync(
      path.join(include, path.basename(f)),
      execFileSync('git', ['--git-dir', repo, 'show', `HEAD:${f}`]),
    );
  fs.rmSync(repo, { recursive: true, force: true });
  return include;
}

function compile(source: string, out: string, args: string[], log: (s: string) => void): string {
  const src = path.join(LLAMA_CPP_DIR, source);
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs > fs.statSync(src).mtimeMs) return out;
  log(`compiling bench/llama-cpp/${source} ...`);
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  execFileSync('gcc', ['-O2', '-o', out, src, ...args], { stdio: 'inherit' });
  return out;
}

/** The C greedy loop, linked against the package's own libllama (rpath to its folder). */
export function buildGreedy(log: (s: string) => void): string {
  const bins = prebuiltDir();
  return compile(
    'greedy.c',
    path.join(BUILD_DIR, 'greedy'),
    [
      `-I${headers(log)}`,
      `-L${bins}`,
      `-l:${libraryName(bins, 'libllama')}`,
      `-l:${libraryName(bins, 'libggml')}`,
      '-l:libggml-base.so',
      `-Wl,-rpath,${bins}`,
    ],
    log,
  );
}

/** Best read bandwidth (GB/s) with the given threads over a 512 MB buffer. */
export function measureBandwidth(threads: number, log: (s: string) => void): number {
  const exe = compile('bandwidth.c', path.join(BUILD_DIR, 'bandwidth'), ['-O3', '-march=native', '-pthread'], log);
  const out = execFileSync(exe, ['512', String(threads), '5'], { encoding: 'utf8' });
  return (JSON.parse(out) as { gbPerS: number }).gbPerS;
}

/** MODEL_DIR as GGUF (written beside the bench's generated models, once per source model and type). */
export function ggufFor(
  modelDir: string,
  name: string,
  weights: GgufWeights,
  cacheDir: string,
  log: (s: string) => void,
): string {
  const file = path.join(cacheDir, 'gguf', `${name}.${weights}.gguf`);
  const source = path.join(modelDir, 'onnx', 'model.onnx');
  const writer = [path.join(import.meta.dirname, 'gguf.ts'), path.join(import.meta.dirname, 'gguf-llama.ts')];
  const newest = Math.max(...[source, ...writer].map((f) => fs.statSync(f).mtimeMs));
  if (fs.existsSync(file) && fs.statSync(file).mtimeMs > newest) return file;
  log(`writing ${path.relative(process.cwd(), file)} ...`);
  writeLlamaGguf(modelDir, file, weights);
  return file;
}

/** Bytes of weights a decode step reads from a GGUF file: every tensor but the embedding table (one row of it). */
export function ggufBytesPerToken(file: string): number {
  return bytesPerTokenFromSizes(ggufTensorSizes(file));
}

export function bytesPerTokenFromSizes(sizes: Map<string, { bytes: number; rows: number }>): number {
  let total = 0;
  for (const [name, s] of sizes) total += name === 'token_embd.weight' ? s.bytes / s.rows : s.bytes;
  return total;
}

/** Tensor name → bytes and outer rows, from a GGUF header (the types this bench writes). */
export function ggufTensorSizes(file: string): Map<string, { bytes: number; rows: number }> {
  const buf = fs.readFileSync(file);
  let o = 8;
  const u32 = () => {
    const v = buf.readUInt32LE(o);
    o += 4;
    return v;
  };
  const u64 = () => {
    const v = Number(buf.readBigUInt64LE(o));
    o += 8;
    return v;
  };
  const str = () => {
    const n = u64();
    const s = buf.toString('utf8', o, o + n);
    o += n;
    return s;
  };
  const scalar: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
  const skip = (type: number): void => {
    if (type === 8) str();
    else if (type === 9) {
      const t = u32();
      const n = u64();
      for (let i = 0; i < n; i++) skip(t);
    } else o += scalar[type];
  };
  const nTensors = u64();
  const nKv = u64();
  for (let i = 0; i < nKv; i++) {
    str();
    skip(u32());
  }
  const block: Record<number, [number, number]> = { 0: [1, 4], 1: [1, 2], 2: [32, 18], 8: [32, 34] };
  const out = new Map<string, { bytes: number; rows: number }>();
  for (let i = 0; i < nTensors; i++) {
    const name = str();
    const dims = Array.from({ length: u32() }, u64);
    const [size, bytes] = block[u32()];
    u64();
    const count = dims.reduce((a, d) => a * d, 1);
    out.set(name, { bytes: (count / size) * bytes, rows: dims.length > 1 ? dims[dims.length - 1] : 1 });
  }
  return out;
}

export interface LlamaRun {
  timings: SequenceTiming[];
  ids: number[][];
}

/** greedy.c as a long-lived child: the model stays loaded, each run is one stdin line. */
export class GreedyLoop {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
  ) {}

  static async open(exe: string, gguf: string, maxSequences: number, ctxPerSequence: number): Promise<GreedyLoop> {
    const child = spawn(exe, [gguf, prebuiltDir(), String(maxSequences), String(ctxPerSequence)]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const loop = new GreedyLoop(child, lines);
    const first = await lines.next();
    if (first.done || !(JSON.parse(first.value) as { ready?: boolean }).ready)
      throw new Error(`greedy loop did not start on ${gguf}: ${stderr.trim()}`);
    return loop;
  }

  async run(prompts: number[][], tokens: number, threads: number): Promise<LlamaRun> {
    const startMs = performance.now();
    this.child.stdin.write(`run ${threads} ${tokens} ${prompts.map((p) => p.join(',')).join(' ')}\n`);
    const line = await this.lines.next();
    if (line.done) throw new Error('greedy loop exited');
    const reply = JSON.parse(line.value) as {
      error?: string;
      seqs: Array<{ first: number; last: number; ids: number[] }>;
    };
    if (reply.error) throw new Error(`greedy loop: ${reply.error}`);
    return {
      timings: reply.seqs.map((s) => ({
        startMs,
        firstTokenMs: startMs + s.first,
        lastTokenMs: startMs + s.last,
        tokens: s.ids.length,
      })),
      ids: reply.seqs.map((s) => s.ids),
    };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

// The slice of node-llama-cpp's API this bench uses (it is installed on demand, so not typed here).
interface NlcSequence {
  evaluate(tokens: number[], options: { temperature: number }): AsyncGenerator<number, void, void>;
  clearHistory(): Promise<void>;
}
interface NlcContext {
  getSequence(): NlcSequence;
  dispose(): Promise<void>;
}
interface NlcModel {
  createContext(options: Record<string, unknown>): Promise<NlcContext>;
  dispose(): Promise<void>;
}
interface NlcLlama {
  loadModel(options: { modelPath: string; gpuLayers: number }): Promise<NlcModel>;
  dispose(): Promise<void>;
}

let llamaInstance: Promise<NlcLlama> | null = null;

async function nodeLlama(): Promise<NlcLlama> {
  llamaInstance ??= (async () => {
    const mod = (await import(path.join(MODULES, 'node-llama-cpp', 'dist', 'index.js'))) as {
      getLlama(options: Record<string, unknown>): Promise<NlcLlama>;
    };
    // The prebuilt CPU binary only: never build or download; maxThreads 0 makes a context's threads exact.
    return mod.getLlama({ gpu: false, build: 'never', skipDownload: true, maxThreads: 0, logLevel: 'error' });
  })();
  return llamaInstance;
}

/** node-llama-cpp's API: one context per thread count, `sequences` of it evaluated together (its own batching). */
export class NodeLlamaCpp {
  private constructor(
    private readonly model: NlcModel,
    private readonly context: NlcContext,
    private readonly sequences: NlcSequence[],
  ) {}

  static async open(gguf: string, threads: number, sequences: number, ctxPerSequence: number): Promise<NodeLlamaCpp> {
    const llama = await nodeLlama();
    const model = await llama.loadModel({ modelPath: gguf, gpuLayers: 0 });
    const context = await model.createContext({
      sequences,
      contextSize: sequences * ctxPerSequence,
      batchSize: sequences * ctxPerSequence,
      threads: { ideal: threads, min: threads },
    });
    return new NodeLlamaCpp(
      model,
      context,
      Array.from({ length: sequences }, () => context.getSequence()),
    );
  }

  async run(prompts: number[][], tokens: number): Promise<LlamaRun> {
    if (prompts.length > this.sequences.length) throw new Error('more prompts than sequences');
    await Promise.all(this.sequences.map((s) => s.clearHistory()));
    const startMs = performance.now();
    const results = await Promise.all(
      prompts.map(async (prompt, i) => {
        const ids: number[] = [];
        let firstTokenMs = 0;
        let lastTokenMs = 0;
        for await (const id of this.sequences[i].evaluate(prompt, { temperature: 0 })) {
          lastTokenMs = performance.now();
          if (ids.length === 0) firstTokenMs = lastTokenMs;
          ids.push(id);
          if (ids.length === tokens) break;
        }
        return { timing: { startMs, firstTokenMs, lastTokenMs, tokens: ids.length }, ids };
      }),
    );
    return { timings: results.map((r) => r.timing), ids: results.map((r) => r.ids) };
  }

  async close(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
  }
}
