import t from 'tap';
import { agreedPrefix, llamaConfigs, parseLlamaBenchArgs } from '../../bench/llama-cpp-bench.js';
import { renderStepSplits, weightMatMulMs } from '../../bench/llama-cpp-profile.js';
import { renderSelarCosts } from '../../bench/selar-cost.js';

t.test('--llama-cpp options: defaults, "all" threads, bad values named', async (t) => {
  const d = parseLlamaBenchArgs(['--llama-cpp'], 8);
  t.same(d.models, ['demo', 'small']);
  t.same(d.weights, ['F32', 'Q8_0', 'Q4_0']);
  t.same(d.threads, [1, 8], '1 thread and every core');
  t.same(d.concurrency, [1, 4]);
  t.equal(d.agreeTokens, 16);
  t.same(d.modes, ['off', 'selar'], 'selar-server rows with SeLaR off and on');
  t.same(parseLlamaBenchArgs(['--modes', 'selar']).modes, ['selar']);
  t.throws(() => parseLlamaBenchArgs(['--modes', 'soft']), /--modes: unknown value "soft"/);
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
  const opts = parseLlamaBenchArgs(['--threads', '1', '--concurrency', '1,4', '--modes', 'off'], 2);
  const fp32Only = llamaConfigs(opts, ['fp32']);
  t.equal(fp32Only.length, 2 * (3 + 3 + 1));
  t.same(
    fp32Only.filter((c) => c.system === 'selar').map((c) => c.weights),
    ['fp32', 'fp32'],
  );
  t.equal(llamaConfigs(opts, ['fp32', 'q8', 'q4']).filter((c) => c.system === 'selar').length, 6);
  const both = llamaConfigs({ ...opts, modes: ['off', 'selar'] }, ['fp32', 'q4']).filter((c) => c.system === 'selar');
  t.same(
    both.filter((c) => c.concurrency === 1).map((c) => `${c.weights}/${c.mode}`),
    ['fp32/off', 'fp32/selar', 'q4/off', 'q4/selar'],
    'each precision with SeLaR off and on',
  );
  t.ok(
    llamaConfigs(opts, ['fp32']).every((c) => (c.system === 'selar') === (c.mode !== undefined)),
    'only selar-server rows have a mode',
  );
  t.equal(agreedPrefix([1, 2, 3, 4], [1, 2, 9, 4]), 2);
  t.equal(agreedPrefix([1, 2], [1, 2, 3]), 2);
});

t.test(
  'the step split: weight products, the rest of session.run, the loop; a dash where no HTTP row ran',
  async (t) => {
    const ort = {
      batch: 1,
      nodesPerStep: 300,
      wallMs: 4,
      modelRunMs: 3.5,
      kernelMs: 3,
      byOp: [
        { op: 'MatMulNBits', ms: 2.5, nodes: 50 },
        { op: 'Mul', ms: 0.2, nodes: 40 },
      ],
    };
    const md = renderStepSplits([
      { dtype: 'q4', threads: 1, stepMs: 5, floorMs: 4, ort },
      { dtype: 'q8', threads: 2, stepMs: Number.NaN, floorMs: 3.5, ort },
    ]);
    t.match(md[4], /^\| q4 \| 1 \| 5\.00 \| 4\.00 \| 2\.50 \(50 %\) \| 1\.50 \(30 %\) \| 1\.00 \(20 %\) \| 300 \|/);
    t.match(md[4], /MatMulNBits 2\.50, Mul 0\.20 \|$/);
    t.match(md[5], /^\| q8 \| 2 \| – \| 3\.50 \| 2\.50 \| 1\.00 \| – \|/);
    t.equal(weightMatMulMs(ort), 2.5, 'only the weight products: Mul is not one');
    t.same(renderStepSplits([]), []);
  },
);

t.test("SeLaR's cost rows: the ratio and the soft share", async (t) => {
  const md = renderSelarCosts([{ dtype: 'q4', threads: 1, off: 300, selar: 291, softFraction: 0.992, rounds: 8 }]);
  t.match(md[0], /medians of 8 rounds/);
  t.equal(md[4], '| q4 | 1 | 300.0 | 291.0 | 0.970 | 99 % |');
  t.same(renderSelarCosts([]), []);
});
