import t from 'tap';
import { wilsonInterval } from '../../src/eval/wilson.js';

type Ok = { ok: (value: boolean, message: string) => void };
const close = (t: Ok, actual: number, expected: number, msg: string) =>
  t.ok(Math.abs(actual - expected) < 5e-5, `${msg}: ${actual} ≈ ${expected}`);

t.test('matches published Wilson 95% intervals', async (t) => {
  // Reference values: statsmodels proportion_confint(count, nobs, method="wilson").
  let ci = wilsonInterval(8, 10);
  close(t, ci.low, 0.49016, '8/10 low');
  close(t, ci.high, 0.94331, '8/10 high');
  ci = wilsonInterval(50, 100);
  close(t, ci.low, 0.40383, '50/100 low');
  close(t, ci.high, 0.59617, '50/100 high');
  ci = wilsonInterval(0, 20);
  t.equal(ci.low, 0, '0/20 low');
  close(t, ci.high, 0.16113, '0/20 high');
  ci = wilsonInterval(20, 20);
  close(t, ci.low, 0.83887, '20/20 low');
  t.equal(ci.high, 1, '20/20 high');
});

t.test('no trials is the whole interval; bad counts throw', async (t) => {
  t.same(wilsonInterval(0, 0), { low: 0, high: 1 });
  t.throws(() => wilsonInterval(3, 2), RangeError);
  t.throws(() => wilsonInterval(-1, 2), RangeError);
  t.throws(() => wilsonInterval(1.5, 2), RangeError);
});
