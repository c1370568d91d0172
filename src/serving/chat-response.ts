// Engine results → OpenAI chat.completion objects and chat.completion.chunk frames.
import type { ChatCompletion, ChatCompletionChunk } from '../protocol/chat.js';
import type { Usage } from '../protocol/common.js';
import type { ChoiceState, Delta } from './choice-state.js';
import { traceEntry } from './choice-state.js';
import type { ServingContext } from './context.js';
import type { TokenRenderer } from './logprobs.js';
import type { GenerationPlan } from './plan.js';
import { promptEntries, vllmPromptLogprobs } from './prompt-logprobs.js';
import { choiceTail, echoOf, promptTokenIds, usageOf } from './usage.js';
import { toolCallDeltas, toolCallsOf } from './tool-calls.js';
import { ToolTextStream } from './tool-stream.js';

export function chatCompletion(
  plan: GenerationPlan,
  choices: ChoiceState[],
  ctx: ServingContext,
  renderer: TokenRenderer,
): ChatCompletion {
  const p = plan.params;
  const hasReasoning = ctx.model.thinkTokenIds !== null;
  const out: ChatCompletion = {
    id: plan.id,
    object: 'chat.completion',
    created: plan.created,
    model: plan.model,
    system_fingerprint: ctx.fingerprint,
    choices: choices.map((c) => {
      const tools = plan.tools ? toolCallsOf(plan.tools, c.content, c.finish?.reason ?? 'length') : null;
      const called = tools !== null && tools.calls.length > 0;
      return {
        index: c.index,
        message: {
          role: 'assistant' as const,
          content: tools ? tools.content : echoOf(plan, c.index) + c.content,
          ...(hasReasoning ? { reasoning_content: c.reasoning === '' ? null : c.reasoning } : {}),
          refusal: null,
          ...(called ? { tool_calls: tools.calls } : {}),
        },
        logprobs: p.sampling.logprobs ? renderer.chat(c.tokens) : null,
        ...choiceTail(plan, c),
        ...(called ? { finish_reason: 'tool_calls' as const } : {}),
      };
    }),
    usage: usageOf(plan, choices),
  };
  if (p.returnTokenIds) out.prompt_token_ids = promptTokenIds(plan);
  const prompt = p.promptLogprobs !== null && choices.length > 0 ? promptEntries(choices[0].tokens) : undefined;
  if (prompt) out.prompt_logprobs = vllmPromptLogprobs(prompt, p.promptLogprobs!, renderer);
  return out;
}

/** Builds the chunks of one chat stream; every chunk shares id, created and model. */
export class ChatChunks {
  /** With tools: each choice's text so far, by choice index. */
  private readonly texts = new Map<number, ToolTextStream>();

  constructor(
    private readonly plan: GenerationPlan,
    private readonly ctx: ServingContext,
    private readonly renderer: TokenRenderer,
  ) {}

  private chunk(choices: ChatCompletionChunk['choices']): ChatCompletionChunk {
    const out: ChatCompletionChunk = {
      id: this.plan.id,
      object: 'chat.completion.chunk',
      created: this.plan.created,
      model: this.plan.model,
      system_fingerprint: this.ctx.fingerprint,
      choices,
    };
    // With include_usage, OpenAI sends usage: null on every chunk but the last.
    if (this.plan.params.includeUsage) out.usage = null;
    return out;
  }

  /** The first chunk of a choice: the role, before any generated text (with echo, the echoed text). */
  opening(index: number): ChatCompletionChunk {
    const p = this.plan.params;
    const out = this.chunk([
      {
        index,
        delta: { role: 'assistant', content: echoOf(this.plan, index) },
        logprobs: null,
        finish_reason: null,
        ...(p.returnTokenIds ? { token_ids: [] } : {}),
        ...(p.selar.trace ? { selar_trace: [] } : {}),
      },
    ]);
    if (p.returnTokenIds && index === 0) out.prompt_token_ids = promptTokenIds(this.plan);
    return out;
  }

  delta(d: Delta): ChatCompletionChunk {
    const p = this.plan.params;
    const delta: ChatCompletionChunk['choices'][number]['delta'] = {};
    if (d.reasoning !== '') delta.reasoning_content = d.reasoning;
    if (d.content !== '') delta.content = d.content;
    const out = this.chunk([
      {
        index: d.index,
        delta,
        logprobs: p.sampling.logprobs ? this.renderer.chat(d.tokens) : null,
        finish_reason: d.finish?.reason ?? null,
        ...(p.returnTokenIds ? { token_ids: d.tokens.map((t) => t.id) } : {}),
        ...(p.selar.trace ? { selar_trace: d.tokens.map(traceEntry) } : {}),
      },
    ]);
    // A choice's first token brings the prompt's logprobs: its first chunk carries them.
    const prompt = p.promptLogprobs !== null ? d.tokens.find((t) => t.promptLogprobs)?.promptLogprobs : undefined;
    if (prompt) out.prompt_logprobs = vllmPromptLogprobs(prompt, p.promptLogprobs!, this.renderer);
    return out;
  }

  /**
   * The frames of one delta. With tools, text goes out as it comes except what could
   * begin a call (ToolTextStream); at the end come the rest of the content and the
   * tool-call deltas in OpenAI's order.
   */
  frames(d: Delta): ChatCompletionChunk[] {
    if (!this.plan.tools) return [this.delta(d)];
    const p = this.plan.params;
    let text = this.texts.get(d.index);
    if (!text) {
      text = new ToolTextStream(this.plan.tools);
      this.texts.set(d.index, text);
    }
    const out: ChatCompletionChunk[] = [];
    const content = text.push(d.content);
    const carries =
      content !== '' ||
      d.reasoning !== '' ||
      (d.tokens.length > 0 && (p.returnTokenIds || p.selar.trace || p.sampling.logprobs));
    if (carries) out.push(this.delta({ ...d, content, finish: null }));
    if (!d.finish) return out;
    const end = text.finish(d.finish.reason);
    const last = { ...d, content: '', reasoning: '', tokens: [] };
    if (end.content !== '') out.push(this.delta({ ...last, content: end.content, finish: null }));
    for (const call of toolCallDeltas(end.calls))
      out.push(this.chunk([{ index: d.index, delta: { tool_calls: [call] }, logprobs: null, finish_reason: null }]));
    const finish = this.delta(last);
    if (end.calls.length > 0) finish.choices[0].finish_reason = 'tool_calls';
    out.push(finish);
    return out;
  }

  usage(choices: ChoiceState[]): ChatCompletionChunk & { usage: Usage } {
    return { ...this.chunk([]), usage: usageOf(this.plan, choices) };
  }
}
