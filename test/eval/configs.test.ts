import t from 'tap';
import { SELAR_MODES } from '../../src/protocol/common.js';
import { expandConfigs, fingerprint, sampleSeed, PRESETS, type ConfigOptions } from '../../src/eval/configs.js';

const base: ConfigOptions = {
  presets: ['off-greedy', 'off-sampled', 'selar', 'soft'],
  taus: [0.3, 0.5, 0.7],
  n: 3,
  temperature: 0.7,
  topP: 0.9,
  selar: {},
  maxTokens: null,
};

t.test('the default presets expand to off, sampled off, one selar per τ, soft', async (t) => {
  const configs = expandConfigs(base);
  t.same(
    configs.map((c) => c.name),
    ['off-greedy', 'off-sampled', 'selar@0.3', 'selar@0.5', 'selar@0.7', 'soft'],
  );
  t.same(
    configs.map((c) => c.samples),
    [1, 3, 1, 1, 1, 1],
    'only sampled presets take --n samples',
  );
  t.same(configs[0].request, { temperature: 0, selar: { mode: 'off' } });
  t.same(configs[1].request, { temperature: 0.7, top_p: 0.9, selar: { mode: 'off' } });
  t.same(configs[3].request, { temperature: 0, selar: { mode: 'selar', entropy_threshold: 0.5 } });
  t.equal(configs[3].tau, 0.5);
  t.same(configs[5].request, { temperature: 0, selar: { mode: 'soft' } });
  t.equal(configs[5].tau, null);
});

t.test('selar tuning applies to selar and soft presets only; max_tokens to all', async (t) => {
  const selar = { top_k: 5, contrastive_weight: 0, discrete_tokens: 'none', scope: 'thinking' };
  const configs = expandConfigs({
    ...base,
    presets: ['off-greedy', 'selar-sampled', 'soft'],
    taus: [0.6],
    selar,
    maxTokens: 64,
  });
  t.same(
    configs.map((c) => c.name),
    ['off-greedy', 'selar-sampled@0.6', 'soft'],
  );
  t.same(configs[0].request, { temperature: 0, max_tokens: 64, selar: { mode: 'off' } });
  t.same(configs[1].request, {
    temperature: 0.7,
    top_p: 0.9,
    max_tokens: 64,
    selar: { mode: 'selar', ...selar, entropy_threshold: 0.6 },
  });
  t.same(configs[2].request, { temperature: 0, max_tokens: 64, selar: { mode: 'soft', ...selar } });
});

t.test('bad choices are errors', async (t) => {
  t.throws(() => expandConfigs({ ...base, presets: ['nope'] }), {
    name: 'ConfigError',
    message: /unknown preset "nope" \(known: off-greedy/,
  });
  t.throws(() => expandConfigs({ ...base, presets: [] }), { message: /no presets/ });
  t.throws(() => expandConfigs({ ...base, presets: ['selar'], taus: [] }), { message: /needs at least one τ/ });
  t.throws(() => expandConfigs({ ...base, presets: ['selar'], taus: [0.5, 0.5] }), {
    message: /"selar@0.5" is listed twice/,
  });
});

t.test('--plain sends no selar object and allows off presets only', async (t) => {
  const configs = expandConfigs({ ...base, presets: ['off-greedy', 'off-sampled'], plain: true });
  t.same(
    configs.map((c) => c.request),
    [{ temperature: 0 }, { temperature: 0.7, top_p: 0.9 }],
  );
  t.throws(() => expandConfigs({ ...base, presets: ['off-greedy', 'soft'], plain: true }), {
    message: /preset "soft" needs the selar extension/,
  });
});

t.test('every preset has a unique name and a mode', async (t) => {
  t.equal(new Set(PRESETS.map((p) => p.name)).size, PRESETS.length);
  for (const p of PRESETS) t.ok((SELAR_MODES as readonly string[]).includes(p.mode), `${p.name}: ${p.mode}`);
});

t.test('fingerprints change with any request field or the model, not with key order', async (t) => {
  const [a] = expandConfigs({ ...base, presets: ['selar'], taus: [0.5] });
  const [b] = expandConfigs({ ...base, presets: ['selar'], taus: [0.5], selar: { top_k: 4 } });
  t.not(fingerprint('m', a), fingerprint('m', b));
  t.not(fingerprint('m', a), fingerprint('other', a));
  const reordered = { ...a, request: { selar: { entropy_threshold: 0.5, mode: 'selar' }, temperature: 0 } };
  t.equal(fingerprint('m', a), fingerprint('m', reordered));
});

t.test('seeds depend on (problem, sample, base) only, and fit a 31-bit integer', async (t) => {
  const s = sampleSeed('abc', 0, 0);
  t.equal(sampleSeed('abc', 0, 0), s, 'deterministic');
  t.not(sampleSeed('abc', 1, 0), s);
  t.not(sampleSeed('abd', 0, 0), s);
  t.not(sampleSeed('abc', 0, 1), s);
  for (let i = 0; i < 50; i++) {
    const v = sampleSeed(`p${i}`, i, 7);
    t.ok(Number.isInteger(v) && v >= 0 && v < 2 ** 31);
  }
});
