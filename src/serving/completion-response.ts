// Engine results → OpenAI text_completion objects and stream chunks.
import type { Usage } from '../protocol/common.js';
import type { Completion, CompletionChunk } from '../protocol/completions.js';
import type { ChoiceState, Delta } from './choice-state.js';
import { traceEntry } from './choice-state.js';
import type { ServingContext } from './context.js';
import type { TokenRenderer } from './logprobs.js';
import type { GenerationPlan } from './plan.js';
import { choiceTail, echoOf, promptTokenIds, usageOf } from './usage.js';

/** Legacy completions have no reasoning field: reasoning text stays in `text`. */
const fullText = (c: { content: string; reasoning: string }) => c.reasoning + c.content;

export function completion(plan: GenerationPlan, choices: ChoiceState[], ctx: ServingContext, renderer: TokenRenderer): Completion {
  const p = plan.params;
  const out: Completion = {
    id: plan.id,
    object: 'text_completion',
    created: plan.created,
    model: plan.model,
    system_fingerprint: ctx.fingerprint,
    choices: choices.map((c) => ({
      index: c.index,
      text: echoOf(plan, c.index) + fullText(c),
      logprobs: p.sampling.logprobs ? renderer.completion(c.tokens, echoOf(plan, c.index).length) : null,
      ...choiceTail(plan, c),
    })),
    usage: usageOf(plan, choices),
  };
  if (p.returnTokenIds) out.prompt_token_ids = promptTokenIds(plan);
  return out;
}

export class CompletionChunks {
  private first = true;
  /** Text emitted so far per choice, for legacy logprobs' text_offset. */
  private readonly offsets = new Map<number, number>();
  constructor(private readonly plan: GenerationPlan, private readonly ctx: ServingContext, private readonly renderer: TokenRenderer) {}

  private chunk(choices: CompletionChunk['choices']): CompletionChunk {
    const out: CompletionChunk = {
      id: this.plan.id,
      object: 'text_completion',
      created: this.plan.created,
      model: this.plan.model,
      system_fingerprint: this.ctx.fingerprint,
      choices,
    };
    if (this.plan.params.includeUsage) out.usage = null;
    if (this.first && this.plan.params.returnTokenIds) out.prompt_token_ids = promptTokenIds(this.plan);
    this.first = false;
    return out;
  }

  /** With echo, a choice's first chunk: the prompt text, before any generated text. */
  opening(index: number): CompletionChunk | null {
    const text = echoOf(this.plan, index);
    if (this.plan.echo === null) return null;
    this.offsets.set(index, text.length);
    const p = this.plan.params;
    return this.chunk([{
      index,
      text,
      logprobs: null,
      finish_reason: null,
      ...(p.returnTokenIds ? { token_ids: [] } : {}),
      ...(p.selar.trace ? { selar_trace: [] } : {}),
    }]);
  }

  delta(d: Delta): CompletionChunk {
    const p = this.plan.params;
    const text = fullText(d);
    return this.chunk([{
      index: d.index,
      text,
      logprobs: p.sampling.logprobs ? this.logprobs(d) : null,
      finish_reason: d.finish?.reason ?? null,
      ...(p.returnTokenIds ? { token_ids: d.tokens.map((t) => t.id) } : {}),
      ...(p.selar.trace ? { selar_trace: d.tokens.map(traceEntry) } : {}),
    }]);
  }

  /** Legacy logprobs of a delta; text_offset continues from the choice's earlier chunks. */
  private logprobs(d: Delta): ReturnType<TokenRenderer['completion']> {
    const offset = this.offsets.get(d.index) ?? 0;
    this.offsets.set(d.index, offset + fullText(d).length);
    return this.renderer.completion(d.tokens, offset);
  }

  usage(choices: ChoiceState[]): CompletionChunk & { usage: Usage } {
    return { ...this.chunk([]), usage: usageOf(this.plan, choices) };
  }
}
