import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { loadDataset, parseDataset, selectProblems } from '../../src/eval/dataset.js';

const line = (o: unknown) => JSON.stringify(o);

t.test('parses GSM8K and synthetic records', async (t) => {
  const text = [
    line({ question: 'Q1?', answer: 'Natalia sold 48/2 = 24 clips.\n#### 72' }),
    '',
    line({ question: 'Q2?', answer: '#### 1,000', steps: 3, kind: 'shopping' }),
    line({ question: 'Q3?', answer: -2.5 }),
    line({ question: 'Q4?', answer: '17' }),
  ].join('\n');
  const problems = parseDataset(text, 'x.jsonl');
  t.same(
    problems.map((p) => [p.line, p.answer, p.steps, p.kind]),
    [
      [1, 72, null, null],
      [3, 1000, 3, 'shopping'],
      [4, -2.5, null, null],
      [5, 17, null, null],
    ],
  );
  t.equal(problems[0].id.length, 16);
  t.not(problems[0].id, problems[1].id);
  t.equal(
    parseDataset(line({ question: 'Q1?', answer: '#### 1' }))[0].id,
    problems[0].id,
    'the id depends on the question only',
  );
});

t.test('errors name the line and the problem', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['{"question": "Q", "answer": "#### 1"', /d\.jsonl:1: not valid JSON/],
    ['[1, 2]', /:1: expected a JSON object/],
    [line({ answer: '#### 1' }), /"question" must be a non-empty string/],
    [line({ question: 'Q' }), /missing "answer"/],
    [line({ question: 'Q', answer: 'forty two' }), /has no "#### N" line and is not a number/],
    [line({ question: 'Q', answer: 'x #### about 4' }), /the text after "####" is not a number: "about 4"/],
    [line({ question: 'Q', answer: true }), /"answer" must be a string or a number/],
    [line({ question: 'Q', answer: '#### 1', steps: 0 }), /"steps" must be a positive integer/],
    [line({ question: 'Q', answer: '#### 1', kind: 3 }), /"kind" must be a string/],
    [
      `${line({ question: 'Q', answer: '#### 1' })}\n${line({ question: 'Q', answer: '#### 2' })}`,
      /d\.jsonl:2: the same question already appears on line 1/,
    ],
    ['\n\n', /no problems/],
  ];
  for (const [text, message] of cases)
    t.throws(() => parseDataset(text, 'd.jsonl'), { name: 'DatasetError', message }, String(message));
});

t.test('loadDataset reports a missing file', async (t) => {
  t.throws(() => loadDataset(path.join(os.tmpdir(), 'no-such-dataset.jsonl')), {
    name: 'DatasetError',
    message: /cannot read dataset .*ENOENT/,
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-ds-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'a.jsonl'), line({ question: 'Q', answer: '#### 3' }) + '\n');
  t.equal(loadDataset(path.join(dir, 'a.jsonl'))[0].answer, 3);
});

t.test('steps, offset, per-steps and limit filters', async (t) => {
  const text = [1, 1, 1, 2, 2, 3, 3, 3, 4]
    .map((s, i) => line({ question: `Q${i}`, answer: `#### ${i}`, steps: s }))
    .join('\n');
  const all = parseDataset(text);
  const answers = (ps: typeof all) => ps.map((p) => p.answer);
  t.same(answers(selectProblems(all, {})), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  t.same(answers(selectProblems(all, { steps: [3, 4] })), [5, 6, 7, 8]);
  t.same(answers(selectProblems(all, { steps: [3, 4], offset: 1, limit: 2 })), [6, 7]);
  t.same(answers(selectProblems(all, { perSteps: 1 })), [0, 3, 5, 8]);
  t.same(answers(selectProblems(all, { steps: [1, 3], perSteps: 2, limit: 3 })), [0, 1, 5]);
  t.same(
    answers(selectProblems(all, { perSteps: { 1: 1, 3: 2 } })),
    [0, 3, 4, 5, 6, 8],
    'per step count; unlisted counts uncapped',
  );
  t.same(
    answers(selectProblems(parseDataset(line({ question: 'Q', answer: 1 })), { steps: [1] })),
    [],
    'problems without steps drop out of a steps filter',
  );
});
