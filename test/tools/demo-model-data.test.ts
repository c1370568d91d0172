// The demo model's training-data generator (tools/demo-model, Python) keeps its promises:
// deterministic, correct traces, held-out templates never in training, every notation present,
// and the committed held-out sets are exactly what it writes. Skips without a python3.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const dir = fileURLToPath(new URL('../../tools/demo-model/', import.meta.url));
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['--version']).status === 0);

t.test('check_dataset.py passes', { skip: python ? false : 'no python3' }, async (t) => {
  const run = spawnSync(python!, ['check_dataset.py', '--n', '3000'], { cwd: dir, encoding: 'utf8', timeout: 240_000 });
  t.equal(run.status, 0, run.stderr || run.stdout);
  t.match(run.stdout, /^ok: 3000 samples/);
});
