// One choice's streamed text when tools are on: free text goes out as it is generated,
// holding back only what could still turn into a call (a partial trigger such as
// `<tool_c`) and whitespace the finished message would trim. Once the trigger is there,
// the rest is a call and waits for the end; then the content not yet sent and the
// calls come from the same parse as the non-streamed message, so both agree.
import type { ResponseToolCall } from '../protocol/tools.js';
import type { ToolFormat } from '../tools/formats.js';
import { toolCallsOf } from './tool-calls.js';

/** How a chunk of a JSON string's escapes decode (`\u` is handled apart). */
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
/** The generic format's free answer, in the compact JSON the grammar writes. */
const GENERIC_ANSWER = '{"response": "';

/** The longest suffix of `text` that is a proper beginning of `trigger`. */
function partialTriggerAt(text: string, trigger: string): number {
  for (let n = Math.min(trigger.length - 1, text.length); n > 0; n--) {
    if (trigger.startsWith(text.slice(text.length - n))) return text.length - n;
  }
  return text.length;
}

/** The generic envelope's `response` string decoded as far as it is complete; '' for any other answer. */
export function genericAnswerSoFar(text: string): string {
  if (!text.startsWith(GENERIC_ANSWER)) return '';
  let out = '';
  for (let i = GENERIC_ANSWER.length; i < text.length; i++) {
    const c = text[i];
    if (c === '"') break;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = text[i + 1];
    if (e === undefined) break;
    if (e === 'u') {
      const hex = text.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) break;
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 5;
      continue;
    }
    out += ESCAPES[e] ?? e;
    i++;
  }
  // A high surrogate waits for its pair, so no chunk carries half a character.
  return /[\ud800-\udbff]$/.test(out) ? out.slice(0, -1) : out;
}

export interface StreamedCalls {
  /** Content not sent yet ('' when none). */
  content: string;
  calls: ResponseToolCall[];
}

export class ToolTextStream {
  private text = '';
  private sent = '';
  /** Where the trigger starts once it has been generated. */
  private triggerAt = -1;

  constructor(private readonly format: ToolFormat) {}

  /** Adds generated content; returns the content that can go out now ('' when all of it waits). */
  push(content: string): string {
    if (content === '') return '';
    const searched = this.text.length;
    this.text += content;
    const ready = this.releasable(searched);
    if (!ready.startsWith(this.sent) || ready.length === this.sent.length) return '';
    const out = ready.slice(this.sent.length);
    this.sent = ready;
    return out;
  }

  /** At the end: the rest of the content and the calls, as the non-streamed message has them. */
  finish(reason: string): StreamedCalls {
    const parsed = toolCallsOf(this.format, this.text, reason);
    const content = parsed ? (parsed.content ?? '') : this.text;
    const from = content.startsWith(this.sent) ? content : content.trimStart();
    const rest = from.startsWith(this.sent) ? from.slice(this.sent.length) : '';
    this.sent += rest;
    return { content: rest, calls: parsed?.calls ?? [] };
  }

  /** The longest text that is surely the start of the finished content. */
  private releasable(searched: number): string {
    const trigger = this.format.trigger;
    if (trigger === null) return genericAnswerSoFar(this.text);
    if (this.triggerAt < 0) {
      // A trigger not found before can only end in the new text.
      const from = Math.max(0, searched - trigger.length + 1);
      const at = this.text.indexOf(trigger, from);
      if (at >= 0) this.triggerAt = at;
    }
    const end = this.triggerAt >= 0 ? this.triggerAt : partialTriggerAt(this.text, trigger);
    return this.text.slice(0, end).trim();
  }
}
