// Tool calls and JSON answers as the page shows them: streamed `delta.tool_calls`
// fragments reassembled per index (id, type and name first, then `arguments` pieces,
// as OpenAI sends them), and JSON pretty-printed for reading.
import type { ToolCallDelta } from './wire-types.js';

export interface ToolCallView {
  id: string;
  name: string;
  /** The arguments as sent (JSON text). */
  arguments: string;
}

export class ToolCallAccumulator {
  readonly calls: ToolCallView[] = [];

  /** Adds one chunk's fragments. */
  apply(deltas: ToolCallDelta[]): void {
    for (const d of deltas) {
      if (!this.calls[d.index]) this.calls[d.index] = { id: '', name: '', arguments: '' };
      const call = this.calls[d.index];
      if (d.id) call.id = d.id;
      if (d.function?.name) call.name += d.function.name;
      if (d.function?.arguments) call.arguments += d.function.arguments;
    }
  }
}

/** JSON text of an object or a list, indented; null for anything else. */
export function prettyJson(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return value !== null && typeof value === 'object' ? JSON.stringify(value, null, 2) : null;
}

/** A call's arguments for reading: indented JSON, or the text as it came when it is not JSON. */
export const prettyArguments = (args: string): string => prettyJson(args) ?? args;
