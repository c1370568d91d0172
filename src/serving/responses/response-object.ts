// The `response` object: what the request asked for (echoed as OpenAI does), the
// output items so far, status and usage.
import type { OutputItem, ResponseObject, ResponseUsage } from '../../protocol/responses.js';
import type { ChoiceState } from '../choice-state.js';
import { usageOf } from '../usage.js';
import type { ResponsesPlan } from './plan.js';
import { echoedTools } from './tools.js';

export type Status = ResponseObject['status'];

export function responseUsage(plan: ResponsesPlan, states: ChoiceState[]): ResponseUsage {
  const u = usageOf(plan, states);
  const d = u.completion_tokens_details;
  return {
    input_tokens: u.prompt_tokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: u.completion_tokens,
    output_tokens_details: {
      reasoning_tokens: d.reasoning_tokens,
      soft_tokens: d.soft_tokens,
      ...(d.hot_tokens === undefined ? {} : { hot_tokens: d.hot_tokens }),
      ...(d.latent === undefined ? {} : { latent: d.latent }),
    },
    total_tokens: u.total_tokens,
  };
}

export interface ResponseState {
  status: Status;
  output: OutputItem[];
  states: ChoiceState[];
  error?: ResponseObject['error'];
}

export function responseObject(
  plan: ResponsesPlan,
  { status, output, states, error = null }: ResponseState,
): ResponseObject {
  const r = plan.request;
  const p = plan.params;
  const done = status !== 'in_progress';
  const incomplete = status === 'incomplete';
  return {
    id: plan.id,
    object: 'response',
    created_at: plan.created,
    completed_at: status === 'completed' ? Math.floor(Date.now() / 1000) : null,
    status,
    error,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    model: plan.model,
    instructions: r.instructions ?? null,
    previous_response_id: r.previous_response_id ?? null,
    output: structuredClone(output),
    usage: done ? responseUsage(plan, states) : null,
    max_output_tokens: r.max_output_tokens ?? null,
    temperature: p.sampling.temperature,
    top_p: p.sampling.topP,
    top_logprobs: r.top_logprobs ?? 0,
    reasoning: {
      effort: r.reasoning?.effort ?? null,
      summary: r.reasoning?.summary ?? r.reasoning?.generate_summary ?? null,
    },
    text: { format: r.text?.format ?? { type: 'text' }, verbosity: r.text?.verbosity ?? 'medium' },
    ...echoedTools(r),
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    truncation: r.truncation ?? 'disabled',
    store: plan.store,
    background: false,
    metadata: r.metadata ?? {},
    user: r.user ?? null,
    service_tier: 'default',
    ...(p.selar.trace && done ? { selar_trace: states[0].trace } : {}),
  };
}
