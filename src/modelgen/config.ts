// config.json and generation_config.json of a generated model: the fields
// transformers' LlamaConfig has and that engines read to size the KV cache.
import path from 'node:path';
import type { ModelDtype } from './decoder-io.js';
import { writeJson } from './layout.js';
import type { TokenizerSpec } from './tokenizer.js';

export interface LlamaConfig {
  architectures: string[];
  model_type: 'llama';
  hidden_size: number;
  intermediate_size: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  num_hidden_layers: number;
  head_dim: number;
  vocab_size: number;
  max_position_embeddings: number;
  rms_norm_eps: number;
  rope_theta: number;
  tie_word_embeddings: boolean;
  eos_token_id: number;
  bos_token_id: number;
  pad_token_id: number;
  hidden_act: 'silu';
  torch_dtype: ModelDtype;
  use_cache: true;
}

export type ConfigSizes = Pick<
  LlamaConfig,
  | 'hidden_size'
  | 'intermediate_size'
  | 'num_attention_heads'
  | 'num_key_value_heads'
  | 'num_hidden_layers'
  | 'vocab_size'
  | 'max_position_embeddings'
  | 'rms_norm_eps'
  | 'rope_theta'
  | 'tie_word_embeddings'
  | 'torch_dtype'
>;

export function writeConfigs(
  dir: string,
  sizes: ConfigSizes,
  tokenizer: TokenizerSpec,
  architecture = 'LlamaForCausalLM',
): LlamaConfig {
  const config: LlamaConfig = {
    architectures: [architecture],
    model_type: 'llama',
    ...sizes,
    head_dim: sizes.hidden_size / sizes.num_attention_heads,
    eos_token_id: tokenizer.eosTokenId,
    bos_token_id: tokenizer.bosTokenId,
    pad_token_id: tokenizer.padTokenId,
    hidden_act: 'silu',
    use_cache: true,
  };
  writeJson(path.join(dir, 'config.json'), config);
  writeJson(path.join(dir, 'generation_config.json'), {
    bos_token_id: tokenizer.bosTokenId,
    eos_token_id: [tokenizer.eosTokenId, tokenizer.specialIds['<|endoftext|>']],
    pad_token_id: tokenizer.padTokenId,
  });
  return config;
}
