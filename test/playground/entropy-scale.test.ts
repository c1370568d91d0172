// The entropy colour scale: ends, monotone darkening, clamping, and readable text.
import t from 'tap';
import {
  ENTROPY_STOPS,
  entropyRgb,
  legendGradient,
  relativeLuminance,
  rgbCss,
  textColourOn,
} from '../../src/playground/client/entropy-scale.js';

const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

t.test('stops are hit exactly and out-of-range entropies clamp', async (t) => {
  for (const s of ENTROPY_STOPS) t.same(entropyRgb(s.at), s.rgb, `at ${s.at}`);
  t.same(entropyRgb(-0.5), ENTROPY_STOPS[0].rgb);
  t.same(entropyRgb(2), ENTROPY_STOPS.at(-1)!.rgb);
  t.same(entropyRgb(Number.NaN), ENTROPY_STOPS[0].rgb, 'NaN reads as 0, never as an invalid colour');
  t.equal(rgbCss({ r: 1, g: 2, b: 3 }), 'rgb(1, 2, 3)');
});

t.test('higher entropy is never lighter, and every token stays readable (WCAG AA)', async (t) => {
  let previous = Infinity;
  let worst = Infinity;
  for (let i = 0; i <= 1000; i++) {
    const bg = entropyRgb(i / 1000);
    const lum = relativeLuminance(bg);
    // Channels round to integers, so a step may rise by a rounding unit, never more.
    if (lum > previous + 5e-4) t.fail(`luminance rises at ${i / 1000}`);
    previous = lum;
    const fg = relativeLuminance(textColourOn(bg) === '#000000' ? { r: 0, g: 0, b: 0 } : { r: 255, g: 255, b: 255 });
    worst = Math.min(worst, contrast(lum, fg));
  }
  t.ok(worst >= 4.5, `lowest text contrast ${worst.toFixed(2)}:1`);
});

t.test('the legend gradient lists every stop', async (t) => {
  const g = legendGradient();
  for (const s of ENTROPY_STOPS) t.match(g, `${rgbCss(s.rgb)} ${s.at * 100}%`);
});
