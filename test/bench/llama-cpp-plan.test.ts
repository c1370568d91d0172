import t from 'tap';
import { agreedPrefix, llamaConfigs, parseLlamaBenchArgs } from '../../bench/llama-cpp-bench.js';

t.test('--llama-cpp options: defaults, "all" threads, bad values named', async (t) => {
  const d = parseLlamaBenchArgs(['--llama-cpp'], 8);
  t.same(d.models, ['demo', 'small']);
  t.same(d.weights, ['F32', 'Q8_0', 'Q4_0']);
  t.same(d.threads, [1, 8], '1 thread and every core');
  t.same(d.concurrency, [1, 4]);
  t.equal(d.agreeTokens, 16);
  const o = parseLlamaBenchArgs(
    ['--llama-cpp', '--models', 'large', '--weights', 'Q4_0', '--threads', '2,all,2', '--systems', 'llama.cpp,selar'],
    4,
  );
  t.same(o.models, ['large']);
  t.same(o.threads, [2, 4]);
  t.same(o.systems, ['llama.cpp', 'selar']);
  t.throws(() => parseLlamaBenchArgs(['--weights', 'Q5_K']), /--weights: unknown value "Q5_K"/);
  t.throws(() => parseLlamaBenchArgs(['--threads', '0']), /--threads must be a positive integer/);
  t.throws(() => parseLlamaBenchArgs(['--models', 'huge']), /--models/);
  t.throws(() => parseLlamaBenchArgs(['--bogus']));
});

t.test('configurations: GGUF types for llama.cpp rows, the dtypes selar-server has for its rows', async (t) => {
  const opts = parseLlamaBenchArgs(['--threads', '1', '--concurrency', '1,4'], 2);
  const fp32Only = llamaConfigs(opts, ['fp32']);
  t.equal(fp32Only.length, 2 * (3 + 3 + 1));
  t.same(
    fp32Only.filter((c) => c.system === 'selar').map((c) => c.weights),
    ['fp32', 'fp32'],
  );
  t.equal(llamaConfigs(opts, ['fp32', 'q8', 'q4']).filter((c) => c.system === 'selar').length, 6);
  t.equal(agreedPrefix([1, 2, 3, 4], [1, 2, 9, 4]), 2);
  t.equal(agreedPrefix([1, 2], [1, 2, 3]), 2);
});
