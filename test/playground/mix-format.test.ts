// A soft step's mixture → the inspector's rows.
import t from 'tap';
import { mixRows, visibleText } from '../../src/playground/client/mix-format.js';

t.test('candidates keep the server order, with percentages and bar widths', async (t) => {
  t.same(
    mixRows([
      { id: 17, token: ' the', weight: 0.61 },
      { id: 3, token: 'a', weight: 0.2875 },
      { id: 40, token: 'x', weight: 0.1025 },
    ]),
    [
      { id: 17, text: '" the"', percent: '61.0 %', bar: 61 },
      { id: 3, text: '"a"', percent: '28.7 %', bar: 28.8 },
      { id: 40, text: '"x"', percent: '10.3 %', bar: 10.3 },
    ],
  );
  t.same(mixRows([]), [], 'an empty mixture has no rows');
});

t.test('whitespace and control characters are shown escaped, quoted', async (t) => {
  t.equal(visibleText('\n'), '"\\n"');
  t.equal(visibleText('\t x'), '"\\t x"');
  t.equal(visibleText(''), '""');
  t.equal(visibleText('"'), '"\\""');
  t.equal(mixRows([{ id: 1, token: '\r\n', weight: 1 }])[0].text, '"\\r\\n"');
});

t.test('bars stay within 0..100 % whatever the weight', async (t) => {
  const [hi, lo] = mixRows([
    { id: 1, token: 'a', weight: 1.0000001 },
    { id: 2, token: 'b', weight: -1e-9 },
  ]);
  t.equal(hi.bar, 100);
  t.equal(hi.percent, '100.0 %');
  t.equal(lo.bar, 0);
});
