// Engine results → OpenAI text_completion objects and stream chunks.
import type { TokenEvent } from '../engine/types.js';
import type { Usage } from '../protocol/common.js';
import type { Completion, CompletionChunk, CompletionLogprobs } from '../protocol/completions.js';
import type { ChoiceState, Delta } from './choice-state.js';
import { traceEntry } from './choice-state.js';
import type { ServingContext } from './context.js';
import type { TokenRenderer } from './logprobs.js';
import type { GenerationPlan } from './plan.js';
import { echoLogprobs, promptEntries, vllmPromptLogprobs } from './prompt-logprobs.js';
import { choiceTail, echoOf, promptTokenIds, usageOf } from './usage.js';

/** Legacy completions have no reasoning field: reasoning text stays in `text`. */
const fullText = (c: { content: string; reasoning: string }) => c.reasoning + c.content;

/**
 * With echo and logprobs, the prompt tokens' legacy logprobs (carried by the choice's first token) before `generated`.
 */
function withPromptLogprobs(
  plan: GenerationPlan,
  index: number,
  tokens: readonly TokenEvent[],
  generated: CompletionLogprobs,
  renderer: TokenRenderer,
): CompletionLogprobs {
  if (plan.echo === null) return generated;
  const p = plan.params;
  const prompt = echoLogprobs(
    promptEntries(tokens) ?? [],
    plan.prompts[Math.floor(index / p.n)],
    echoOf(plan, index),
    p.sampling.topLogprobs,
    renderer,
  );
  return {
    tokens: [...prompt.tokens, ...generated.tokens],
    token_logprobs: [...prompt.token_logprobs, ...generated.token_logprobs],
    top_logprobs: [...prompt.top_logprobs, ...generated.top_logprobs],
    text_offset: [...prompt.text_offset, ...generated.text_offset],
  };
}

/** vLLM's per-choice prompt_logprobs, when asked for and carried by these tokens. */
function vllmField(plan: GenerationPlan, tokens: readonly TokenEvent[], renderer: TokenRenderer) {
  const k = plan.params.promptLogprobs;
  const entries = k === null ? undefined : promptEntries(tokens);
  return entries ? { prompt_logprobs: vllmPromptLogprobs(entries, k!, renderer) } : {};
}

export function completion(
  plan: GenerationPlan,
  choices: ChoiceState[],
  ctx: ServingContext,
  renderer: TokenRenderer,
): Completion {
  const p = plan.params;
  const out: Completion = {
    id: plan.id,
    object: 'text_completion',
    created: plan.created,
    model: plan.model,
    system_fingerprint: ctx.fingerprint,
    choices: choices.map((c) => {
      const echoed = echoOf(plan, c.index);
      return {
        index: c.index,
        text: echoed + fullText(c),
        logprobs: p.sampling.logprobs
          ? withPromptLogprobs(plan, c.index, c.tokens, renderer.completion(c.tokens, echoed.length), renderer)
          : null,
        ...vllmField(plan, c.tokens, renderer),
        ...choiceTail(plan, c),
      };
    }),
    usage: usageOf(plan, choices),
  };
  if (p.returnTokenIds) out.prompt_token_ids = promptTokenIds(plan);
  return out;
}

export class CompletionChunks {
  private first = true;
  /** Text emitted so far per choice, for legacy logprobs' text_offset; set once a choice has started. */
  private readonly offsets = new Map<number, number>();
  constructor(
    private readonly plan: GenerationPlan,
    private readonly ctx: ServingContext,
    private readonly renderer: TokenRenderer,
  ) {}

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

  /**
   * With echo, a choice's first chunk: the prompt text, before any generated text. With
   * logprobs the prompt's logprobs come with the choice's first token, so the prompt
   * then opens the choice's first generated chunk instead (null here).
   */
  opening(index: number): CompletionChunk | null {
    const text = echoOf(this.plan, index);
    if (this.plan.echo === null || this.plan.params.sampling.logprobs) return null;
    this.offsets.set(index, text.length);
    const p = this.plan.params;
    return this.chunk([
      {
        index,
        text,
        logprobs: null,
        finish_reason: null,
        ...(p.returnTokenIds ? { token_ids: [] } : {}),
        ...(p.selar.trace ? { selar_trace: [] } : {}),
      },
    ]);
  }

  delta(d: Delta): CompletionChunk {
    const p = this.plan.params;
    const starting = !this.offsets.has(d.index);
    const echoed = starting ? echoOf(this.plan, d.index) : '';
    if (starting) this.offsets.set(d.index, echoed.length);
    const generated = p.sampling.logprobs ? this.logprobs(d) : null;
    return this.chunk([
      {
        index: d.index,
        text: echoed + fullText(d),
        logprobs:
          generated && starting
            ? withPromptLogprobs(this.plan, d.index, d.tokens, generated, this.renderer)
            : generated,
        ...vllmField(this.plan, d.tokens, this.renderer),
        finish_reason: d.finish?.reason ?? null,
        ...(p.returnTokenIds ? { token_ids: d.tokens.map((t) => t.id) } : {}),
        ...(p.selar.trace ? { selar_trace: d.tokens.map(traceEntry) } : {}),
      },
    ]);
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
