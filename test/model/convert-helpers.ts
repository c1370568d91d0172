// Shared by the convert*.test.ts files: feeds any decoder (Optimum, genai, GPT-2 with
// combined past) from its input metadata, and compares original and derived outputs
// bit for bit.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Test } from 'tap';
import { toHalf as toHalfBits } from '../../src/util/half.js';
import { createSession, deriveEmbedsDecoder, readEmbeddingRows } from '../../src/model/convert/index.js';
import type { DerivedDecoder } from '../../src/model/convert/index.js';
import { sliceFrom } from '../../src/worker/tensor-ops.js';

export type Outputs = ort.InferenceSession.OnnxValueMapType;

function intTensor(type: string, rows: number[][]): ort.Tensor {
  const flat = rows.flat();
  const dims = [rows.length, rows[0].length];
  return type === 'int32'
    ? new ort.Tensor('int32', Int32Array.from(flat), dims)
    : new ort.Tensor(
        'int64',
        BigInt64Array.from(flat, (v) => BigInt(v)),
        dims,
      );
}

export function presentName(pastName: string): string {
  return pastName.replace('past_key_values', 'present').replace(/^past_/, 'present_');
}

function emptyPast(meta: ort.InferenceSession.TensorValueMetadata, batch: number): ort.Tensor {
  // Symbolic batch dims take the batch size; every other symbolic dim is the (empty) past length.
  const dims = meta.shape.map((d) => (typeof d === 'number' ? d : /batch/i.test(d) ? batch : 0));
  return meta.type === 'float16'
    ? new ort.Tensor('float16', new Uint16Array(0), dims)
    : new ort.Tensor('float32', new Float32Array(0), dims);
}

/** One forward pass: `tokens` is ids for the original decoder or an embeds tensor for the derived one. */
export async function runStep(
  session: ort.InferenceSession,
  tokens: number[][] | ort.Tensor,
  past: Outputs | null,
  pastLength: number,
): Promise<Outputs> {
  const batch = Array.isArray(tokens) ? tokens.length : tokens.dims[0];
  const length = Array.isArray(tokens) ? tokens[0].length : tokens.dims[1];
  const rows = (f: (i: number) => number): number[][] =>
    Array.from({ length: batch }, () => Array.from({ length }, (_, i) => f(i)));
  const feeds: Record<string, ort.Tensor> = {};
  for (const meta of session.inputMetadata) {
    if (!meta.isTensor) throw new Error(`non-tensor input ${meta.name}`);
    if (meta.name === 'input_ids') feeds[meta.name] = intTensor(meta.type, tokens as number[][]);
    else if (meta.name === 'inputs_embeds') feeds[meta.name] = tokens as ort.Tensor;
    else if (meta.name === 'attention_mask')
      feeds[meta.name] = intTensor(
        meta.type,
        Array.from({ length: batch }, () => Array(pastLength + length).fill(1)),
      );
    else if (meta.name === 'position_ids')
      feeds[meta.name] = intTensor(
        meta.type,
        rows((i) => pastLength + i),
      );
    else if (meta.name === 'logits_to_keep' || meta.name === 'num_logits_to_keep')
      feeds[meta.name] = new ort.Tensor('int64', BigInt64Array.of(1n), []);
    else if (meta.name.startsWith('past'))
      feeds[meta.name] = past ? (past[presentName(meta.name)] as ort.Tensor) : emptyPast(meta, batch);
    else throw new Error(`test runner does not know input ${meta.name}`);
  }
  return session.run(feeds);
}

/** Embedding rows for `ids`, in the derived decoder's input dtype (fp16 rows round-trip exactly). */
export async function embedsFor(derived: DerivedDecoder, ids: number[][]): Promise<ort.Tensor> {
  const rows = await readEmbeddingRows(derived.embedding, ids.flat());
  const dims = [ids.length, ids[0].length, derived.hiddenSize];
  return derived.embedsDtype === 'float16'
    ? new ort.Tensor('float16', Uint16Array.from(rows, toHalfBits), dims)
    : new ort.Tensor('float32', rows, dims);
}

/** Bytes of logits[b, position] for every row b; position -1 is the last one. */
export function logitsBytes(out: Outputs, position = -1): Buffer[] {
  const t = out.logits as ort.Tensor;
  const [batch, seq, vocab] = t.dims;
  const p = position < 0 ? seq + position : position;
  const data = t.data as Float32Array | Uint16Array;
  const width = data.BYTES_PER_ELEMENT;
  return Array.from({ length: batch }, (_, b) =>
    Buffer.from(data.buffer, data.byteOffset + (b * seq + p) * vocab * width, vocab * width),
  );
}

export function tensorBytes(t: ort.Tensor): Buffer {
  const d = t.data as Float32Array | Uint16Array;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

/** Paths, sizes, mtimes and content hashes of every file under `dir`. */
export function snapshotFolder(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.statSync(p);
        out[path.relative(dir, p)] =
          `${st.size}:${st.mtimeMs}:${crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex')}`;
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * The core equivalence check: a prefill of `prompt` (a batch of id rows) and one cached
 * decode step of `next` give the same bytes from the derived decoder fed E[ids] as from
 * the original fed ids — last-position logits and every present tensor.
 */
export async function checkEquivalence(
  t: Test,
  modelPath: string,
  derived: DerivedDecoder,
  prompt: number[][],
  next: number[],
): Promise<void> {
  const original = await ort.InferenceSession.create(modelPath);
  const session = await createSession(derived, {});
  t.notOk(session.inputNames.includes('input_ids'), 'derived decoder has no input_ids');
  t.ok(session.inputNames.includes(derived.embedsInputName), `derived decoder takes ${derived.embedsInputName}`);

  const a = await runStep(original, prompt, null, 0);
  const b = await runStep(session, await embedsFor(derived, prompt), null, 0);
  t.same(
    (b.logits as ort.Tensor).dims,
    [prompt.length, derived.logitsLastOnly ? 1 : prompt[0].length, derived.vocabSize],
    'derived logits shape',
  );
  t.ok(
    logitsBytes(a).every((bytes, row) => bytes.equals(logitsBytes(b)[row])),
    'prefill: last-position logits are bit-identical',
  );
  const presents = original.outputNames.filter((n) => n !== 'logits');
  t.ok(
    presents.length > 0 &&
      presents.every((n) => tensorBytes(a[n] as ort.Tensor).equals(tensorBytes(b[n] as ort.Tensor))),
    'prefill: KV cache is bit-identical',
  );

  const step = next.map((id) => [id]);
  const a2 = await runStep(original, step, a, prompt[0].length);
  const b2 = await runStep(session, await embedsFor(derived, step), b, prompt[0].length);
  t.ok(
    logitsBytes(a2).every((bytes, row) => bytes.equals(logitsBytes(b2)[row])),
    'decode step: logits are bit-identical',
  );
  // Presents: the whole cache, or (presentNewOnly) its last position along the axis that grew.
  t.ok(
    presents.every((n) => {
      const whole = a2[n] as ort.Tensor;
      const got = b2[n] as ort.Tensor;
      const axis = whole.dims.findIndex((d, i) => d !== got.dims[i]);
      if (!derived.presentNewOnly) return axis < 0 && tensorBytes(whole).equals(tensorBytes(got));
      return (
        axis >= 0 &&
        got.dims[axis] === 1 &&
        tensorBytes(sliceFrom(whole, axis, whole.dims[axis] - 1)).equals(tensorBytes(got))
      );
    }),
    derived.presentNewOnly
      ? 'decode step: presents are the new position of the original cache'
      : 'decode step: KV cache is bit-identical',
  );
  // Guard against a vacuous comparison: a different token gives different logits.
  const other = await runStep(
    session,
    await embedsFor(
      derived,
      next.map((id) => [(id + 1) % derived.embedding.rows]),
    ),
    b,
    prompt[0].length,
  );
  t.notOk(logitsBytes(other)[0].equals(logitsBytes(b2)[0]), 'logits depend on the embedding fed');
  await original.release();
  await session.release();
}

export { deriveEmbedsDecoder };
