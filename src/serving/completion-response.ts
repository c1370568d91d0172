// Engine results → OpenAI text_completion objects and stream chunks.
import type { Usage } from '../protocol/common.js';
import type { TokenEvent } from '../engine/types.js';
import type { Completion, CompletionChunk, CompletionLogprobs } from '../protocol/completions.js';
import type { ChoiceState, Delta } from './choice-state.js';
import { traceEntry } from './choice-state.js';
import type { ServingContext } from './context.js';
import type { TokenRenderer } from './logprobs.js';
import type { GenerationPlan } from './plan.js';
import { echoLogprobs, promptEntries, vllmPromptLogprobs } from './prompt-logprobs.js';
import { choiceTail, promptTokenIds, usageOf } from './usage.js';

/** Legacy completions have no reasoning field: reasoning text stays in `text`. */
const fullText = (c: { content: string; reasoning: string }) => c.reasoning + c.content;

/**
 * What a choice starts with: with echo, its prompt's text and (with logprobs) the prompt
 * tokens' legacy logprobs; with prompt_logprobs, vLLM's per-choice field.
 */
class PromptParts {
  private texts: string[] | null = null;
  constructor(private readonly plan: GenerationPlan, private readonly renderer: TokenRenderer) {}

  /** The echoed prompt text of choice `index` ('' without echo). */
  text(index: number): string {
    if (!this.plan.params.echo) return '';
    this.texts ??= this.plan.promptText();
    return this.texts[Math.floor(index / this.plan.params.n)];
  }

  /** Legacy logprobs of the echoed prompt followed by `generated` (null without echo). */
  logprobs(index: number, tokens: readonly TokenEvent[], generated: CompletionLogprobs): CompletionLogprobs {
    const p = this.plan.params;
    if (!p.echo) return generated;
    const ids = this.plan.prompts[Math.floor(index / p.n)];
    const prompt = echoLogprobs(promptEntries(tokens) ?? [], ids, p.sampling.topLogprobs, this.renderer);
    return {
      tokens: [...prompt.tokens, ...generated.tokens],
      token_logprobs: [...prompt.token_logprobs, ...generated.token_logprobs],
      top_logprobs: [...prompt.top_logprobs, ...generated.top_logprobs],
      text_offset: [...prompt.text_offset, ...generated.text_offset],
    };
  }

  /** vLLM's prompt_logprobs field, when asked for and carried by these tokens. */
  vllm(tokens: readonly TokenEvent[]): { prompt_logprobs?: ReturnType<typeof vllmPromptLogprobs> } {
    const k = this.plan.params.promptLogprobs;
    const entries = k === null ? undefined : promptEntries(tokens);
    return entries ? { prompt_logprobs: vllmPromptLogprobs(entries, k!, this.renderer) } : {};
  }
}

export function completion(plan: GenerationPlan, choices: ChoiceState[], ctx: ServingContext, renderer: TokenRenderer): Completion {
  const p = plan.params;
  const prompt = new PromptParts(plan, renderer);
  const out: Completion = {
    id: plan.id,
    object: 'text_completion',
    created: plan.created,
    model: plan.model,
    system_fingerprint: ctx.fingerprint,
    choices: choices.map((c) => {
      const echoed = prompt.text(c.index);
      return {
        index: c.index,
        text: echoed + fullText(c),
        logprobs: p.sampling.logprobs ? prompt.logprobs(c.index, c.tokens, renderer.completion(c.tokens, echoed.length)) : null,
        ...prompt.vllm(c.tokens),
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
  private readonly prompt: PromptParts;
  constructor(private readonly plan: GenerationPlan, private readonly ctx: ServingContext, private readonly renderer: TokenRenderer) {
    this.prompt = new PromptParts(plan, renderer);
  }

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

  delta(d: Delta): CompletionChunk {
    const p = this.plan.params;
    // A choice's first chunk carries its echoed prompt.
    const starting = !this.offsets.has(d.index);
    const echoed = starting ? this.prompt.text(d.index) : '';
    if (starting) this.offsets.set(d.index, echoed.length);
    const generated = p.sampling.logprobs ? this.logprobs(d) : null;
    return this.chunk([{
      index: d.index,
      text: echoed + fullText(d),
      logprobs: generated && starting ? this.prompt.logprobs(d.index, d.tokens, generated) : generated,
      ...(starting ? this.prompt.vllm(d.tokens) : {}),
      finish_reason: d.finish?.reason ?? null,
      ...(p.returnTokenIds ? { token_ids: d.tokens.map((t) => t.id) } : {}),
      ...(p.selar.trace ? { selar_trace: d.tokens.map(traceEntry) } : {}),
    }]);
  }

  /** Legacy logprobs of a delta; text_offset continues from the choice's earlier chunks. */
  private logprobs(d: Delta): ReturnType<TokenRenderer['completion']> {
    const offset = this.offsets.get(d.index) ?? 0;
    this.offsets.set(d.index, offset + d.tokens.reduce((s, t) => s + this.renderer.render(t.id).text.length, 0));
    return this.renderer.completion(d.tokens, offset);
  }

  usage(choices: ChoiceState[]): CompletionChunk & { usage: Usage } {
    return { ...this.chunk([]), usage: usageOf(this.plan, choices) };
  }
}
