import t from 'tap';
import { parseBenchArgs } from '../../bench/args.js';
import { buildPlan, roundOrder, SYSTEMS } from '../../bench/plan.js';

t.test('defaults: both models, concurrency 1/4/16, every system, profile on', async (t) => {
  const o = parseBenchArgs([]);
  t.same(o.models, ['demo', 'large']);
  t.same(o.concurrency, [1, 4, 16]);
  t.same(o.systems, [...SYSTEMS]);
  t.equal(o.quick, false);
  t.equal(o.profile, true);
  t.equal(o.merge, false);
  t.equal(o.tokens, null);
  t.equal(o.workers, null);
  t.equal(o.threads, null);
});

t.test('workers and threads for session-option experiments', async (t) => {
  const o = parseBenchArgs(['--workers', '2', '--threads', '1']);
  t.equal(o.workers, 2);
  t.equal(o.threads, 1);
  t.throws(() => parseBenchArgs(['--threads', '0']), /positive integer/);
});

t.test('lists are parsed, deduplicated and sorted; bad values are rejected', async (t) => {
  const o = parseBenchArgs([
    '--models',
    'demo',
    '--concurrency',
    '16,1,4,1',
    '--systems',
    'floor,engine:off',
    '--tokens',
    '64',
    '--no-profile',
  ]);
  t.same(o.models, ['demo']);
  t.same(o.concurrency, [1, 4, 16]);
  t.same(o.systems, ['floor', 'engine:off']);
  t.equal(o.tokens, 64);
  t.equal(o.profile, false);
  t.throws(() => parseBenchArgs(['--models', 'huge']), /unknown model/);
  t.throws(() => parseBenchArgs(['--systems', 'vllm']), /unknown system/);
  t.throws(() => parseBenchArgs(['--concurrency', '0']), /positive integer/);
  t.throws(() => parseBenchArgs(['--tokens', '2.5']), /positive integer/);
  t.throws(() => parseBenchArgs(['--bogus']));
});

t.test('quick mode measures concurrency 1 and 4 only', async (t) => {
  t.same(parseBenchArgs(['--quick']).concurrency, [1, 4]);
});

t.test('the large model measures slow systems at concurrency 1 only; the demo model everything', async (t) => {
  const [demo, large] = buildPlan(parseBenchArgs([]));
  t.equal(
    demo.configs.length,
    SYSTEMS.length * 3 - 3 - 2,
    'every system at 1, 4, 16 but padded batching and the stream-interval rows at 1, and the schema row at 1 only',
  );
  t.notOk(demo.configs.some((c) => c.system === 'http:interval' && c.concurrency === 1));
  t.notOk(
    large.configs.some((c) => c.system === 'engine:padded'),
    'equal-length prompts: padded = exact',
  );
  t.notOk(
    large.configs.some((c) => c.system === 'http:interval'),
    'an idle main thread: fewer chunks buy nothing',
  );
  t.notOk(large.configs.some((c) => c.system === 'transformers.js' && c.concurrency > 1));
  t.ok(large.configs.some((c) => c.system === 'engine:off' && c.concurrency === 16));
  t.equal(large.maxPromptTokens, 32);
  t.same(large.profile.concurrency, [1, 4]);
  t.ok(demo.repeats[1] > demo.repeats[16], 'cheap single-stream runs are repeated more');
});

t.test('--tokens and --repeats override every model', async (t) => {
  for (const p of buildPlan(parseBenchArgs(['--tokens', '5', '--repeats', '7']))) {
    t.ok(p.configs.every((c) => c.tokens === 5));
    t.same(p.repeats, { 1: 7, 4: 7, 16: 7 });
  }
});

t.test('round order rotates so each configuration leads once', async (t) => {
  t.same(roundOrder(['a', 'b', 'c'], 0), ['a', 'b', 'c']);
  t.same(roundOrder(['a', 'b', 'c'], 1), ['b', 'c', 'a']);
  t.same(roundOrder(['a', 'b', 'c'], 4), ['b', 'c', 'a']);
  t.same(roundOrder([], 3), []);
});
