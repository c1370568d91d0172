import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import * as ort from 'onnxruntime-node';
import { parseModelgenArgs } from '../../src/modelgen/cli-args.js';

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modelgen-cli-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

t.test('parses llama options with benchmark defaults', async (t) => {
  const c = parseModelgenArgs([
    'llama',
    '--out',
    'x',
    '--hidden',
    '64',
    '--kv-heads',
    '2',
    '--dtype',
    'float16',
    '--external-data',
  ]);
  t.match(c, {
    kind: 'llama',
    out: 'x',
    options: {
      hidden: 64,
      layers: 16,
      heads: 16,
      kvHeads: 2,
      intermediate: 256,
      vocab: 32000,
      dtype: 'float16',
      seed: 1,
      externalData: true,
      tiedEmbeddings: false,
    },
  });
  t.match(parseModelgenArgs(['echo', '--out', 'y']), {
    kind: 'echo',
    out: 'y',
    options: { hidden: 16, dtype: 'float32' },
  });
});

t.test('rejects bad arguments', async (t) => {
  t.throws(() => parseModelgenArgs(['gpt', '--out', 'x']), /unknown command/);
  t.throws(() => parseModelgenArgs(['llama']), /--out/);
  t.throws(() => parseModelgenArgs(['llama', '--out', 'x', '--hidden', '1.5']), /--hidden/);
  t.throws(() => parseModelgenArgs(['llama', '--out', 'x', '--dtype', 'bf16']), /--dtype/);
  t.throws(() => parseModelgenArgs(['llama', '--out', 'x', '--bogus']));
  t.throws(() => parseModelgenArgs(['echo', '--out', 'x', '--layers', '2']), /echo/);
});

t.test('writes a loadable model folder', async (t) => {
  const out = path.join(tmp, 'llama');
  const args = [
    '--import',
    'tsx',
    'src/modelgen/cli.ts',
    'llama',
    '--out',
    out,
    '--hidden',
    '32',
    '--layers',
    '1',
    '--heads',
    '4',
    '--kv-heads',
    '1',
    '--vocab',
    '300',
    '--external-data',
  ];
  const { stdout } = await run(process.execPath, args, { cwd: process.cwd() });
  const report = JSON.parse(stdout);
  t.equal(report.modelPath, path.join(out, 'onnx', 'model.onnx'));
  t.equal(report.config.num_key_value_heads, 1);
  t.ok(fs.statSync(path.join(out, 'onnx', 'model.onnx_data')).size > 300 * 32 * 4);
  const session = await ort.InferenceSession.create(report.modelPath);
  t.ok(session.inputNames.includes('past_key_values.0.key'));

  await t.rejects(run(process.execPath, ['--import', 'tsx', 'src/modelgen/cli.ts', 'llama']), { code: 2 });
});
