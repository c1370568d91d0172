// A generated token as a span: background by entropy, a class for soft steps, and
// its data kept beside the element for the tooltip. Colours are set through the
// CSSOM (element.style), which the page's CSP allows; style attributes in markup
// would not be.
import { entropyRgb, rgbCss, textColourOn } from './entropy-scale.js';
import type { TokenPiece } from './token-split.js';

export interface TokenInfo extends TokenPiece {
  /** Position among the run's generated tokens, from 0. */
  index: number;
}

const infos = new WeakMap<Element, TokenInfo>();

export function tokenSpan(doc: Document, info: TokenInfo): HTMLSpanElement {
  const span = doc.createElement('span');
  span.className = info.soft ? 'tok soft' : 'tok';
  span.textContent = info.text;
  span.tabIndex = -1;
  span.dataset.entropy = info.entropy.toFixed(4);
  span.dataset.soft = String(info.soft);
  const bg = entropyRgb(info.entropy);
  span.style.backgroundColor = rgbCss(bg);
  span.style.color = textColourOn(bg);
  infos.set(span, info);
  return span;
}

export function tokenInfo(el: Element): TokenInfo | undefined {
  return infos.get(el);
}
