// The one place where Responses API items become chat messages (the chat template's
// input). Tool calls and structured outputs extend this mapping, nowhere else.
//
//   instructions                  → a system message, first
//   message (any role)            → that message; text parts joined with newlines
//   reasoning                     → reasoning_content of the assistant turn that follows
//   function_call (consecutive)   → one assistant message with tool_calls
//   function_call_output          → a tool message with tool_call_id
import { SelarError } from '../../errors.js';
import type { ChatMessage, ToolCall } from '../../protocol/messages.js';
import type { ContentPart } from '../../protocol/responses.js';
import type { ConversationItem } from './items.js';

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

/** Items with the request parameter each came from, for error messages. */
export interface PlacedItem {
  item: ConversationItem;
  param: string;
}

function partText(part: ContentPart, param: string): string {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return part.text;
    case 'refusal':
      return part.refusal;
    default:
      throw new SelarError(
        'invalid_request',
        `Invalid value for '${param}': this server serves a text-only model; ` +
          `only text content is accepted (got "${part.type}")`,
        param,
      );
  }
}

/** `param` names the list (`input[2].content`); a bad part is named with its index. */
function contentText(content: string | ContentPart[], param: string): string {
  if (typeof content === 'string') return content;
  return content.map((p, j) => partText(p, `${param}[${j}]`)).join('\n');
}

/** Chat messages in OpenAI's Chat Completions shape, rendered by the chat path (chat-messages.ts). */
export function toMessages(instructions: string | null, items: PlacedItem[]): ChatMessage[] {
  const out: ChatMessage[] = instructions == null ? [] : [{ role: 'system', content: instructions }];
  let reasoning: string[] = [];
  /** The assistant message that function calls are being gathered into, if the last item was one. */
  let calls: AssistantMessage | null = null;
  /** Function names by call id: a tool message names the function it answers (some templates print it). */
  const names = new Map<string, string>();
  const takeReasoning = () => {
    const text = reasoning.join('\n');
    reasoning = [];
    return text === '' ? {} : { reasoning_content: text };
  };
  for (const { item, param } of items) {
    if (item.type !== 'function_call') calls = null;
    switch (item.type) {
      case 'reasoning': {
        if (item.encrypted_content != null) {
          throw new SelarError(
            'invalid_request',
            'encrypted reasoning is not produced or read by this server',
            `${param}.encrypted_content`,
          );
        }
        const parts = item.content && item.content.length > 0 ? item.content : item.summary;
        const text = parts.map((p) => p.text).join('\n');
        if (text !== '') reasoning.push(text);
        break;
      }
      case 'function_call': {
        const call: ToolCall = {
          id: item.call_id,
          type: 'function',
          function: { name: item.name, arguments: item.arguments },
        };
        names.set(item.call_id, item.name);
        if (calls) calls.tool_calls!.push(call);
        else {
          calls = { role: 'assistant', content: null, ...takeReasoning(), tool_calls: [call] };
          out.push(calls);
        }
        break;
      }
      case 'function_call_output': {
        const content = typeof item.output === 'string' ? item.output : contentText(item.output, `${param}.output`);
        reasoning = [];
        const name = names.get(item.call_id);
        out.push({ role: 'tool', content, tool_call_id: item.call_id, ...(name === undefined ? {} : { name }) });
        break;
      }
      default: {
        const content = contentText(item.content, `${param}.content`);
        if (item.role === 'assistant') out.push({ role: 'assistant', content, ...takeReasoning() });
        else {
          // Reasoning belongs to the assistant turn right after it; a user turn in between ends it.
          reasoning = [];
          out.push({ role: item.role, content });
        }
      }
    }
  }
  return out;
}
