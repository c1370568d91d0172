// The entropy colour scale: one table of stops drives the token backgrounds, the
// legend gradient and the browser test's expected colours, so the three cannot drift.
// Sequential light-yellow → dark-red (ColorBrewer YlOrRd): low entropy stays pale so
// confident text reads plainly; soft tokens are marked in blue, off this scale.

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export const ENTROPY_STOPS: ReadonlyArray<{ at: number; rgb: Rgb }> = [
  { at: 0, rgb: { r: 255, g: 255, b: 204 } },
  { at: 0.25, rgb: { r: 254, g: 217, b: 118 } },
  { at: 0.5, rgb: { r: 253, g: 141, b: 60 } },
  { at: 0.75, rgb: { r: 227, g: 26, b: 28 } },
  { at: 1, rgb: { r: 128, g: 0, b: 38 } },
];

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** Linear interpolation between the two stops around `h` (clamped to [0, 1]). */
export function entropyRgb(h: number): Rgb {
  const x = clamp01(h);
  for (let i = 1; i < ENTROPY_STOPS.length; i++) {
    const lo = ENTROPY_STOPS[i - 1];
    const hi = ENTROPY_STOPS[i];
    if (x <= hi.at) {
      const t = (x - lo.at) / (hi.at - lo.at);
      const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
      return { r: mix(lo.rgb.r, hi.rgb.r), g: mix(lo.rgb.g, hi.rgb.g), b: mix(lo.rgb.b, hi.rgb.b) };
    }
  }
  return ENTROPY_STOPS[ENTROPY_STOPS.length - 1].rgb;
}

/** As getComputedStyle reports a colour: `rgb(r, g, b)`. */
export const rgbCss = ({ r, g, b }: Rgb) => `rgb(${r}, ${g}, ${b})`;

/** WCAG 2 relative luminance. */
export function relativeLuminance({ r, g, b }: Rgb): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/**
 * Black text on the pale part of the scale, white on the dark part: the switch sits
 * where both reach the same WCAG contrast, so every background gets at least 4.5:1.
 */
export function textColourOn(bg: Rgb): string {
  return relativeLuminance(bg) >= 0.179 ? '#000000' : '#ffffff';
}

/** The legend's CSS gradient, left (0) to right (1). */
export function legendGradient(): string {
  return `linear-gradient(to right, ${ENTROPY_STOPS.map((s) => `${rgbCss(s.rgb)} ${s.at * 100}%`).join(', ')})`;
}
