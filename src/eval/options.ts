// `selar eval` flags → a validated EvalOptions. Every flag is either implemented
// or rejected with a message naming it; nothing is silently ignored.
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ABLATION_PRESETS,
  DEFAULT_PRESETS,
  DEFAULT_TAUS,
  PRESETS,
  type ConfigOptions,
  type SelarObject,
} from './configs.js';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** The decoding configurations' options (ConfigOptions) plus where and on what to run them. */
export interface EvalOptions extends Required<ConfigOptions> {
  endpoint:
    | { kind: 'local'; modelDir: string; workers?: number; device?: string; dtype?: string; quantize?: 'q4' | 'q8' }
    | { kind: 'remote'; url: string; apiKey?: string; modelName?: string };
  dataset: string;
  steps?: number[];
  offset?: number;
  limit?: number;
  perSteps?: number | Record<number, number>;
  system: string | null;
  seed: number;
  concurrency: number;
  requestTimeoutMs: number;
  out: string;
  /** The flags as given, for the reproducing command line. */
  argv: string[];
}

/** The bundled held-out problems, found relative to this file in src/ and dist/ alike. */
export const DEFAULT_DATASET =
  path.relative(process.cwd(), new URL('../../data/eval/synthetic-test.jsonl', import.meta.url).pathname) || '.';

export const USAGE = `usage: selar eval (--model DIR | --server URL) [options]

Runs a GSM8K-style dataset through decoding configurations and reports accuracy
(with Wilson 95% intervals), mean completion tokens, soft-token ratio and
tokens/s, as summary.md, summary.json and accuracy-vs-tau.svg in --out.
Every finished request is appended to results.jsonl there; rerunning with the
same --out skips what is done.

endpoint (exactly one):
  --model DIR              start the selar server in-process on this model folder
  --server URL             any OpenAI-compatible server (http://host:port or .../v1)
  --api-key KEY            bearer token for --server (default: $OPENAI_API_KEY)
  --model-name NAME        "model" of the requests (default: the first of GET /v1/models)
  --plain                  --server has no selar extension: send no "selar" object
                           (off presets only; the default presets become off-greedy,off-sampled)
  --workers N              in-process server: decode workers
  --device D               in-process server: cpu, cuda, cuda:N or auto
  --dtype T                in-process server: auto, fp32 or fp16
  --quantize q4|q8         in-process server: quantize the weights at start-up (as selar serve --quantize)

problems:
  --dataset FILE           JSONL with "question" and "answer" ("... #### N"); optional
                           "steps" and "kind" (default: ${DEFAULT_DATASET})
  --steps 3,4              only problems with these step counts
  --offset N               skip the first N problems (after --steps)
  --per-steps N            at most N problems of each step count; or per count,
                           e.g. 1:20,2:20,3:100,4:100
  --limit N                at most N problems in all

configurations:
  --presets LIST           default ${DEFAULT_PRESETS.join(',')}; known:
${PRESETS.map((p) => `                             ${p.name.padEnd(14)} ${p.description}`).join('\n')}
  --ablation               presets ${ABLATION_PRESETS.join(',')}: entropy gating against
                           random soft steps at the same rate, entropy-gated temperature and the
                           full-vocabulary entropy gate, on the same problems and seeds
  --taus LIST              entropy thresholds for the τ-sweeping presets (default ${DEFAULT_TAUS.join(',')})
  --n N                    seeded samples per problem for sampled presets (default 4)
  --temperature T          sampled presets' temperature, (0, 2] (default 0.7)
  --top-p P                sampled presets' top_p, (0, 1] (default 0.95)
  --selar-top-k K          selar.top_k, 2..64             (default: the server's)
  --contrastive-weight W   selar.contrastive_weight, >= 0  (default: the server's)
  --discrete-tokens V      selar.discrete_tokens: math or none (default: the server's)
  --scope V                selar.scope: all or thinking   (default: the server's)
  --max-tokens N           max_tokens of every request    (default: the server's)
  --system TEXT            a system message before each question
  --seed S                 base of the per-(problem, sample) seeds (default 0)

run:
  --concurrency N          requests in flight (default 4)
  --request-timeout S      seconds before a request is abandoned (default 600)
  --out DIR                output folder (default bench/eval/<timestamp>)
  -h, --help               this text
`;

const strictNumber = (flag: string, raw: string): number => {
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${flag}: expected a number, got ${JSON.stringify(raw)}`);
  return n;
};

function integer(flag: string, raw: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = strictNumber(flag, raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(
      `${flag}: expected an integer ${max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`}, got ${raw}`,
    );
  return n;
}

function list<T>(flag: string, raw: string, item: (flag: string, s: string) => T): T[] {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) throw new UsageError(`${flag}: expected a comma-separated list, got ${JSON.stringify(raw)}`);
  const seen = new Set<string>();
  for (const p of parts) {
    if (seen.has(p)) throw new UsageError(`${flag}: "${p}" is listed twice`);
    seen.add(p);
  }
  return parts.map((p) => item(flag, p));
}

function oneOf<T extends string>(flag: string, raw: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(raw))
    throw new UsageError(`${flag}: expected ${allowed.join(' or ')}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

/** "N" (every step count) or "S:N,S:N" (per step count). */
function perSteps(raw: string): number | Record<number, number> {
  if (!raw.includes(':')) return integer('--per-steps', raw, 1);
  const caps: Record<number, number> = {};
  for (const item of list('--per-steps', raw, (_, s) => s)) {
    const [steps, n, ...rest] = item.split(':');
    if (n === undefined || rest.length > 0)
      throw new UsageError(`--per-steps: expected N or STEPS:N,..., got ${JSON.stringify(item)}`);
    const key = integer('--per-steps', steps, 1);
    if (key in caps) throw new UsageError(`--per-steps: step count ${key} is listed twice`);
    caps[key] = integer('--per-steps', n, 1);
  }
  return caps;
}

export function timestampDir(now: Date): string {
  return path.join(
    'bench',
    'eval',
    now
      .toISOString()
      .replace(/\.\d+Z$/, '')
      .replace(/:/g, '-'),
  );
}

/** null for --help. */
export function parseEvalArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  now = new Date(),
): EvalOptions | null {
  const str = { type: 'string' } as const;
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        model: str,
        server: str,
        'api-key': str,
        'model-name': str,
        workers: str,
        device: str,
        dtype: str,
        quantize: str,
        dataset: str,
        steps: str,
        offset: str,
        'per-steps': str,
        limit: str,
        presets: str,
        taus: str,
        n: str,
        temperature: str,
        'top-p': str,
        'selar-top-k': str,
        'contrastive-weight': str,
        'discrete-tokens': str,
        scope: str,
        'max-tokens': str,
        system: str,
        seed: str,
        concurrency: str,
        'request-timeout': str,
        out: str,
        plain: { type: 'boolean' },
        ablation: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return null;
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  const plain = values.plain === true;
  if (values.ablation && values.presets !== undefined)
    throw new UsageError('--ablation chooses the presets itself: give either --ablation or --presets');
  const v = values as Record<string, string | undefined>;

  if ((v.model === undefined) === (v.server === undefined))
    throw new UsageError('give exactly one of --model DIR or --server URL');
  let endpoint: EvalOptions['endpoint'];
  if (v.model !== undefined) {
    for (const flag of ['api-key', 'model-name'] as const)
      if (v[flag] !== undefined) throw new UsageError(`--${flag} applies to --server, not --model`);
    if (plain) throw new UsageError('--plain applies to --server; the in-process server has the selar extension');
    endpoint = {
      kind: 'local',
      modelDir: v.model,
      ...(v.workers !== undefined ? { workers: integer('--workers', v.workers, 1) } : {}),
      ...(v.device !== undefined ? { device: v.device } : {}),
      ...(v.dtype !== undefined ? { dtype: oneOf('--dtype', v.dtype, ['auto', 'fp32', 'fp16']) } : {}),
      ...(v.quantize !== undefined ? { quantize: oneOf('--quantize', v.quantize, ['q4', 'q8'] as const) } : {}),
    };
  } else {
    for (const flag of ['workers', 'device', 'dtype', 'quantize'] as const)
      if (v[flag] !== undefined) throw new UsageError(`--${flag} applies to --model, not --server`);
    const apiKey = v['api-key'] ?? env.OPENAI_API_KEY;
    endpoint = {
      kind: 'remote',
      url: v.server!,
      ...(apiKey ? { apiKey } : {}),
      ...(v['model-name'] !== undefined ? { modelName: v['model-name'] } : {}),
    };
  }

  const knownPresets = PRESETS.map((p) => p.name);
  const selar: SelarObject = {};
  if (v['selar-top-k'] !== undefined) selar.top_k = integer('--selar-top-k', v['selar-top-k'], 2, 64);
  if (v['contrastive-weight'] !== undefined) {
    const w = strictNumber('--contrastive-weight', v['contrastive-weight']);
    if (w < 0) throw new UsageError(`--contrastive-weight: must be >= 0, got ${w}`);
    selar.contrastive_weight = w;
  }
  if (v['discrete-tokens'] !== undefined)
    selar.discrete_tokens = oneOf('--discrete-tokens', v['discrete-tokens'], ['math', 'none']);
  if (v.scope !== undefined) selar.scope = oneOf('--scope', v.scope, ['all', 'thinking']);

  const temperature = v.temperature === undefined ? 0.7 : strictNumber('--temperature', v.temperature);
  if (!(temperature > 0 && temperature <= 2))
    throw new UsageError(`--temperature: sampled presets need a temperature in (0, 2], got ${temperature}`);
  const topP = v['top-p'] === undefined ? 0.95 : strictNumber('--top-p', v['top-p']);
  if (!(topP > 0 && topP <= 1)) throw new UsageError(`--top-p: expected a value in (0, 1], got ${topP}`);

  return {
    endpoint,
    dataset: v.dataset ?? DEFAULT_DATASET,
    ...(v.steps !== undefined ? { steps: list('--steps', v.steps, (f, s) => integer(f, s, 1)) } : {}),
    ...(v.offset !== undefined ? { offset: integer('--offset', v.offset, 0) } : {}),
    ...(v['per-steps'] !== undefined ? { perSteps: perSteps(v['per-steps']) } : {}),
    ...(v.limit !== undefined ? { limit: integer('--limit', v.limit, 1) } : {}),
    presets:
      v.presets !== undefined
        ? list('--presets', v.presets, (f, s) => oneOf(f, s, knownPresets))
        : values.ablation
          ? [...ABLATION_PRESETS]
          : plain
            ? DEFAULT_PRESETS.filter((p) => p.startsWith('off-'))
            : [...DEFAULT_PRESETS],
    plain,
    taus:
      v.taus === undefined
        ? [...DEFAULT_TAUS]
        : list('--taus', v.taus, (f, s) => {
            const tau = strictNumber(f, s);
            if (tau < 0 || tau > 1) throw new UsageError(`${f}: τ must lie in [0, 1], got ${s}`);
            return tau;
          }),
    n: v.n === undefined ? 4 : integer('--n', v.n, 1),
    temperature,
    topP,
    selar,
    maxTokens: v['max-tokens'] === undefined ? null : integer('--max-tokens', v['max-tokens'], 1),
    system: v.system ?? null,
    seed: v.seed === undefined ? 0 : integer('--seed', v.seed, 0),
    concurrency: v.concurrency === undefined ? 4 : integer('--concurrency', v.concurrency, 1, 1024),
    requestTimeoutMs:
      1000 * (v['request-timeout'] === undefined ? 600 : integer('--request-timeout', v['request-timeout'], 1)),
    out: v.out ?? timestampDir(now),
    argv: [...argv],
  };
}

const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** The command that reproduces (and, with its --out, resumes) this run. API keys are not written out. */
export function commandLine(o: EvalOptions): string {
  const args: string[] = [];
  for (let i = 0; i < o.argv.length; i++) {
    const a = o.argv[i];
    if (a === '--api-key') {
      i++;
      continue;
    }
    if (a.startsWith('--api-key=')) continue;
    args.push(a);
  }
  if (!o.argv.some((a) => a === '--out' || a.startsWith('--out='))) args.push('--out', o.out);
  return ['selar', 'eval', ...args].map(shellQuote).join(' ');
}
