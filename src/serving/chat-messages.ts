// OpenAI chat messages → the messages Hugging Face chat templates expect, as vLLM and
// transformers hand them over: content always a string (text parts joined with
// newlines, null as ''), tool calls with `function.arguments` parsed to an object
// (Llama 3.x and Mistral templates print it with `tojson`), results in the `tool`
// role, the turn's reasoning in `reasoning_content` (Qwen3, DeepSeek-R1 templates).
import type { TemplateMessage } from '../model/tokenizer.js';
import type { ChatMessage, ToolCall } from '../protocol/messages.js';

type Part = { type: 'text'; text: string } | { type: 'refusal'; refusal: string };

function joinText(content: string | null | undefined | Part[]): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' ? p.text : p.refusal)).join('\n');
}

/** Arguments as an object when they are JSON text for one; otherwise the text as sent (models emit broken JSON). */
function parseArguments(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? value : text;
  } catch {
    return text;
  }
}

function templateToolCall(id: string, name: string, args: string) {
  return { id, type: 'function', function: { name, arguments: parseArguments(args) } };
}

/**
 * A legacy function call has no id; the `function` message that answers it gets the same
 * one. Nine alphanumerics, because Mistral's templates insist on that shape.
 */
const functionCallId = (index: number) => `fc${String(index).padStart(7, '0')}`;

export function toTemplateMessages(messages: readonly ChatMessage[]): TemplateMessage[] {
  const lastFunctionCall = new Map<string, string>();
  // biome-ignore lint/suspicious/useIterableCallbackReturn: the switch covers every role; tsc checks it is exhaustive
  return messages.map((m, i): TemplateMessage => {
    switch (m.role) {
      case 'system':
      case 'developer':
      case 'user': {
        const out: TemplateMessage = { role: m.role === 'developer' ? 'system' : m.role, content: joinText(m.content) };
        if (m.name !== undefined) out.name = m.name;
        return out;
      }
      case 'assistant': {
        let content = joinText(m.content);
        if (content === '' && m.refusal != null) content = m.refusal;
        const out: TemplateMessage = { role: 'assistant', content };
        if (m.name !== undefined) out.name = m.name;
        const reasoning = m.reasoning_content ?? m.reasoning;
        if (reasoning != null) out.reasoning_content = reasoning;
        const calls = (m.tool_calls ?? []).map((c: ToolCall) =>
          templateToolCall(c.id, c.function.name, c.function.arguments),
        );
        if (m.function_call != null) {
          const id = functionCallId(i);
          lastFunctionCall.set(m.function_call.name, id);
          calls.push(templateToolCall(id, m.function_call.name, m.function_call.arguments));
        }
        if (calls.length > 0) out.tool_calls = calls;
        return out;
      }
      case 'tool': {
        const out: TemplateMessage = { role: 'tool', content: joinText(m.content), tool_call_id: m.tool_call_id };
        if (m.name !== undefined) out.name = m.name;
        return out;
      }
      case 'function':
        return {
          role: 'tool',
          content: m.content ?? '',
          name: m.name,
          tool_call_id: lastFunctionCall.get(m.name) ?? functionCallId(i),
        };
    }
  });
}

/** The text a final assistant message holds, which continue_final_message continues and echo repeats. */
export function finalMessageText(messages: readonly ChatMessage[]): string | null {
  const last = messages[messages.length - 1];
  return last.role === 'assistant' ? joinText(last.content) : null;
}
