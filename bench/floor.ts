// The raw floor: the least a decode loop on onnxruntime-node can cost. It opens the
// same derived inputs_embeds decoder the engine runs, with the same session options,
// and does nothing but session.run with the KV cache fed back: a fixed embedding
// vector as input, no sampling, no tokenizer, buffers allocated once. Where the
// decoder returns only the step's new positions (DerivedDecoder.presentNewOnly) the
// floor appends them as the engine does, into two arrays per cache tensor that
// alternate. With batch B it runs B sequences in one forward pass, the ceiling
// continuous batching can reach.
// The bench rows run it in a worker thread (floor-worker.ts), as the engine runs its loop.
import * as ort from 'onnxruntime-node';
import { createSession, type DerivedDecoder } from '../src/model/convert/index.js';
import { sessionOptions } from '../src/worker/session-options.js';
import { intTensor } from '../src/worker/decoder-session.js';
import { concatAlong } from '../src/worker/tensor-ops.js';
import type { SequenceTiming } from './stats.js';

export interface SessionSettings {
  threads: number;
  /** Extra session options for experiments (spinning, ORT profiling); the bench rows never set them. */
  extra?: ort.InferenceSession.SessionOptions;
}

interface PastSlot {
  past: string;
  present: string;
  /** Dims with the batch and past-length dims marked as -1 and -2. */
  dims: number[];
}

function pastSlots(session: ort.InferenceSession): PastSlot[] {
  const slots: PastSlot[] = [];
  for (const m of session.inputMetadata) {
    if (!m.isTensor || !m.name.startsWith('past')) continue;
    const present = m.name.replace(/^past_key_values/, 'present');
    if (!session.outputNames.includes(present)) throw new Error(`floor: no present output for ${m.name}`);
    if (m.type !== 'float32') throw new Error(`floor: only float32 caches are measured (got ${m.type})`);
    const dims = m.shape.map((d, i) => (typeof d === 'number' && d >= 0 ? d : i === 0 ? -1 : -2));
    slots.push({ past: m.name, present, dims });
  }
  return slots;
}

export class FloorDecoder {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly derived: DerivedDecoder,
    private readonly slots: PastSlot[],
  ) {}

  static async open(derived: DerivedDecoder, settings: SessionSettings): Promise<FloorDecoder> {
    // The engine's worker opens its session with exactly these options (src/worker/session-options.ts).
    const session = await createSession(derived, { ...sessionOptions(settings.threads), ...settings.extra });
    const known = new Set([derived.embedsInputName, 'attention_mask', 'position_ids', derived.logitsToKeepInput]);
    for (const name of session.inputNames) {
      if (!known.has(name) && !name.startsWith('past')) throw new Error(`floor: unexpected decoder input ${name}`);
    }
    return new FloorDecoder(session, derived, pastSlots(session));
  }

  /** Prefills `batch` identical prompts of `promptLength` positions, then decodes until each has `tokens` tokens. */
  async run(batch: number, promptLength: number, tokens: number): Promise<SequenceTiming[]> {
    const H = this.derived.hiddenSize;
    const maxTotal = promptLength + tokens;
    const embeds = new Float32Array(batch * promptLength * H).fill(0.01);
    const mask = new BigInt64Array(batch * maxTotal).fill(1n);
    const positions = new BigInt64Array(batch * promptLength);
    for (let b = 0; b < batch; b++) for (let t = 0; t < promptLength; t++) positions[b * promptLength + t] = BigInt(t);
    const feeds: Record<string, ort.Tensor> = {};
    for (const s of this.slots) {
      const dims = s.dims.map((d) => (d === -1 ? batch : d === -2 ? 0 : d));
      feeds[s.past] = new ort.Tensor('float32', new Float32Array(0), dims);
    }
    // Two arrays per cache tensor, each big enough for the whole run.
    const perPosition = (s: PastSlot) => s.dims.reduce((n, d) => n * (d === -1 ? batch : d === -2 ? 1 : d), 1);
    const arrays = this.derived.presentNewOnly
      ? this.slots.map((s) => [0, 1].map(() => new Float32Array(perPosition(s) * maxTotal)))
      : [];
    const seqAxis = (s: PastSlot) => s.dims.indexOf(-2);
    const hasMask = this.session.inputNames.includes('attention_mask');
    const hasPositions = this.session.inputNames.includes('position_ids');
    // The last position's logits only, as the engine asks for a decode step.
    const keep = this.session.inputMetadata.find((m) => m.name === this.derived.logitsToKeepInput);
    if (keep?.isTensor) feeds[keep.name] = intTensor(keep.type, [1], keep.shape.length ? [1] : []);

    const startMs = performance.now();
    let total = 0;
    let firstTokenMs = 0;
    for (let step = 0; step < tokens; step++) {
      const T = step === 0 ? promptLength : 1;
      total += T;
      feeds[this.derived.embedsInputName] = new ort.Tensor('float32', embeds.subarray(0, batch * T * H), [batch, T, H]);
      if (hasMask) feeds.attention_mask = new ort.Tensor('int64', mask.subarray(0, batch * total), [batch, total]);
      if (hasPositions) {
        if (step > 0) positions.fill(BigInt(total - 1), 0, batch);
        feeds.position_ids = new ort.Tensor('int64', positions.subarray(0, batch * T), [batch, T]);
      }
      const out = await this.session.run(feeds);
      this.slots.forEach((s, i) => {
        feeds[s.past] = this.derived.presentNewOnly
          ? concatAlong([feeds[s.past], out[s.present]], seqAxis(s), arrays[i][step % 2])
          : out[s.present];
      });
      if (step === 0) firstTokenMs = performance.now();
    }
    const lastTokenMs = performance.now();
    return Array.from({ length: batch }, () => ({ startMs, firstTokenMs, lastTokenMs, tokens }));
  }

  /** Writes ORT's profile (sessions opened with enableProfiling) and returns its path. */
  endProfiling(): string {
    return (this.session as unknown as { endProfiling(): string | undefined }).endProfiling() ?? '';
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
