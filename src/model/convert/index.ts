// Deriving an inputs_embeds decoder (for soft embeddings) from a user's input_ids
// decoder, plus access to its embedding rows. See derive.ts for the flow.
export type {
  DeriveOptions,
  DerivedDecoder,
  EmbeddingModelRef,
  EmbeddingTableRef,
  QuantizationInfo,
  QuantizeSpec,
} from './types.js';
export { deriveEmbedsDecoder } from './derive.js';
export { createSession } from './session.js';
export { readEmbeddingRows } from './embedding-rows.js';
export { CONVERTER_VERSION, defaultCacheRoot } from './cache.js';
