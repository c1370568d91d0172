// @huggingface/transformers (transformers.js) text generation on the original model
// folder: what a Node user would otherwise pick. Greedy, min_new_tokens = max_new_tokens
// so that eos cannot end a sequence early, same prompt ids as the other systems.
import path from 'node:path';
import {
  AutoModelForCausalLM,
  BaseStreamer,
  env,
  Tensor,
  type PreTrainedModel,
  type TextStreamer,
} from '@huggingface/transformers';
import { sessionOptions } from '../src/worker/session-options.js';
import type { SequenceTiming } from './stats.js';

/** Records when each generated token reaches the streamer (the first put() is the prompt). */
class TimingStreamer extends BaseStreamer {
  puts = 0;
  firstTokenMs = 0;
  lastTokenMs = 0;
  override put(): void {
    if (this.puts++ === 0) return;
    this.lastTokenMs = performance.now();
    if (this.puts === 2) this.firstTokenMs = this.lastTokenMs;
  }
  override end(): void {}
}

export interface TransformersModel {
  model: PreTrainedModel;
  close(): Promise<void>;
}

export async function openTransformers(
  modelDir: string,
  threads: number,
  externalData: boolean,
): Promise<TransformersModel> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = path.dirname(path.resolve(modelDir)) + path.sep;
  const model = await AutoModelForCausalLM.from_pretrained(path.basename(modelDir), {
    dtype: 'fp32',
    device: 'cpu',
    use_external_data_format: externalData,
    // The same session options the engine's workers use.
    session_options: sessionOptions(threads),
  });
  return {
    model,
    close: async () => {
      await model.dispose();
    },
  };
}

export async function timeTransformersSequence(
  m: TransformersModel,
  promptIds: number[],
  tokens: number,
): Promise<SequenceTiming> {
  const ids = new Tensor(
    'int64',
    BigInt64Array.from(promptIds, (v) => BigInt(v)),
    [1, promptIds.length],
  );
  const mask = new Tensor('int64', new BigInt64Array(promptIds.length).fill(1n), [1, promptIds.length]);
  const streamer = new TimingStreamer();
  const startMs = performance.now();
  const out = (await m.model.generate({
    input_ids: ids,
    attention_mask: mask,
    max_new_tokens: tokens,
    min_new_tokens: tokens,
    do_sample: false,
    // generate() only calls put() and end(); its type names TextStreamer, which needs a tokenizer we do not use.
    streamer: streamer as unknown as TextStreamer,
  })) as Tensor;
  const generated = out.dims[1] - promptIds.length;
  if (generated !== tokens) throw new Error(`transformers.js produced ${generated} tokens, expected ${tokens}`);
  return { startMs, firstTokenMs: streamer.firstTokenMs, lastTokenMs: streamer.lastTokenMs, tokens: generated };
}

/** Independent concurrent generate() calls on one model, as a Node server would make them. */
export function runTransformers(
  m: TransformersModel,
  prompts: number[][],
  concurrency: number,
  tokens: number,
): Promise<SequenceTiming[]> {
  return Promise.all(
    Array.from({ length: concurrency }, (_, i) => timeTransformersSequence(m, prompts[i % prompts.length], tokens)),
  );
}
