// Derived inputs_embeds decoders of generated Llama models (fp32/fp16, tied/untied,
// inline/external data) give bit-identical logits and KV caches to the originals,
// leave the user's folder alone and are cached.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { writeLlamaModel, type LlamaGenOptions } from '../../src/modelgen/llama.js';
import { readModel } from '../../src/onnx/proto.js';
import { createSession, deriveEmbedsDecoder } from '../../src/model/convert/index.js';
import { checkEquivalence, snapshotFolder } from './convert-helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-convert-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
const cacheDir = path.join(tmp, 'cache');
const base: LlamaGenOptions = { hidden: 32, layers: 2, heads: 4, kvHeads: 2, intermediate: 64, vocab: 300, seed: 11 };
const prompt = [
  [5, 17, 42, 99, 250, 3],
  [7, 8, 9, 10, 11, 12],
];
const next = [77, 4];

const variants: Array<[string, Partial<LlamaGenOptions>]> = [
  ['fp32 untied inline', { dtype: 'float32' }],
  ['fp16 tied external data', { dtype: 'float16', tiedEmbeddings: true, externalData: true }],
  ['fp32 tied external data', { dtype: 'float32', tiedEmbeddings: true, externalData: true }],
  ['fp16 untied inline', { dtype: 'float16' }],
];

for (const [name, extra] of variants) {
  t.test(name, async (t) => {
    const gen = await writeLlamaModel(path.join(tmp, name.replace(/ /g, '-')), { ...base, ...extra });
    const before = snapshotFolder(gen.dir);
    const derived = await deriveEmbedsDecoder(gen.modelPath, { cacheDir });

    t.equal(derived.embedsDtype, extra.dtype);
    t.equal(derived.hiddenSize, 32);
    t.equal(derived.vocabSize, gen.config.vocab_size);
    t.ok(derived.logitsLastOnly, 'logits are sliced to the last position');
    t.ok(derived.presentNewOnly, 'presents carry the new positions only');
    t.ok(derived.decoderPath.startsWith(cacheDir), 'derived decoder lives in the cache');
    t.equal(derived.embedding.kind, 'table');
    if (derived.embedding.kind === 'table') {
      t.equal(
        derived.embedding.rows * derived.embedding.dim * (extra.dtype === 'float16' ? 2 : 4),
        derived.embedding.byteLength,
      );
      if (gen.dataPath) {
        t.equal(
          derived.embedding.file,
          fs.realpathSync(gen.dataPath),
          'rows are read from the original external-data file',
        );
        t.equal(derived.externalDataDir, path.dirname(gen.modelPath));
      } else {
        t.ok(derived.embedding.file.startsWith(cacheDir), 'an inline table is extracted into the cache');
        t.equal(derived.externalDataDir, null);
      }
    }
    const graph = readModel(derived.decoderPath).graph;
    const table = graph.initializer.find((i) => i.name === 'model.embed_tokens.weight');
    t.equal(
      Boolean(table),
      Boolean(extra.tiedEmbeddings),
      'the table stays in the graph only when the LM head uses it',
    );
    if (gen.dataPath) {
      t.ok(
        fs.statSync(derived.decoderPath).size <= fs.statSync(gen.modelPath).size + 4096,
        'no external weight is pulled into the derived graph',
      );
      t.ok(
        graph.initializer.some((i) =>
          i.externalData?.some((e) => e.key === 'location' && e.value === 'model.onnx_data'),
        ),
        'initializers point at the original data file',
      );
    }

    await checkEquivalence(t, gen.modelPath, derived, prompt, next);
    t.same(snapshotFolder(gen.dir), before, 'the model folder is unchanged');
  });
}

t.test('cache: reused, keyed by the model file, rebuilt on force', async (t) => {
  const gen = await writeLlamaModel(path.join(tmp, 'cache-model'), { ...base, externalData: true });
  const first = await deriveEmbedsDecoder(gen.modelPath, { cacheDir });
  const mtime = fs.statSync(first.decoderPath).mtimeMs;
  const again = await deriveEmbedsDecoder(gen.modelPath, { cacheDir });
  t.same(again, first, 'same result');
  t.equal(fs.statSync(again.decoderPath).mtimeMs, mtime, 'reused without rewriting');

  await new Promise((r) => setTimeout(r, 20));
  const forced = await deriveEmbedsDecoder(gen.modelPath, { cacheDir, force: true });
  t.equal(forced.decoderPath, first.decoderPath);
  t.not(fs.statSync(forced.decoderPath).mtimeMs, mtime, 'force rewrites the files');

  const later = new Date(Date.now() + 5000);
  fs.utimesSync(gen.modelPath, later, later);
  const touched = await deriveEmbedsDecoder(gen.modelPath, { cacheDir });
  t.not(
    path.dirname(touched.decoderPath),
    path.dirname(first.decoderPath),
    'a changed model file gets a new cache folder',
  );

  fs.rmSync(touched.decoderPath);
  const repaired = await deriveEmbedsDecoder(gen.modelPath, { cacheDir });
  t.ok(fs.existsSync(repaired.decoderPath), 'a cache entry with a missing file is rebuilt');
  t.same(
    fs.readdirSync(path.dirname(repaired.decoderPath)).filter((f) => f.includes('.tmp-')),
    [],
    'no temp files are left behind',
  );
});

t.test('default cache root follows SELAR_CACHE_DIR', async (t) => {
  const gen = await writeLlamaModel(path.join(tmp, 'env-model'), base);
  const root = path.join(tmp, 'env-cache');
  const saved = process.env.SELAR_CACHE_DIR;
  process.env.SELAR_CACHE_DIR = root;
  t.teardown(() => {
    if (saved === undefined) delete process.env.SELAR_CACHE_DIR;
    else process.env.SELAR_CACHE_DIR = saved;
  });
  const derived = await deriveEmbedsDecoder(gen.modelPath);
  t.equal(path.dirname(path.dirname(derived.decoderPath)), root);
});

t.test('inPlace writes next to the model and loads by path', async (t) => {
  const gen = await writeLlamaModel(path.join(tmp, 'in-place'), { ...base, dtype: 'float16', externalData: true });
  const derived = await deriveEmbedsDecoder(gen.modelPath, { inPlace: true });
  t.equal(path.dirname(derived.decoderPath), path.dirname(gen.modelPath));
  t.ok(fs.existsSync(path.join(path.dirname(gen.modelPath), 'model.selar-embeds.json')), 'manifest next to the model');
  const session = await createSession(derived, {});
  t.ok(session.inputNames.includes('inputs_embeds'));
  await session.release();
  t.same(await deriveEmbedsDecoder(gen.modelPath, { inPlace: true }), derived, 'reused in place');
});
