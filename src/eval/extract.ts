// Final-answer extraction from a model's reply, GSM8K style: an explicit
// "The answer is N" wins, then \boxed{N}, then the last number in the text.
// Numbers may carry a sign, thousands separators and decimals; answers are
// compared numerically so "1,000", "1000" and "1000.0" agree.

/** A number: optional sign, digits with optional comma grouping (1,234,567), optional decimals. */
const NUMBER = String.raw`[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+−]?\.\d+`;

const ANSWER_IS = new RegExp(String.raw`answer\s+is\s*:?\s*\$?\s*(${NUMBER})`, 'gi');
const BOXED = new RegExp(String.raw`\\boxed\{\s*\$?\s*(${NUMBER})\s*\}`, 'g');
const ANY = new RegExp(String.raw`(?<![\w.])(${NUMBER})`, 'g');

export type ExtractionMethod = 'answer_is' | 'boxed' | 'last_number';

export interface Extraction {
  value: number;
  method: ExtractionMethod;
}

/** Parses one number as written in text ("1,234.5", "−3", "+.5"); null when it is not one. */
export function parseNumber(text: string): number | null {
  const trimmed = text.trim();
  if (!new RegExp(`^(?:${NUMBER})$`).test(trimmed)) return null;
  const value = Number(trimmed.replace(/,/g, '').replace('−', '-'));
  return Number.isFinite(value) ? value : null;
}

function lastMatch(re: RegExp, text: string): string | null {
  let last: string | null = null;
  for (const m of text.matchAll(re)) last = m[1];
  return last;
}

/** The final answer stated in `text`, or null when it holds no number at all. */
export function extractAnswer(text: string): Extraction | null {
  const methods: Array<[ExtractionMethod, RegExp]> = [
    ['answer_is', ANSWER_IS],
    ['boxed', BOXED],
    ['last_number', ANY],
  ];
  for (const [method, re] of methods) {
    const found = lastMatch(re, text);
    if (found === null) continue;
    const value = parseNumber(found);
    if (value !== null) return { value, method };
  }
  return null;
}

/**
 * The text to grade: the visible content, or the reasoning when the content is
 * empty (a reply cut off by max_tokens inside <think> has only reasoning).
 */
export function gradedText(content: string | null | undefined, reasoning: string | null | undefined): string {
  if (content != null && content.trim() !== '') return content;
  return reasoning ?? '';
}

/** Numeric equality with a relative tolerance for decimals that went through text. */
export function sameNumber(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}
