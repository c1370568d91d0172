// Builds a response's output items from the generation's deltas, and the stream
// events that describe each step. The non-streamed response is built by the same
// code (its events are dropped), so both carry the same items by construction.
// Thinking text opens a `reasoning` item, answer text a `message` item; switching
// closes the open one. With tools, answer text goes through ToolTextStream (what could
// begin a call waits), and the calls become `function_call` items at the end. A
// generation that ended outside the thinking section has a message item, empty if need
// be, unless it made calls.
import type { TokenEvent } from '../../engine/types.js';
import type { ChatTokenLogprob } from '../../protocol/chat.js';
import type { OutputFunctionCall, OutputItem, OutputMessage, OutputReasoning } from '../../protocol/responses.js';
import type { ResponseToolCall } from '../../protocol/tools.js';
import type { ToolFormat } from '../../tools/formats.js';
import { traceEntry, type ChoiceState, type Delta } from '../choice-state.js';
import type { TokenRenderer } from '../logprobs.js';
import { ToolTextStream } from '../tool-stream.js';
import { itemId } from './items.js';

/** A stream event before it gets its sequence_number. */
export type StreamEvent = { type: string } & Record<string, unknown>;

export interface OutputOptions {
  trace: boolean;
  logprobs: boolean;
  renderer: TokenRenderer;
  /** The call format when the request has tools (and tool_choice is not "none"). */
  tools: ToolFormat | null;
}

type Open = { item: OutputReasoning; index: number } | { item: OutputMessage; index: number };

export class OutputItems {
  readonly items: OutputItem[] = [];
  private open: Open | null = null;
  private readonly text: ToolTextStream | null;
  /** Tokens whose answer text is held back: they go out with the next text released. */
  private held: TokenEvent[] = [];

  constructor(private readonly opts: OutputOptions) {
    this.text = opts.tools ? new ToolTextStream(opts.tools) : null;
  }

  push(d: Delta): StreamEvent[] {
    const events: StreamEvent[] = [];
    if (d.reasoning !== '') {
      const open = this.open?.item.type === 'reasoning' ? this.open : this.start('reasoning', events);
      const part = (open.item as OutputReasoning).content[0];
      part.text += d.reasoning;
      events.push({
        type: 'response.reasoning_text.delta',
        ...this.at(open),
        delta: d.reasoning,
        ...this.trace(d.tokens),
      });
      return events;
    }
    const content = this.text ? this.text.push(d.content) : d.content;
    if (content !== '') {
      const tokens = [...this.held, ...d.tokens];
      this.held = [];
      this.answer(content, tokens, events);
    } else if (d.content !== '' || this.held.length > 0) {
      this.held.push(...d.tokens);
    } else if (this.open?.item.type === 'message') {
      // Tokens that released no text (an end-of-sequence token) still have logprobs.
      this.open.item.content[0].logprobs.push(...this.logprobs(d.tokens));
    }
    return events;
  }

  private answer(content: string, tokens: TokenEvent[], events: StreamEvent[]): void {
    const open = this.open?.item.type === 'message' ? this.open : this.start('message', events);
    const part = (open.item as OutputMessage).content[0];
    part.text += content;
    const logprobs = this.logprobs(tokens);
    part.logprobs.push(...logprobs);
    events.push({
      type: 'response.output_text.delta',
      ...this.at(open),
      delta: content,
      logprobs,
      ...this.trace(tokens),
    });
  }

  /** Closes the open item (incomplete when the generation was cut short) and adds the empty message if one is due. */
  finish(state: ChoiceState): StreamEvent[] {
    const events: StreamEvent[] = [];
    const status = state.finish?.reason === 'length' ? 'incomplete' : 'completed';
    const inThinking = state.tokens.at(-1)?.reasoning ?? false;
    const end = this.text?.finish(state.finish?.reason ?? 'length') ?? { content: '', calls: [] };
    // Held tokens go with the rest of the text; a call's tokens have no logprobs, while
    // tokens of trimmed text (and the end of sequence) keep theirs, as without tools.
    if (end.content !== '') this.answer(end.content, this.held, events);
    else if (end.calls.length === 0 && this.open?.item.type === 'message')
      this.open.item.content[0].logprobs.push(...this.logprobs(this.held));
    this.held = [];
    if (!inThinking && end.calls.length === 0 && !this.items.some((i) => i.type === 'message'))
      this.start('message', events);
    if (this.open) this.close(status, events);
    for (const call of end.calls) this.functionCall(call, events);
    return events;
  }

  /** A call as OpenAI streams one: the item, its arguments (one delta), then done. */
  private functionCall(call: ResponseToolCall, events: StreamEvent[]): void {
    const index = this.items.length;
    const item: OutputFunctionCall = {
      id: itemId('function_call'),
      type: 'function_call',
      status: 'in_progress',
      call_id: call.id,
      name: call.function.name,
      arguments: '',
    };
    const at = { item_id: item.id, output_index: index };
    events.push({ type: 'response.output_item.added', output_index: index, item: structuredClone(item) });
    events.push({ type: 'response.function_call_arguments.delta', ...at, delta: call.function.arguments });
    item.arguments = call.function.arguments;
    item.status = 'completed';
    events.push({ type: 'response.function_call_arguments.done', ...at, name: item.name, arguments: item.arguments });
    events.push({ type: 'response.output_item.done', output_index: index, item: structuredClone(item) });
    this.items.push(item);
  }

  private at(open: Open) {
    return { item_id: open.item.id, output_index: open.index, content_index: 0 };
  }

  private trace(tokens: TokenEvent[]) {
    return this.opts.trace ? { selar_trace: tokens.map(traceEntry) } : {};
  }

  private logprobs(tokens: TokenEvent[]): ChatTokenLogprob[] {
    if (!this.opts.logprobs) return [];
    return tokens.filter((t) => !t.reasoning).map((t) => this.opts.renderer.chatEntry(t));
  }

  private start(type: 'reasoning' | 'message', events: StreamEvent[]): Open {
    if (this.open) this.close('completed', events);
    const index = this.items.length;
    let open: Open;
    if (type === 'reasoning') {
      const item: OutputReasoning = {
        id: itemId('reasoning'),
        type: 'reasoning',
        status: 'in_progress',
        summary: [],
        content: [],
        encrypted_content: null,
      };
      events.push({ type: 'response.output_item.added', output_index: index, item: structuredClone(item) });
      item.content.push({ type: 'reasoning_text', text: '' });
      open = { item, index };
    } else {
      const item: OutputMessage = {
        id: itemId('message'),
        type: 'message',
        role: 'assistant',
        status: 'in_progress',
        content: [],
      };
      events.push({ type: 'response.output_item.added', output_index: index, item: structuredClone(item) });
      item.content.push({ type: 'output_text', text: '', annotations: [], logprobs: [] });
      open = { item, index };
    }
    events.push({ type: 'response.content_part.added', ...this.at(open), part: structuredClone(open.item.content[0]) });
    this.items.push(open.item);
    this.open = open;
    return open;
  }

  private close(status: 'completed' | 'incomplete', events: StreamEvent[]): void {
    const open = this.open!;
    this.open = null;
    open.item.status = status;
    const part = structuredClone(open.item.content[0]);
    if (part.type === 'reasoning_text')
      events.push({ type: 'response.reasoning_text.done', ...this.at(open), text: part.text });
    else events.push({ type: 'response.output_text.done', ...this.at(open), text: part.text, logprobs: part.logprobs });
    events.push({ type: 'response.content_part.done', ...this.at(open), part });
    events.push({ type: 'response.output_item.done', output_index: open.index, item: structuredClone(open.item) });
  }
}
