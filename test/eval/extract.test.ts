import t from 'tap';
import { extractAnswer, gradedText, parseNumber, sameNumber } from '../../src/eval/extract.js';

t.test('parseNumber reads signs, comma grouping and decimals', async (t) => {
  t.equal(parseNumber('42'), 42);
  t.equal(parseNumber(' 1,234,567 '), 1234567);
  t.equal(parseNumber('-3.25'), -3.25);
  t.equal(parseNumber('+7'), 7);
  t.equal(parseNumber('−5'), -5, 'unicode minus');
  t.equal(parseNumber('.5'), 0.5);
  t.equal(parseNumber('12,34'), null, 'commas must group thousands');
  t.equal(parseNumber('4 apples'), null);
  t.equal(parseNumber(''), null);
});

t.test('"The answer is N" wins over later numbers', async (t) => {
  t.same(extractAnswer('<think>3 * 22 = 66</think>The answer is 66. Check: 66 / 3 = 22'), {
    value: 66,
    method: 'answer_is',
  });
  t.same(extractAnswer('the answer is: $1,200.'), { value: 1200, method: 'answer_is' });
  t.same(
    extractAnswer('The answer is 5. Wait, the answer is -7.5.'),
    { value: -7.5, method: 'answer_is' },
    'the last statement counts',
  );
});

t.test('\\boxed{N} comes next', async (t) => {
  t.same(extractAnswer('so 12 + 30 gives \\boxed{42} and 7 more'), { value: 42, method: 'boxed' });
  t.same(extractAnswer('\\boxed{ 1,000 }'), { value: 1000, method: 'boxed' });
});

t.test('otherwise the last number', async (t) => {
  t.same(extractAnswer('10 - 2 = 8'), { value: 8, method: 'last_number' });
  t.same(extractAnswer('She has 3,500 coins and spends 1,250.50.'), { value: 1250.5, method: 'last_number' });
  t.same(extractAnswer('It drops to -4 degrees'), { value: -4, method: 'last_number' });
  t.same(extractAnswer('item x2 costs 15'), { value: 15, method: 'last_number' });
  t.equal(extractAnswer('no numbers here'), null);
  t.equal(extractAnswer(''), null);
});

t.test('content is graded, reasoning only when content is empty', async (t) => {
  t.equal(gradedText('The answer is 3.', '1 + 2 = 3'), 'The answer is 3.');
  t.equal(gradedText('  \n', '1 + 2 = 3'), '1 + 2 = 3');
  t.equal(gradedText(null, 'r'), 'r');
  t.equal(gradedText('', null), '');
});

t.test('numeric comparison', async (t) => {
  t.ok(sameNumber(1000, 1000.0));
  t.ok(sameNumber(0.1 + 0.2, 0.3));
  t.notOk(sameNumber(41, 42));
  t.notOk(sameNumber(-5, 5));
});
