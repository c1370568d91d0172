// Presents that carry only the step's new positions (DerivedDecoder.presentNewOnly):
// the decode loop appends them to cache arrays it reuses. Against the same model
// derived with whole-cache presents (the export's own form), every logit and every
// cache byte must be identical — through prefill, decode steps, a batch that loses a
// row and two caches merged — and steady decoding must stop allocating a cache per step.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import type * as ort from 'onnxruntime-node';
import {
  createSession,
  deriveEmbedsDecoder,
  readEmbeddingRows,
  type DerivedDecoder,
} from '../../src/model/convert/index.js';
import { detectLayout } from '../../src/model/layout.js';
import { readModel } from '../../src/onnx/proto.js';
import { DecoderSession, describeIo, type KvCache } from '../../src/worker/decoder-session.js';
import { llamaModel } from '../support/models.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'selar-new-positions-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function open(
  derived: DerivedDecoder,
): Promise<{ decoder: DecoderSession; embed: (ids: number[]) => Promise<Float32Array> }> {
  const session = await createSession(derived, {});
  const io = describeIo(session, derived.decoderPath, derived.embedsInputName);
  const decoder = new DecoderSession({
    session,
    io,
    hiddenSize: derived.hiddenSize,
    vocabSize: derived.vocabSize,
    maxLength: 256,
    canPad: derived.leftPadding,
    presentNewOnly: derived.presentNewOnly,
  });
  return { decoder, embed: (ids) => readEmbeddingRows(derived.embedding, ids) };
}

const bytes = (x: ort.Tensor) =>
  Buffer.from(
    (x.data as Float32Array).buffer,
    (x.data as Float32Array).byteOffset,
    (x.data as Float32Array).byteLength,
  );
const sameCache = (a: KvCache, b: KvCache) =>
  a.length === b.length &&
  [...a.past.keys()].every(
    (k) =>
      bytes(a.past.get(k)!).equals(bytes(b.past.get(k)!)) && a.past.get(k)!.dims.join() === b.past.get(k)!.dims.join(),
  );
const sameLogits = (a: Float32Array[], b: Float32Array[]) =>
  a.length === b.length &&
  a.every((row, i) =>
    Buffer.from(row.buffer, row.byteOffset, row.byteLength).equals(
      Buffer.from(b[i].buffer, b[i].byteOffset, b[i].byteLength),
    ),
  );

t.test(
  'new-positions presents: same logits and caches as whole-cache presents, without a new cache per step',
  async (t) => {
    const file = detectLayout(await llamaModel(), 'fp32').decoderFile;
    const derivedNew = await deriveEmbedsDecoder(file, { cacheDir: tmp });
    const derivedWhole = await deriveEmbedsDecoder(file, { cacheDir: tmp, wholeCacheOutputs: true });
    t.equal(derivedNew.presentNewOnly, true, 'Concat(past, new) presents are rewritten');
    t.equal(derivedWhole.presentNewOnly, false);
    t.not(derivedNew.decoderPath, derivedWhole.decoderPath, 'the two forms are cached apart');
    const out = readModel(derivedNew.decoderPath).graph.output.find((o) => o.name === 'present.0.key')!;
    t.same(
      out.type?.tensorType?.shape?.dim?.map((d) => d.dimParam ?? Number(d.dimValue)),
      ['batch_size', 2, 'new_positions', 16],
      'the output declares the step length',
    );

    const fresh = await open(derivedNew);
    const whole = await open(derivedWhole);
    const prompts = [
      [5, 17, 42, 99, 250, 3],
      [7, 8, 9, 10, 11, 12],
    ];
    const run = async (m: typeof fresh, cache: KvCache, ids: number[], T: number) => {
      const r = await m.decoder.forward(cache, await m.embed(ids), T);
      return { logits: r.logits.map((row) => row.slice()), cache: r.cache };
    };
    // One pass of the same inputs through both decoders: whether logits and advanced caches are identical.
    const both = async (a: KvCache, b: KvCache, ids: number[], T: number) => {
      const ra = await run(fresh, a, ids, T);
      const rb = await run(whole, b, ids, T);
      const caches = sameCache(ra.cache, rb.cache);
      return { a: ra.cache, b: rb.cache, logits: sameLogits(ra.logits, rb.logits), caches };
    };

    let r = await both(fresh.decoder.newCache(2), whole.decoder.newCache(2), prompts.flat(), 6);
    t.ok(r.logits, 'prefill logits identical');
    t.ok(r.caches, 'prefill cache identical');
    const arrays = new Set<ArrayBufferLike>();
    const wholeArrays = new Set<ArrayBufferLike>();
    let same = true;
    for (let step = 0; step < 24; step++) {
      const ids = [(step * 7) % 300, (step * 13 + 1) % 300];
      r = await both(r.a, r.b, ids, 1);
      same &&= r.logits && r.caches;
      arrays.add((r.a.past.get('past_key_values.0.key')!.data as Float32Array).buffer);
      wholeArrays.add((r.b.past.get('past_key_values.0.key')!.data as Float32Array).buffer);
    }
    t.ok(same, '24 decode steps: logits and caches identical at every step');
    t.equal(wholeArrays.size, 24, 'whole-cache presents: a new cache array every step');
    t.equal(arrays.size, 2, 'new positions appended into two arrays that alternate');

    // A row leaves, then a newcomer of the same length joins: still identical.
    const a1 = fresh.decoder.keepRows(r.a, [1]);
    const b1 = whole.decoder.keepRows(r.b, [1]);
    r = await both(a1, b1, [33], 1);
    t.ok(r.logits && r.caches, 'after keepRows');
    const soloIds = [1, 2, 3, 4, 5, 6, ...Array.from({ length: 25 }, (_, i) => i + 20)];
    const solo = async (m: typeof fresh) => (await run(m, m.decoder.newCache(1), soloIds, 31)).cache;
    const a2 = fresh.decoder.mergeCaches([r.a, await solo(fresh)]);
    const b2 = whole.decoder.mergeCaches([r.b, await solo(whole)]);
    r = await both(a2, b2, [60, 61], 1);
    t.ok(r.logits && r.caches, 'after mergeCaches');
  },
);

t.test('a present that does not hold the step is refused, not appended', async (t) => {
  const derived = await deriveEmbedsDecoder(detectLayout(await llamaModel(), 'fp32').decoderFile, {
    cacheDir: tmp,
    wholeCacheOutputs: true,
  });
  // Whole-cache presents treated as new positions: the second step returns P + 1 positions.
  const session = await createSession(derived, {});
  const io = describeIo(session, derived.decoderPath, derived.embedsInputName);
  const lying = new DecoderSession({
    session,
    io,
    hiddenSize: derived.hiddenSize,
    vocabSize: derived.vocabSize,
    maxLength: 256,
    canPad: derived.leftPadding,
    presentNewOnly: true,
  });
  const { cache } = await lying.forward(lying.newCache(1), await readEmbeddingRows(derived.embedding, [1, 2, 3]), 3);
  await t.rejects(
    lying.forward(cache, await readEmbeddingRows(derived.embedding, [4]), 1),
    /has 4 positions on axis 2, expected the step's 1/,
  );
});

t.test('fp16 caches: appended the same way, bitwise equal to whole-cache presents', async (t) => {
  const file = detectLayout(await llamaModel({ dtype: 'float16' }), 'auto').decoderFile;
  const fresh = await open(await deriveEmbedsDecoder(file, { cacheDir: tmp }));
  const whole = await open(await deriveEmbedsDecoder(file, { cacheDir: tmp, wholeCacheOutputs: true }));
  t.equal(fresh.decoder.io.cache[0].type, 'float16');
  let a = fresh.decoder.newCache(1);
  let b = whole.decoder.newCache(1);
  let same = true;
  for (let step = 0; step < 12; step++) {
    const ids = step === 0 ? [3, 4, 5, 6] : [(step * 11) % 300];
    const ra = await fresh.decoder.forward(a, await fresh.embed(ids), ids.length);
    const rb = await whole.decoder.forward(b, await whole.embed(ids), ids.length);
    a = ra.cache;
    b = rb.cache;
    same &&= sameLogits(ra.logits, rb.logits) && sameCache(a, b);
  }
  t.ok(same, 'prefill and 11 steps identical, logits and Uint16 caches');
  t.ok(a.past.get('past_key_values.0.key')!.data instanceof Uint16Array);
});
