import t from 'tap';
import { fromHalf as fromHalfBits, toHalf as toHalfBits } from '../../src/util/half.js';

t.test('known values, rounding to nearest even, overflow and NaN', async (t) => {
  t.equal(toHalfBits(1), 0x3c00);
  t.equal(toHalfBits(-2), 0xc000);
  t.equal(toHalfBits(0.1), 0x2e66);
  t.equal(toHalfBits(65504), 0x7bff);
  t.equal(toHalfBits(65520), 0x7c00, 'rounds up to infinity');
  t.equal(toHalfBits(2 ** -24), 0x0001, 'smallest subnormal');
  t.equal(toHalfBits(2 ** -26), 0x0000, 'underflows to zero');
  t.equal(toHalfBits(1 + 2 ** -11), 0x3c00, 'tie goes to even (down)');
  t.equal(toHalfBits(1 + 3 * 2 ** -11), 0x3c02, 'tie goes to even (up)');
  t.equal(toHalfBits(1.5 * 2 ** -24), 0x0002, 'subnormal tie to even');
  t.equal(toHalfBits(-Infinity), 0xfc00);
  t.ok(Number.isNaN(fromHalfBits(toHalfBits(NaN))));
});

t.test('every finite half survives half -> float -> half', async (t) => {
  let bad = 0;
  for (let h = 0; h < 0x10000; h++) {
    const exp = (h >>> 10) & 0x1f;
    if (exp === 0x1f && h & 0x3ff) continue;
    if (toHalfBits(fromHalfBits(h)) !== h) bad++;
  }
  t.equal(bad, 0);
});
