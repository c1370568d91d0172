import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import * as ort from 'onnxruntime-node';
import { writeEchoModel } from '../../src/modelgen/echo.js';
import { halfArrayToFloat as fromHalfArray, floatArrayToHalf as toHalfArray } from '../../src/util/half.js';
import { encodeModel, readModel, type ModelProto } from '../../src/onnx/proto.js';
import { asFloat32, logitsAt, runDecoder } from './decoder-runner.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'modelgen-echo-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

const shape = (hidden: number, dtype: 'float32' | 'float16' = 'float32') => ({
  layers: 1,
  kvHeads: 1,
  headDim: hidden,
  dtype,
});

function row(table: Float32Array, hidden: number, id: number): Float32Array {
  return table.slice(id * hidden, (id + 1) * hidden);
}

t.test('logits are the embedding rows of the ids fed, zeros past hidden', async (t) => {
  const gen = await writeEchoModel(path.join(tmp, 'fp32'), { hidden: 16, seed: 3 });
  t.equal(gen.config.vocab_size, gen.tokenizer.size);
  t.equal(gen.embeddings.length, gen.config.vocab_size * 16);
  const session = await ort.InferenceSession.create(gen.modelPath);
  const ids = [
    [0, 0, 10, 200],
    [1, 2, 3, gen.tokenizer.eosTokenId],
  ];
  const out = await runDecoder(session, shape(16), ids, [
    [0, 0, 1, 1],
    [1, 1, 1, 1],
  ]);
  for (let b = 0; b < 2; b++) {
    for (let p = 0; p < 4; p++) {
      const logits = logitsAt(out, b, p);
      t.same(logits.slice(0, 16), row(gen.embeddings, 16, ids[b][p]), `logits[${b},${p}] echo the embedding`);
      t.ok(logits.slice(16).every((v) => v === 0));
    }
  }
  t.not(row(gen.embeddings, 16, 10).join(), row(gen.embeddings, 16, 11).join(), 'rows differ');
});

t.test('the KV cache is consumed and grows like a decoder cache', async (t) => {
  const gen = await writeEchoModel(path.join(tmp, 'kv'), { hidden: 8 });
  const session = await ort.InferenceSession.create(gen.modelPath);
  const prefill = await runDecoder(session, shape(8), [[4, 5, 6]]);
  t.same((prefill['present.0.key'] as ort.Tensor).dims, [1, 1, 3, 8]);
  const step = await runDecoder(session, shape(8), [[7]], [[1, 1, 1, 1]], prefill);
  const key = asFloat32(step['present.0.key'] as ort.Tensor);
  const value = asFloat32(step['present.0.value'] as ort.Tensor);
  t.same((step['present.0.value'] as ort.Tensor).dims, [1, 1, 4, 8]);
  t.same(key.slice(0, 24), asFloat32(prefill['present.0.key'] as ort.Tensor), 'past rows carried over');
  t.same(key.slice(24), row(gen.embeddings, 8, 7), 'new key row is the embedding');
  t.same(
    value.slice(24),
    row(gen.embeddings, 8, 7).map((v) => Math.fround(v + 3)),
    'new value row is offset by its position',
  );
  t.same(logitsAt(step, 0).slice(0, 8), row(gen.embeddings, 8, 7));

  const wrongPast = { ...prefill, 'present.0.key': new ort.Tensor('float32', new Float32Array(18), [1, 1, 2, 9]) };
  await t.rejects(
    runDecoder(session, shape(8), [[7]], [[1, 1, 1, 1]], wrongPast),
    'a past of the wrong width is refused',
  );
});

/** Minimal inputs_embeds surgery: what the project's converter does, enough to test the echo contract. */
function toInputsEmbeds(model: ModelProto, hidden: number): ModelProto {
  const g = model.graph;
  const gather = g.node.find((n) => n.opType === 'Gather' && n.input[1] === 'input_ids')!;
  g.node = g.node.filter((n) => n !== gather);
  for (const n of g.node) n.input = n.input.map((i) => (i === gather.output[0] ? 'inputs_embeds' : i));
  const shape = g.node.find((n) => n.opType === 'Shape' && n.input[0] === 'input_ids')!;
  const embedsShape = `${shape.name}_embeds`;
  shape.input = [embedsShape];
  g.node.unshift(
    { name: `${shape.name}_of_embeds`, opType: 'Shape', input: ['inputs_embeds'], output: [`${embedsShape}_full`] },
    {
      name: `${shape.name}_first2`,
      opType: 'Slice',
      input: [`${embedsShape}_full`, 'embeds_zero', 'embeds_two'],
      output: [embedsShape],
    },
  );
  shape.opType = 'Identity';
  g.initializer = g.initializer.filter((i) => i.name !== 'model.embed_tokens.weight');
  const i64 = (name: string, v: bigint) => ({
    name,
    dataType: 7,
    dims: [1],
    rawData: new Uint8Array(BigInt64Array.of(v).buffer),
  });
  g.initializer.push(i64('embeds_zero', 0n), i64('embeds_two', 2n));
  const elem = g.input.find((i) => i.name === 'past_key_values.0.key')!.type!.tensorType!.elemType;
  g.input[0] = {
    name: 'inputs_embeds',
    type: {
      tensorType: {
        elemType: elem,
        shape: { dim: [{ dimParam: 'batch_size' }, { dimParam: 'sequence_length' }, { dimValue: hidden }] },
      },
    },
  };
  return model;
}

for (const dtype of ['float32', 'float16'] as const) {
  t.test(`${dtype}: after replacing the Gather with inputs_embeds, logits show the fed vector`, async (t) => {
    const gen = await writeEchoModel(path.join(tmp, `embeds-${dtype}`), { hidden: 12, vocab: 300, dtype, seed: 5 });
    const converted = toInputsEmbeds(readModel(gen.modelPath), 12);
    t.notOk(
      converted.graph.node.some((n) => n.input.includes('input_ids')),
      'no use of input_ids left',
    );
    const session = await ort.InferenceSession.create(encodeModel(converted));
    // A soft embedding: 0.25 * e[10] + 0.75 * e[20], rounded to the model dtype.
    const soft = row(gen.embeddings, 12, 10).map((v, j) => 0.25 * v + 0.75 * gen.embeddings[20 * 12 + j]);
    const fed = dtype === 'float16' ? fromHalfArray(toHalfArray(soft)) : soft;
    const data = dtype === 'float16' ? toHalfArray(fed) : fed;
    const past = () =>
      new ort.Tensor(dtype, dtype === 'float16' ? new Uint16Array(0) : new Float32Array(0), [1, 1, 0, 12]);
    const out = await session.run({
      inputs_embeds: new ort.Tensor(dtype, data, [1, 1, 12]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.of(1n), [1, 1]),
      position_ids: new ort.Tensor('int64', BigInt64Array.of(0n), [1, 1]),
      'past_key_values.0.key': past(),
      'past_key_values.0.value': past(),
    });
    t.same(logitsAt(out, 0).slice(0, 12), fed);
    t.same((out['present.0.key'] as ort.Tensor).dims, [1, 1, 1, 12]);
  });
}

t.test('float16 echo: logits are the fp16 rows exactly', async (t) => {
  const gen = await writeEchoModel(path.join(tmp, 'fp16'), { hidden: 8, dtype: 'float16' });
  const session = await ort.InferenceSession.create(gen.modelPath);
  const out = await runDecoder(session, shape(8, 'float16'), [[33, 34]]);
  t.equal((out.logits as ort.Tensor).type, 'float16');
  t.same(logitsAt(out, 0, 0).slice(0, 8), row(gen.embeddings, 8, 33));
  t.same(logitsAt(out, 0, 1).slice(0, 8), row(gen.embeddings, 8, 34));
});

t.test('vocab must exceed hidden', async (t) => {
  await t.rejects(writeEchoModel(path.join(tmp, 'bad'), { hidden: 400 }), RangeError);
});
