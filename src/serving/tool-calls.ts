// A choice's text → OpenAI's tool calls (non-streamed message and streamed deltas).
import { randomBytes } from 'node:crypto';
import type { ResponseToolCall, ToolCallDelta } from '../protocol/tools.js';
import type { ToolFormat } from '../tools/formats.js';

export interface ChoiceToolCalls {
  /** The text outside the calls (null when there is none). */
  content: string | null;
  calls: ResponseToolCall[];
}

const callId = () => `call_${randomBytes(12).toString('hex')}`;

/** Parses a finished choice; a choice cut by max_tokens keeps its text (its call may be incomplete). */
export function toolCallsOf(format: ToolFormat, text: string, finish: string): ChoiceToolCalls | null {
  if (finish !== 'stop') return null;
  const parsed = format.parse(text);
  return {
    content: parsed.content,
    calls: parsed.calls.map((c) => ({
      id: callId(),
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    })),
  };
}

/** OpenAI's stream order per call: index, id, type and name with empty arguments, then the arguments. */
export function toolCallDeltas(calls: ResponseToolCall[]): ToolCallDelta[] {
  return calls.flatMap((c, index) => [
    { index, id: c.id, type: 'function' as const, function: { name: c.function.name, arguments: '' } },
    { index, function: { arguments: c.function.arguments } },
  ]);
}
