// The control panel: the shared sampling fields and one SeLaR fieldset per side,
// stamped from a <template> with ids prefixed by the side ("a-mode", "b-mode").
import type { FormatChoice, ToolChoiceSetting } from './output-options.js';
import {
  fieldApplies,
  type NoiseKind,
  type SelarMode,
  type SelarSettings,
  type SharedSettings,
  type SoftThinkingSettings,
} from './request-body.js';

export type Side = 'a' | 'b';

function byId<T extends HTMLElement>(doc: Document, id: string): T {
  const e = doc.getElementById(id);
  if (!e) throw new Error(`playground: #${id} is missing from the page`);
  return e as T;
}

const value = (doc: Document, id: string) =>
  byId<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(doc, id).value;
const number = (doc: Document, id: string) => Number(value(doc, id));

/** Each `selar` field's input, by the id it has in the template (before the side's prefix). */
const INPUT_OF = {
  top_k: 'top-k',
  entropy_threshold: 'threshold',
  contrastive_weight: 'weight',
  discrete_tokens: 'discrete',
  scope: 'scope',
  noise: 'noise',
  noise_temperature: 'noise-temperature',
  noise_alpha: 'noise-alpha',
  soft_rate: 'soft-rate',
  hot_temperature: 'hot-temperature',
} as const satisfies Partial<Record<keyof SelarSettings, string>>;

const SOFT_THINKING_INPUT_OF = {
  max_topk: 'st-max-topk',
  min_p: 'st-min-p',
  cold_stop_entropy: 'st-cold-entropy',
  cold_stop_steps: 'st-cold-steps',
} as const satisfies Record<keyof SoftThinkingSettings, string>;

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
  for (const [field, id] of Object.entries(INPUT_OF)) set(id, defaults[field as keyof typeof INPUT_OF]);
  for (const [knob, id] of Object.entries(SOFT_THINKING_INPUT_OF))
    set(id, defaults.soft_thinking?.[knob as keyof SoftThinkingSettings]);
  const mode = byId<HTMLSelectElement>(doc, `${side}-mode`);
  const noise = byId<HTMLSelectElement>(doc, `${side}-noise`);
  // Fields a mode ignores are disabled (and not sent), so the panel says what actually takes effect.
  const sync = () => {
    const now = { mode: mode.value as SelarMode, noise: noise.value as NoiseKind };
    for (const [field, id] of Object.entries(INPUT_OF))
      byId<HTMLInputElement>(doc, `${side}-${id}`).disabled = !fieldApplies(now, field as keyof typeof INPUT_OF);
    const knobs = byId<HTMLFieldSetElement>(doc, `${side}-soft-thinking-knobs`);
    knobs.disabled = !fieldApplies(now, 'soft_thinking');
    knobs.hidden = knobs.disabled;
  };
  mode.addEventListener('change', sync);
  noise.addEventListener('change', sync);
  sync();
}

export function readSelar(doc: Document, side: Side): SelarSettings {
  const v = (id: string) => value(doc, `${side}-${id}`);
  const n = (id: string) => number(doc, `${side}-${id}`);
  return {
    mode: v('mode') as SelarMode,
    top_k: n(INPUT_OF.top_k),
    entropy_threshold: n(INPUT_OF.entropy_threshold),
    contrastive_weight: n(INPUT_OF.contrastive_weight),
    discrete_tokens: v(INPUT_OF.discrete_tokens) as SelarSettings['discrete_tokens'],
    scope: v(INPUT_OF.scope) as SelarSettings['scope'],
    noise: v(INPUT_OF.noise) as NoiseKind,
    noise_temperature: n(INPUT_OF.noise_temperature),
    noise_alpha: n(INPUT_OF.noise_alpha),
    soft_rate: n(INPUT_OF.soft_rate),
    hot_temperature: n(INPUT_OF.hot_temperature),
    soft_thinking: {
      max_topk: n(SOFT_THINKING_INPUT_OF.max_topk),
      min_p: n(SOFT_THINKING_INPUT_OF.min_p),
      cold_stop_entropy: n(SOFT_THINKING_INPUT_OF.cold_stop_entropy),
      cold_stop_steps: n(SOFT_THINKING_INPUT_OF.cold_stop_steps),
    },
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
