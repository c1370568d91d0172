// One run's pane: its settings, running stats, reasoning, answer and tool calls.
// Chunks are applied as they arrive; the usage chunk makes the counts final (data-final
// on the stats list, which the browser test waits for). An answer that is JSON is
// also shown indented once the run ends.
import { RunStats } from './run-stats.js';
import { splitDelta, type Section } from './token-split.js';
import { tokenSpan } from './token-spans.js';
import { prettyArguments, prettyJson, ToolCallAccumulator } from './tool-calls.js';
import type { ChatChunk } from './wire-types.js';

const fmt = (x: number | null, digits: number) => (x === null ? '–' : x.toFixed(digits));

export class RunView {
  private stats = new RunStats(0);
  private lastSection: Section = 'answer';
  private readonly sections: Record<Section, HTMLElement>;
  private readonly reasoningBox: HTMLElement;
  private calls = new ToolCallAccumulator();
  private answerText = '';

  constructor(readonly root: HTMLElement) {
    this.sections = {
      reasoning: this.part('[data-section="reasoning"]'),
      answer: this.part('[data-section="answer"]'),
    };
    this.reasoningBox = this.part('.reasoning');
  }

  private part(selector: string): HTMLElement {
    const el = this.root.querySelector<HTMLElement>(selector);
    if (!el) throw new Error(`run pane: ${selector} missing from the template`);
    return el;
  }

  private stat(name: string): HTMLElement {
    return this.part(`[data-stat="${name}"]`);
  }

  begin(settings: string, now: number): void {
    this.stats = new RunStats(now);
    this.lastSection = 'answer';
    this.part('.run-settings').textContent = settings;
    for (const s of Object.values(this.sections)) s.replaceChildren();
    this.reasoningBox.hidden = true;
    this.calls = new ToolCallAccumulator();
    this.answerText = '';
    this.part('.tool-calls').hidden = true;
    this.part('.answer-json').hidden = true;
    this.part('.run-error').hidden = true;
    this.part('.run-stats').removeAttribute('data-final');
    this.root.setAttribute('aria-busy', 'true');
    this.render(now);
  }

  apply(chunk: ChatChunk, now: number): void {
    // The page asks for n = 1: only choice 0 exists.
    for (const choice of chunk.choices) {
      if (choice.index !== 0) continue;
      const split = splitDelta(choice);
      for (const section of ['reasoning', 'answer'] as const) {
        if (split.untraced[section] !== '') this.append(section, document.createTextNode(split.untraced[section]));
      }
      const section = split.section ?? this.lastSection;
      for (const piece of split.pieces) {
        this.append(section, tokenSpan(document, { ...piece, index: this.stats.tokens }));
        this.stats.addTokens(1, piece.soft ? 1 : 0, now);
      }
      if (split.section !== null) this.lastSection = split.section;
      this.answerText += choice.delta.content ?? '';
      if (choice.delta.tool_calls) {
        this.calls.apply(choice.delta.tool_calls);
        this.renderCalls();
      }
      if (choice.finish_reason !== null) this.stats.finish = choice.finish_reason;
    }
    if (chunk.usage) this.stats.usage = chunk.usage;
    this.render(now);
  }

  private append(section: Section, node: Node): void {
    const box = this.sections[section];
    // The first token is the keyboard entry point into the text (roving tabindex).
    if (node instanceof HTMLElement && box.querySelector('.tok') === null) node.tabIndex = 0;
    box.append(node);
    if (section === 'reasoning') this.reasoningBox.hidden = false;
  }

  /** Each call: its name and id, then its arguments indented. */
  private renderCalls(): void {
    const items = this.calls.calls.map((call) => {
      const li = document.createElement('li');
      li.className = 'tool-call';
      const name = document.createElement('span');
      name.className = 'call-name';
      name.textContent = call.name;
      const id = document.createElement('code');
      id.className = 'call-id';
      id.textContent = call.id;
      const args = document.createElement('pre');
      args.className = 'call-args';
      args.textContent = prettyArguments(call.arguments);
      li.append(name, id, args);
      return li;
    });
    this.part('.call-list').replaceChildren(...items);
    this.part('.tool-calls').hidden = items.length === 0;
  }

  end(now: number, error: unknown): void {
    this.root.removeAttribute('aria-busy');
    const json = this.calls.calls.length === 0 ? prettyJson(this.answerText.trim()) : null;
    if (json !== null) {
      this.part('.answer-json pre').textContent = json;
      this.part('.answer-json').hidden = false;
    }
    if (error !== null) {
      const box = this.part('.run-error');
      box.textContent = error instanceof Error ? error.message : String(error);
      box.hidden = false;
    }
    this.render(now);
  }

  private render(now: number): void {
    const s = this.stats;
    this.stat('tokens').textContent = String(s.completionTokens);
    this.stat('rate').textContent = fmt(s.tokensPerSecond(now), 1);
    this.stat('ttft').textContent = s.firstTokenMs === null ? '–' : `${Math.round(s.firstTokenMs)} ms`;
    this.stat('soft').textContent = String(s.softTokens);
    this.stat('ratio').textContent = s.softRatio === null ? '–' : `${(100 * s.softRatio).toFixed(1)} %`;
    this.stat('finish').textContent = s.finish ?? '–';
    const note = this.part('.run-note');
    // Usage is the API's count; a trace that disagrees with it is a server bug worth seeing.
    const mismatch = s.usage !== null && s.softFromTrace !== s.softTokens;
    note.textContent = mismatch ? `The trace marked ${s.softFromTrace} soft steps; usage reports ${s.softTokens}.` : '';
    note.hidden = !mismatch;
    if (s.usage !== null) this.part('.run-stats').setAttribute('data-final', 'true');
  }
}
