// What the serving layer needs from the outside world, gathered once per app.
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import type { Engine, ModelInfo } from '../engine/types.js';
import type { TextTokenizer } from '../model/tokenizer.js';

export interface ServingContext {
  readonly config: Config;
  readonly engine: Engine;
  readonly model: ModelInfo;
  readonly tokenizer: TextTokenizer;
  /** Identifies model + server build, like OpenAI's system_fingerprint. */
  readonly fingerprint: string;
  /** Token ids accepted in prompts and logit_bias: inside both the tokenizer's and the model's vocabulary. */
  readonly vocabLimit: number;
}

export const SERVER_VERSION = '0.1.0';

export function servingContext(config: Config, engine: Engine, tokenizer: TextTokenizer): ServingContext {
  const model = engine.model;
  const hash = createHash('sha256')
    .update(`${SERVER_VERSION}\0${model.id}\0${model.vocabSize}\0${model.contextLength}`)
    .digest('hex');
  return {
    config,
    engine,
    model,
    tokenizer,
    fingerprint: `fp_selar_${hash.slice(0, 10)}`,
    vocabLimit: Math.min(model.vocabSize, tokenizer.vocabSize),
  };
}
