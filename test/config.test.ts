// One schema for flags and SELAR_* variables: precedence, coercion, validation
// errors that name the flag, and a frozen result.
import fs from 'node:fs';
import t from 'tap';
import { configTable, envName, flagName, loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

t.test('defaults', async (t) => {
  const c = loadConfig(['--model', 'm'], {});
  t.match(c, {
    model: 'm',
    host: '127.0.0.1',
    port: 8000,
    queueSize: 64,
    maxN: 8,
    device: 'cpu',
    dtype: 'auto',
    temperature: 1,
    topP: 1,
    topK: 0,
    minP: 0,
    repetitionPenalty: 1,
    maxTokens: 0,
    selarMode: 'selar',
    selarTopK: 3,
    selarEntropyThreshold: 0.5,
    selarContrastiveWeight: 1,
    selarDiscreteTokens: 'math',
    selarScope: 'all',
    apiKeys: [],
    corsOrigins: [],
    logLevel: 'info',
    logPrompts: false,
    pingIntervalMs: 10000,
    deadlineMs: 600000,
  });
  t.same([c.workers, c.threadsPerWorker], [0, 0], 'workers and threads chosen per model (defaultParallelism)');
  t.ok(Object.isFrozen(c));
  t.ok(Object.isFrozen(c.apiKeys));
});

t.test('flags win over environment, environment over defaults', async (t) => {
  const env = {
    SELAR_MODEL: '/env',
    SELAR_PORT: '9000',
    SELAR_API_KEYS: 'a, b,,c',
    SELAR_LOG_PROMPTS: 'true',
    SELAR_DEVICE: 'cuda:1',
  };
  const c = loadConfig(['--port', '9100', '--log-prompts'], env);
  t.equal(c.model, '/env');
  t.equal(c.port, 9100);
  t.same(c.apiKeys, ['a', 'b', 'c']);
  t.equal(c.logPrompts, true);
  t.equal(c.device, 'cuda:1');
  t.equal(loadConfig([], { ...env, SELAR_LOG_PROMPTS: '0' }).logPrompts, false);
});

t.test('invalid values name the flag and variable', async (t) => {
  const bad: Array<[string[], RegExp]> = [
    [['--model', ''], /--model \/ SELAR_MODEL/],
    [['--model', 'm', '--port', 'http'], /--port: expected a number/],
    [['--model', 'm', '--port', '70000'], /--port \/ SELAR_PORT/],
    [['--model', 'm', '--device', 'tpu'], /--device \/ SELAR_DEVICE/],
    [['--model', 'm', '--selar-mode', 'latent'], /--selar-mode \/ SELAR_SELAR_MODE: expected one of/],
    [['--model', 'm', '--selar-top-k', '1'], /--selar-top-k/],
    [['--model', 'm', '--temperature', '3'], /--temperature/],
    [['--model', 'm', '--workers', '-1'], /--workers/],
    [['--model', 'm', '--no-such-flag'], /Unknown option '--no-such-flag'/],
    [['--model', 'm', '--headers-timeout-ms', '9000', '--request-timeout-ms', '100'], /must not exceed/],
  ];
  for (const [argv, message] of bad)
    t.throws(() => loadConfig(argv, {}), new ConfigError(''), argv.join(' ')) &&
      t.throws(() => loadConfig(argv, {}), { message }, argv.join(' '));
  t.throws(() => loadConfig([], { SELAR_MODEL: 'm', SELAR_LOG_PROMPTS: 'maybe' }), {
    message: /SELAR_LOG_PROMPTS: expected true or false/,
  });
});

t.test('names and the documented table come from the schema', async (t) => {
  t.equal(flagName('selarEntropyThreshold'), 'selar-entropy-threshold');
  t.equal(envName('selarEntropyThreshold'), 'SELAR_SELAR_ENTROPY_THRESHOLD');
  const table = configTable();
  t.match(table, /\| `--queue-size` \| `SELAR_QUEUE_SIZE` \| 64 \| /);
  t.match(table, /\| `--model` \| `SELAR_MODEL` \| `models\/selar-demo` \(bundled\) \| /);
  const page = fs.readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
  t.ok(page.includes(table), 'docs/configuration.md shows the current table (selar serve --help prints it)');
});

t.test('without --model the bundled demo model is served', async (t) => {
  const { BUNDLED_MODEL } = await import('../src/config.js');
  t.equal(loadConfig([], {}).model, BUNDLED_MODEL);
  t.match(BUNDLED_MODEL, /models\/selar-demo$/);
});

t.test('--quantize reaches the engine as a quantization spec; its block size must be a power of two', async (t) => {
  const { engineOptions } = await import('../src/config.js');
  t.equal(engineOptions(loadConfig(['--model', 'm'], {})).quantize, undefined, 'none by default');
  t.same(engineOptions(loadConfig(['--model', 'm', '--quantize', 'q4'], {})).quantize, {
    bits: 4,
    blockSize: 128,
    accuracyLevel: 4,
    zeroPoints: false,
  });
  t.same(
    engineOptions(loadConfig(['--model', 'm', '--quantize-block-size', '128'], { SELAR_QUANTIZE: 'q8' })).quantize,
    { bits: 8, blockSize: 128, accuracyLevel: 4, zeroPoints: false },
  );
  t.throws(() => loadConfig(['--quantize', 'q2'], {}), ConfigError);
  t.throws(() => loadConfig(['--quantize', 'q4', '--quantize-block-size', '48'], {}), {
    message: /--quantize-block-size .*48 is not a power of two/,
  });
  t.throws(() => loadConfig(['--quantize-accuracy-level', '5'], {}), ConfigError);
});

t.test('workers, threads and the core count reach the engine only when set', async (t) => {
  const { engineOptions } = await import('../src/config.js');
  t.match(engineOptions(loadConfig(['--model', 'm'], {})), {
    workers: undefined,
    threadsPerWorker: undefined,
    cpus: undefined,
  });
  t.match(engineOptions(loadConfig(['--model', 'm', '--cpus', '4', '--workers', '2'], {})), {
    workers: 2,
    threadsPerWorker: undefined,
    cpus: 4,
  });
});

t.test('configFrom: typed values over the defaults, validated like flags, no environment', async (t) => {
  const { configFrom } = await import('../src/config.js');
  const fromFlags = loadConfig(['--model', 'm', '--workers', '1', '--port', '0', '--log-level', 'silent'], {});
  const before = process.env.SELAR_QUEUE_SIZE;
  process.env.SELAR_QUEUE_SIZE = '3';
  t.teardown(() => {
    if (before === undefined) delete process.env.SELAR_QUEUE_SIZE;
    else process.env.SELAR_QUEUE_SIZE = before;
  });
  const typed = configFrom({ model: 'm', workers: 1, port: 0, logLevel: 'silent', device: undefined });
  t.same(typed, fromFlags, 'the same configuration as the equivalent flags');
  t.equal(typed.queueSize, 64, 'SELAR_* variables are not read');
  t.ok(Object.isFrozen(typed));
  t.throws(() => configFrom({ model: 'm', dtype: 'fp7' }), new ConfigError(''));
  t.throws(() => configFrom({ model: 'm', dtype: 'fp7' }), { message: /--dtype/ });
});
