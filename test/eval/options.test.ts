import t from 'tap';
import { commandLine, parseEvalArgs, timestampDir } from '../../src/eval/options.js';

const now = new Date('2026-01-02T03:04:05.678Z');
const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseEvalArgs(argv, env, now);

t.test('defaults', async (t) => {
  const o = parse(['--model', 'models/m'])!;
  t.same(o.endpoint, { kind: 'local', modelDir: 'models/m' });
  t.same(o.presets, ['off-greedy', 'off-sampled', 'selar', 'soft']);
  t.same(o.taus, [0.3, 0.5, 0.7]);
  t.equal(o.n, 4);
  t.equal(o.concurrency, 4);
  t.equal(o.maxTokens, null);
  t.same(o.selar, {});
  t.equal(o.out, timestampDir(now));
  t.equal(o.out, 'bench/eval/2026-01-02T03-04-05');
  t.match(o.dataset, /data\/eval\/synthetic-test\.jsonl$/);
});

t.test('every flag lands in the options', async (t) => {
  const o = parse([
    '--server',
    'http://h:1',
    '--api-key',
    'k',
    '--model-name',
    'mm',
    '--dataset',
    'd.jsonl',
    '--steps',
    '3,4',
    '--offset',
    '2',
    '--per-steps',
    '5',
    '--limit',
    '9',
    '--presets',
    'selar,soft-sampled',
    '--taus',
    '0.2,0.9',
    '--n',
    '2',
    '--temperature',
    '1.1',
    '--top-p',
    '0.8',
    '--selar-top-k',
    '4',
    '--contrastive-weight',
    '0.5',
    '--discrete-tokens',
    'none',
    '--scope',
    'thinking',
    '--max-tokens',
    '100',
    '--system',
    'Be brief.',
    '--seed',
    '3',
    '--concurrency',
    '8',
    '--request-timeout',
    '30',
    '--out',
    'o',
  ])!;
  t.same(o.endpoint, { kind: 'remote', url: 'http://h:1', apiKey: 'k', modelName: 'mm' });
  t.same([o.dataset, o.steps, o.offset, o.perSteps, o.limit], ['d.jsonl', [3, 4], 2, 5, 9]);
  t.same([o.presets, o.taus, o.n, o.temperature, o.topP], [['selar', 'soft-sampled'], [0.2, 0.9], 2, 1.1, 0.8]);
  t.same(o.selar, { top_k: 4, contrastive_weight: 0.5, discrete_tokens: 'none', scope: 'thinking' });
  t.same(
    [o.maxTokens, o.system, o.seed, o.concurrency, o.requestTimeoutMs, o.out],
    [100, 'Be brief.', 3, 8, 30000, 'o'],
  );
  const local = parse(['--model', 'm', '--workers', '2', '--device', 'cpu', '--dtype', 'fp16'])!;
  t.same(local.endpoint, { kind: 'local', modelDir: 'm', workers: 2, device: 'cpu', dtype: 'fp16' });
  t.same(parse(['--model', 'm', '--quantize', 'q4'])!.endpoint, { kind: 'local', modelDir: 'm', quantize: 'q4' });
});

t.test('--per-steps takes one cap or one per step count', async (t) => {
  t.same(parse(['--model', 'm', '--per-steps', '1:20, 3:100'])!.perSteps, { 1: 20, 3: 100 });
  t.throws(() => parse(['--model', 'm', '--per-steps', '1:20,1:5']), { message: /step count 1 is listed twice/ });
  t.throws(() => parse(['--model', 'm', '--per-steps', '1:2:3']), { message: /expected N or STEPS:N/ });
  t.throws(() => parse(['--model', 'm', '--per-steps', '0:5']), {
    message: /--per-steps: expected an integer >= 1, got 0/,
  });
});

t.test('--plain: remote only, and the default presets shrink to off', async (t) => {
  const o = parse(['--server', 'http://h', '--plain'])!;
  t.equal(o.plain, true);
  t.same(o.presets, ['off-greedy', 'off-sampled']);
  t.equal(parse(['--server', 'http://h'])!.plain, false);
  t.throws(() => parse(['--model', 'm', '--plain']), { name: 'UsageError', message: /--plain applies to --server/ });
});

t.test('the API key falls back to OPENAI_API_KEY', async (t) => {
  t.same(parse(['--server', 'http://h'], { OPENAI_API_KEY: 'env-key' })!.endpoint, {
    kind: 'remote',
    url: 'http://h',
    apiKey: 'env-key',
  });
});

t.test('--help returns null', async (t) => {
  t.equal(parse(['--help']), null);
  t.equal(parse(['--model', 'm', '-h']), null);
});

t.test('bad flags are rejected with the flag named', async (t) => {
  const bad: Array<[string[], RegExp]> = [
    [[], /exactly one of --model DIR or --server URL/],
    [['--model', 'm', '--server', 'http://h'], /exactly one of/],
    [['--model', 'm', '--bogus'], /Unknown option '--bogus'/],
    [['--model', 'm', 'extra'], /unexpected argument "extra"/],
    [['--model', 'm', '--api-key', 'k'], /--api-key applies to --server/],
    [['--server', 'http://h', '--workers', '2'], /--workers applies to --model/],
    [['--model', 'm', '--n', '0'], /--n: expected an integer >= 1, got 0/],
    [['--model', 'm', '--n', '1.5'], /--n: expected an integer/],
    [['--model', 'm', '--concurrency', 'x'], /--concurrency: expected a number, got "x"/],
    [['--model', 'm', '--taus', '0.5,1.5'], /--taus: τ must lie in \[0, 1\], got 1.5/],
    [['--model', 'm', '--taus', '0.5,0.5'], /--taus: "0.5" is listed twice/],
    [['--model', 'm', '--taus', ','], /--taus: expected a comma-separated list/],
    [['--model', 'm', '--presets', 'off-greedy,magic'], /--presets: expected off-greedy or .* got "magic"/],
    [['--model', 'm', '--temperature', '0'], /--temperature: sampled presets need a temperature in \(0, 2\]/],
    [['--model', 'm', '--top-p', '0'], /--top-p: expected a value in \(0, 1\]/],
    [['--model', 'm', '--selar-top-k', '1'], /--selar-top-k: expected an integer in 2..64, got 1/],
    [['--model', 'm', '--contrastive-weight=-1'], /--contrastive-weight: must be >= 0/],
    [['--model', 'm', '--discrete-tokens', 'all'], /--discrete-tokens: expected math or none/],
    [['--model', 'm', '--scope', 'x'], /--scope: expected all or thinking/],
    [['--model', 'm', '--dtype', 'q4'], /--dtype: expected auto or fp32 or fp16/],
    [['--model', 'm', '--quantize', 'q2'], /--quantize: expected q4 or q8/],
    [['--server', 'http://x', '--quantize', 'q4'], /--quantize applies to --model, not --server/],
    [['--model', 'm', '--steps', '0'], /--steps: expected an integer >= 1/],
    [['--model', 'm', '--limit', '0'], /--limit: expected an integer >= 1/],
    [['--model', 'm', '--max-tokens'], /argument missing/],
  ];
  for (const [argv, message] of bad) t.throws(() => parse(argv), { name: 'UsageError', message }, argv.join(' '));
});

t.test('the reproducing command drops the API key and adds --out', async (t) => {
  const o = parse(['--server', 'http://h', '--api-key', 'secret', '--system', "it's", '--limit', '2'])!;
  t.equal(
    commandLine(o),
    `selar eval --server http://h --system 'it'\\''s' --limit 2 --out bench/eval/2026-01-02T03-04-05`,
  );
  t.equal(commandLine(parse(['--model', 'm', '--out', 'x'])!), 'selar eval --model m --out x');
});
