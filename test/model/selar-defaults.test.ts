// A model folder's `selar` object in generation_config.json: accepted when valid, and a
// bad one stops the load with an error that names the file and the field.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { ModelLoadError } from '../../src/errors.js';
import { detectLayout } from '../../src/model/layout.js';
import { parseSelarDefaults } from '../../src/model/selar-defaults.js';

function folder(t: Test, gen: Record<string, unknown>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-defaults-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'onnx'));
  fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), '');
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ vocab_size: 16, eos_token_id: 2 }));
  fs.writeFileSync(path.join(dir, 'generation_config.json'), JSON.stringify(gen));
  return dir;
}

function loadError(fn: () => unknown): ModelLoadError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ModelLoadError) return err;
    throw err;
  }
  throw new Error('expected a ModelLoadError');
}

t.test('a valid selar object reaches the layout; none means no defaults', async (t) => {
  const selar = { mode: 'selar', top_k: 4, entropy_threshold: 0.3, contrastive_weight: 0.5, scope: 'thinking' };
  t.same(detectLayout(folder(t, { do_sample: false, selar })).selarDefaults, selar);
  t.same(detectLayout(folder(t, { do_sample: false })).selarDefaults, {});
  t.same(parseSelarDefaults(null, 'f'), {});
  const swir = { mode: 'swir', swir: { window_size: 64, max_switch_count: null, answer_prefix: 'So' } };
  t.same(parseSelarDefaults(swir, 'f'), swir, 'mode swir and its knobs (null: no switch limit)');
});

t.test('a bad value stops the load, naming the file and the field', async (t) => {
  const dir = folder(t, { selar: { top_k: 1 } });
  const err = loadError(() => detectLayout(dir));
  t.equal(err.file, path.join(dir, 'generation_config.json'));
  t.match(err.message, /generation_config\.json: selar\.top_k: .*2.*\(got 1\)/);
  t.match(
    loadError(() => parseSelarDefaults({ entropy_threshold: 1.5 }, 'g')).message,
    /selar\.entropy_threshold: .*\(got 1\.5\)/,
  );
  t.match(
    loadError(() => parseSelarDefaults({ mode: 'random' }, 'g')).message,
    /selar\.mode/,
    'ablation modes are per request',
  );
  t.match(loadError(() => parseSelarDefaults({ scope: 'everywhere' }, 'g')).message, /selar\.scope/);
  t.match(
    loadError(() => parseSelarDefaults({ mode: 'swir', swir: { alpha: 2 } }, 'g')).message,
    /selar\.swir\.alpha: .*\(got 2\)/,
  );
  t.match(loadError(() => parseSelarDefaults({ swir: { windowsize: 8 } }, 'g')).message, /selar\.swir/);
});

t.test('unknown, per-request-only and misspelled fields are refused by name', async (t) => {
  t.match(loadError(() => parseSelarDefaults({ tau: 0.3 }, 'g')).message, /selar\.tau/);
  t.match(loadError(() => parseSelarDefaults({ trace: true }, 'g')).message, /selar\.trace/);
  t.match(loadError(() => parseSelarDefaults({ soft_rate: 0.2 }, 'g')).message, /selar\.soft_rate/);
  t.match(loadError(() => parseSelarDefaults([0.3], 'g')).message, /"selar" must be an object/);
  t.match(loadError(() => parseSelarDefaults(0.3, 'g')).message, /"selar" must be an object/);
});
