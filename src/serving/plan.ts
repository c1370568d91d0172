// A validated request ready to run: one GenerationRequest per choice plus what the
// response builders need to know. Both endpoints produce this shape.
import { randomBytes } from 'node:crypto';
import type { GenerationRequest } from '../engine/types.js';
import type { ResolvedParams } from './resolve-params.js';
import { resolveStop, sequenceRequest } from './resolve-params.js';
import type { ServingContext } from './context.js';

export interface GenerationPlan {
  kind: 'chat' | 'completion' | 'response';
  /** chatcmpl-… / cmpl-… / resp_… */
  id: string;
  created: number;
  model: string;
  params: ResolvedParams;
  prompts: number[][];
  /** Completions given a batch of prompts report prompt_token_ids as one list per prompt. */
  batched: boolean;
  /** Index = choice index; prompt p, sample i sits at p * n + i as in OpenAI's API. */
  sequences: GenerationRequest[];
  /** Prompt text for logging (only called when log_prompts is on: token-id prompts are decoded then). */
  promptText: () => string[];
  /** `echo`: per prompt, the text each of its choices starts with; null without echo. */
  echo: string[] | null;
}

// Random bytes for ids are drawn 256 ids at a time: one randomBytes call per request
// was a visible share of the main thread's per-request work.
let idBytes = Buffer.alloc(0);
let idOffset = 0;

const idPrefix = { chat: 'chatcmpl-', completion: 'cmpl-', response: 'resp_' } as const;

export function newResponseId(kind: GenerationPlan['kind']): string {
  if (idOffset + 12 > idBytes.length) {
    idBytes = randomBytes(12 * 256);
    idOffset = 0;
  }
  const hex = idBytes.toString('hex', idOffset, idOffset + 12);
  idOffset += 12;
  return `${idPrefix[kind]}${hex}`;
}

export function buildPlan(
  kind: GenerationPlan['kind'],
  prompts: number[][],
  promptText: () => string[],
  batched: boolean,
  params: ResolvedParams,
  promptParam: string,
  ctx: ServingContext,
  echo: string[] | null = null,
): GenerationPlan {
  const id = newResponseId(kind);
  const sequences: GenerationRequest[] = [];
  prompts.forEach((ids, p) => {
    const stop = resolveStop(params, ids.length, promptParam, ctx);
    for (let i = 0; i < params.n; i++) {
      const index = p * params.n + i;
      sequences.push(sequenceRequest(`${id}-${index}`, ids, params, stop, i));
    }
  });
  const created = Math.floor(Date.now() / 1000);
  return { kind, id, created, model: ctx.model.id, params, prompts, batched, sequences, promptText, echo };
}
