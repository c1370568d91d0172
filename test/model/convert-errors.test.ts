// Broken or unsupported inputs fail with a ModelLoadError that names the file and the
// problem, and nothing is written to the cache; the CLI reports the same and where
// the derived files are on success.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { DataType } from '../../src/onnx/proto.js';
import { ModelLoadError } from '../../src/errors.js';
import { deriveEmbedsDecoder } from '../../src/model/convert/index.js';
import { runConvert } from '../../src/cli/convert.js';
import { writeLlamaModel } from '../../src/modelgen/llama.js';
import { Graph, H, V, lmHead, save, values } from './convert-graphs.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-convert-errors-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
const cacheDir = path.join(tmp, 'cache');

async function rejectsWith(t: Test, file: string, pattern: RegExp): Promise<void> {
  const err = await deriveEmbedsDecoder(file, { cacheDir }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof ModelLoadError, 'throws ModelLoadError');
  t.equal((err as ModelLoadError).file, path.resolve(file), 'names the file');
  t.match((err as Error).message, pattern);
}

function idsGraph(): Graph {
  const g = new Graph();
  g.input('input_ids', DataType.INT64, ['batch', 'sequence']);
  return g;
}

t.test('missing file', async (t) => rejectsWith(t, path.join(tmp, 'nope', 'model.onnx'), /not found/));

t.test('not an ONNX file', async (t) => {
  const file = path.join(tmp, 'garbage.onnx');
  fs.writeFileSync(file, 'this is not protobuf \u0000\u00ff');
  await rejectsWith(t, file, /not a readable ONNX model/);
});

t.test('no embedding Gather on input_ids', async (t) => {
  const g = idsGraph();
  const h = g.op('Unsqueeze', [g.op('Cast', ['input_ids'], { to: DataType.FLOAT }), g.i64('axes', [2])]);
  lmHead(g, g.op('Expand', [h, g.i64('shape', [1, 1, H])]));
  await rejectsWith(t, save(path.join(tmp, 'nogather', 'model.onnx'), g.model()), /input_ids is cast to float32/);
  const g2 = idsGraph();
  g2.op('Shape', ['input_ids']);
  lmHead(g2, g2.op('Gather', [g2.f32('x', [V, H], values(V * H, 1)), g2.i64('row', [0], [1, 1])]));
  await rejectsWith(
    t,
    save(path.join(tmp, 'nogather2', 'model.onnx'), g2.model()),
    /no embedding Gather reads input_ids/,
  );
});

t.test('bf16 table is unsupported', async (t) => {
  const g = idsGraph();
  const table = g.tensor('embed.bf16', DataType.BFLOAT16, [V, H], new Uint8Array(V * H * 2));
  lmHead(g, g.op('Cast', [g.op('Gather', [table, 'input_ids'])], { to: DataType.FLOAT }));
  await rejectsWith(
    t,
    save(path.join(tmp, 'bf16', 'model.onnx'), g.model()),
    /embed\.bf16 has type bfloat16; only float32 and float16/,
  );
});

t.test('a use of input_ids the converter cannot rewrite', async (t) => {
  const g = idsGraph();
  const rows = g.op('Gather', [g.f32('embed', [V, H], values(V * H, 1)), 'input_ids']);
  const pad = g.op(
    'Cast',
    [g.op('Unsqueeze', [g.op('Equal', ['input_ids', g.i64('pad', [0], [])]), g.i64('axes', [2])])],
    { to: DataType.FLOAT },
  );
  lmHead(g, g.op('Mul', [rows, pad]));
  const file = save(path.join(tmp, 'equal', 'model.onnx'), g.model());
  await rejectsWith(t, file, /input_ids reaches Equal node 'n\d+', a use the inputs_embeds converter cannot rewrite/);
  t.notOk(
    fs.existsSync(cacheDir) &&
      fs.readdirSync(cacheDir).some((d) => fs.existsSync(path.join(cacheDir, d, 'decoder.onnx'))),
    'nothing half-written in the cache',
  );
});

t.test('neither input_ids nor inputs_embeds', async (t) => {
  const g = new Graph();
  g.input('tokens', DataType.INT64, ['batch', 'sequence']);
  lmHead(g, g.op('Gather', [g.f32('embed', [V, H], values(V * H, 1)), 'tokens']));
  const file = save(path.join(tmp, 'tokens', 'model.onnx'), g.model());
  await rejectsWith(t, file, /neither input_ids nor inputs_embeds/);
  const ok = await deriveEmbedsDecoder(file, { cacheDir, inputIdsName: 'tokens' });
  t.ok(ok.logitsLastOnly, 'inputIdsName selects another ids input');
});

t.test('selar convert CLI', async (t) => {
  const gen = await writeLlamaModel(path.join(tmp, 'cli-model'), {
    hidden: 16,
    layers: 1,
    heads: 2,
    kvHeads: 1,
    intermediate: 32,
    vocab: 300,
    dtype: 'float16',
    externalData: true,
  });
  fs.copyFileSync(gen.modelPath, path.join(path.dirname(gen.modelPath), 'model_fp16.onnx'));
  let out = '';
  let err = '';
  const io = {
    out: (s: string) => {
      out += s;
    },
    err: (s: string) => {
      err += s;
    },
  };
  t.equal(await runConvert([gen.dir, '--dtype', 'fp16', '--out', cacheDir], io), 0, 'exit 0');
  t.match(out, /source: .*onnx\/model_fp16\.onnx/);
  t.match(out, new RegExp(`decoder: ${cacheDir}/[0-9a-f]+/decoder\\.onnx`));
  t.match(out, /embedding: table .*model\.onnx_data \(offset \d+, \d+ bytes, \d+x16 float16\)/);
  t.match(out, /logits: last position only/);

  out = '';
  // Without a model_q4.onnx, --dtype q4 quantizes the fp32 export (MatMuls whose K fits a block).
  t.equal(await runConvert([gen.dir, '--dtype', 'q4', '--out', cacheDir], io), 0, 'q4 from the fp32 export');
  t.match(out, /source: .*onnx\/model\.onnx\n[\s\S]*quantized: 4-bit MatMulNBits/);
  t.equal(await runConvert([gen.dir, '--dtype', 'int8', '--out', cacheDir], io), 1, 'missing variant exits 1');
  t.match(err, /no decoder for dtype int8 .*found model\.onnx, model_fp16\.onnx/);
  t.equal(await runConvert([], io), 2, 'usage error exits 2');
  t.equal(await runConvert([gen.dir, '--bogus'], io), 2, 'unknown option exits 2');

  const genai = path.join(tmp, 'genai');
  fs.mkdirSync(genai);
  fs.writeFileSync(
    path.join(genai, 'genai_config.json'),
    JSON.stringify({ model: { decoder: { filename: 'missing.onnx' } } }),
  );
  err = '';
  t.equal(await runConvert([genai, '--out', cacheDir], io), 1);
  t.match(err, /decoder file missing\.onnx named in genai_config\.json is missing/);
});
