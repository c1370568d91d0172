// The token inspector: hovering or focusing a token shows its entropy, whether its
// successor step was soft (with the soft input's mixture: candidates, weights, bars),
// and (with logprobs) its probability and top alternatives.
// Keyboard: Tab reaches a text, arrow keys / Home / End walk its tokens (a roving
// tabindex keeps hundreds of tokens out of the Tab order), Escape hides the tip.
import { mixRows, visibleText as shown } from './mix-format.js';
import { tokenInfo, type TokenInfo } from './token-spans.js';

const pct = (logprob: number) => `${(100 * Math.exp(logprob)).toFixed(1)} %`;

function el<K extends keyof HTMLElementTagNameMap>(
  doc: Document,
  tag: K,
  text?: string,
  cls?: string,
): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function describe(doc: Document, info: TokenInfo): Node[] {
  const head = el(doc, 'p', undefined, 'tip-head');
  head.append(
    el(doc, 'code', shown(info.text)),
    ` token #${info.index + 1}${info.id !== null ? ` · id ${info.id}` : ''}`,
  );
  const facts = el(doc, 'dl');
  const fact = (k: string, v: string) => facts.append(el(doc, 'dt', k), el(doc, 'dd', v));
  fact('entropy', info.entropy.toFixed(3));
  fact('next step', info.soft ? 'soft embedding' : 'this token (discrete)');
  if (info.logprob) fact('probability', `${pct(info.logprob.logprob)} (logprob ${info.logprob.logprob.toFixed(3)})`);
  const out: Node[] = [head, facts];
  if (info.mix && info.mix.length > 0) {
    const table = el(doc, 'table', undefined, 'mix');
    table.append(el(doc, 'caption', 'soft input: mixture of'));
    for (const m of mixRows(info.mix)) {
      const bar = el(doc, 'span', undefined, 'bar');
      // Through the CSSOM: the page's CSP forbids style attributes in markup.
      bar.style.width = `${m.bar}%`;
      const barCell = el(doc, 'td', undefined, 'bar-cell');
      barCell.append(bar);
      const row = el(doc, 'tr');
      row.title = `id ${m.id}`;
      row.append(el(doc, 'td', m.text), el(doc, 'td', m.percent), barCell);
      table.append(row);
    }
    out.push(table);
  }
  const alts = info.logprob?.top_logprobs ?? [];
  if (alts.length > 0) {
    const table = el(doc, 'table', undefined, 'alts');
    table.append(el(doc, 'caption', 'top alternatives'));
    for (const a of alts) {
      const row = el(doc, 'tr');
      row.append(el(doc, 'td', shown(a.token)), el(doc, 'td', pct(a.logprob)));
      if (a.token === info.logprob?.token) row.className = 'chosen';
      table.append(row);
    }
    out.push(table);
  }
  return out;
}

export function installTokenTooltip(doc: Document, tip: HTMLElement): void {
  let current: HTMLElement | null = null;

  const show = (target: HTMLElement) => {
    const info = tokenInfo(target);
    if (!info) return;
    current?.removeAttribute('aria-describedby');
    current = target;
    tip.replaceChildren(...describe(doc, info));
    tip.hidden = false;
    target.setAttribute('aria-describedby', tip.id);
    const r = target.getBoundingClientRect();
    const width = tip.offsetWidth;
    const left = Math.max(4, Math.min(r.left, doc.documentElement.clientWidth - width - 4));
    tip.style.left = `${left + window.scrollX}px`;
    tip.style.top = `${r.bottom + window.scrollY + 6}px`;
  };
  const hide = () => {
    current?.removeAttribute('aria-describedby');
    current = null;
    tip.hidden = true;
  };
  const tokenAt = (t: EventTarget | null) => (t instanceof Element ? t.closest<HTMLElement>('.tok') : null);

  doc.addEventListener('mouseover', (e) => {
    const t = tokenAt(e.target);
    if (t && t !== current) show(t);
  });
  doc.addEventListener('mouseout', (e) => {
    const t = tokenAt(e.target);
    if (t && t === current && tokenAt(e.relatedTarget) !== t && doc.activeElement !== t) hide();
  });
  doc.addEventListener('focusin', (e) => {
    const t = tokenAt(e.target);
    if (t) show(t);
  });
  doc.addEventListener('focusout', (e) => {
    if (tokenAt(e.target) === current) hide();
  });
  doc.addEventListener('keydown', (e) => {
    const t = tokenAt(e.target);
    if (!t) return;
    if (e.key === 'Escape') {
      hide();
      return;
    }
    const all = [...(t.parentElement?.querySelectorAll<HTMLElement>('.tok') ?? [])];
    const at = all.indexOf(t);
    const moves: Record<string, number> = {
      ArrowRight: at + 1,
      ArrowDown: at + 1,
      ArrowLeft: at - 1,
      ArrowUp: at - 1,
      Home: 0,
      End: all.length - 1,
    };
    const next = moves[e.key];
    if (next === undefined || next < 0 || next >= all.length) return;
    e.preventDefault();
    t.tabIndex = -1;
    all[next].tabIndex = 0;
    all[next].focus();
  });
}
