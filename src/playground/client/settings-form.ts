// The control panel: the shared sampling fields and one SeLaR fieldset per side,
// stamped from a <template> with ids prefixed by the side ("a-mode", "b-mode").
import type { FormatChoice, ToolChoiceSetting } from './output-options.js';
import type { SelarMode, SelarSettings, SharedSettings } from './request-body.js';

export type Side = 'a' | 'b';

function byId<T extends HTMLElement>(doc: Document, id: string): T {
  const e = doc.getElementById(id);
  if (!e) throw new Error(`playground: #${id} is missing from the page`);
  return e as T;
}

const value = (doc: Document, id: string) =>
  byId<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(doc, id).value;
const number = (doc: Document, id: string) => Number(value(doc, id));

/** Stamps the SeLaR fieldset for one side into `host` and applies its defaults. */
export function mountSelarFieldset(doc: Document, side: Side, defaults: Partial<SelarSettings>): void {
  const template = byId<HTMLTemplateElement>(doc, 'selar-template');
  const host = byId(doc, `side-${side}`);
  const frag = template.content.cloneNode(true) as DocumentFragment;
  for (const e of frag.querySelectorAll<HTMLElement>('[id]')) e.id = `${side}-${e.id}`;
  for (const l of frag.querySelectorAll<HTMLLabelElement>('label[for]')) l.htmlFor = `${side}-${l.htmlFor}`;
  for (const s of frag.querySelectorAll<HTMLElement>('[data-side]')) s.textContent = side.toUpperCase();
  host.replaceChildren(frag);
  const set = (id: string, v: string | number | undefined) => {
    if (v !== undefined) byId<HTMLInputElement | HTMLSelectElement>(doc, `${side}-${id}`).value = String(v);
  };
  set('mode', defaults.mode);
  set('top-k', defaults.top_k);
  set('threshold', defaults.entropy_threshold);
  set('weight', defaults.contrastive_weight);
  set('discrete', defaults.discrete_tokens);
  set('scope', defaults.scope);
  const mode = byId<HTMLSelectElement>(doc, `${side}-mode`);
  // Fields a mode ignores are disabled, so the panel says what actually takes effect.
  const sync = () => {
    const m = mode.value as SelarMode;
    for (const id of ['top-k', 'weight', 'discrete', 'scope'])
      byId<HTMLInputElement>(doc, `${side}-${id}`).disabled = m === 'off';
    byId<HTMLInputElement>(doc, `${side}-threshold`).disabled = m !== 'selar';
  };
  mode.addEventListener('change', sync);
  sync();
}

export function readSelar(doc: Document, side: Side): SelarSettings {
  return {
    mode: value(doc, `${side}-mode`) as SelarMode,
    top_k: number(doc, `${side}-top-k`),
    entropy_threshold: number(doc, `${side}-threshold`),
    contrastive_weight: number(doc, `${side}-weight`),
    discrete_tokens: value(doc, `${side}-discrete`) as SelarSettings['discrete_tokens'],
    scope: value(doc, `${side}-scope`) as SelarSettings['scope'],
  };
}

export function readShared(doc: Document): SharedSettings {
  const seed = value(doc, 'seed').trim();
  return {
    model: value(doc, 'model'),
    system: value(doc, 'system'),
    prompt: value(doc, 'prompt'),
    temperature: number(doc, 'temperature'),
    seed: seed === '' ? null : Number(seed),
    maxTokens: number(doc, 'max-tokens'),
    topLogprobs: byId<HTMLInputElement>(doc, 'logprobs').checked ? number(doc, 'top-logprobs') : null,
    output: {
      tools: value(doc, 'tools'),
      toolChoice: value(doc, 'tool-choice') as ToolChoiceSetting,
      format: value(doc, 'response-format') as FormatChoice,
      schema: value(doc, 'json-schema'),
    },
  };
}

/** The schema field takes effect only with json_schema: disabled otherwise. */
export function syncOutputFields(doc: Document): void {
  const format = byId<HTMLSelectElement>(doc, 'response-format');
  const sync = () => {
    byId<HTMLTextAreaElement>(doc, 'json-schema').disabled = format.value !== 'json_schema';
  };
  format.addEventListener('change', sync);
  sync();
}

export { byId };
