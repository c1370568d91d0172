// Messages between a decode worker and its grammar thread (src/grammar/host.ts).
import type { GrammarSpec } from './spec.js';

export interface HostInit {
  /** The model's tokenizer.json, parsed: XGrammar's tokenizer info is built from it once. */
  tokenizerJson: object;
  vocabSize: number;
  cacheSize?: number;
}

export type ToHost =
  /**
   * Compiles (or takes from the cache) and opens matcher `matcher`, replaying `tokens`; replies with its mask.
   * `limitMs` (0: none): a compile that took longer is refused (`timedOut`) and not cached.
   */
  | {
      op: 'open';
      seq: number;
      matcher: number;
      spec: GrammarSpec;
      stopIds: number[];
      tokens: number[];
      limitMs: number;
    }
  /** Accepts `token`; `mask`: reply with the next step's mask too. */
  | { op: 'accept'; seq: number; matcher: number; token: number; mask: boolean }
  | { op: 'close'; matcher: number };

export type FromHost =
  | { type: 'ready' }
  /** A compile that missed the cache begins now (the time limit counts from here). */
  | { type: 'compiling'; seq: number }
  | { type: 'done'; seq: number; ok: boolean; mask: Int32Array | null; error?: string; timedOut?: boolean };
