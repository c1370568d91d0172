// Result records for metric and report tests.
import type { ResultRecord } from '../../src/eval/results-file.js';

export function record(over: Partial<ResultRecord>): ResultRecord {
  return {
    config: 'c',
    fingerprint: 'f',
    problem: 'p',
    sample: 0,
    seed: null,
    steps: 1,
    kind: null,
    gold: 1,
    predicted: 1,
    method: 'answer_is',
    correct: true,
    prompt_tokens: 10,
    completion_tokens: 10,
    soft_tokens: 0,
    finish_reason: 'stop',
    started_at: 0,
    ended_at: 1000,
    concurrency: 2,
    content: 'The answer is 1.',
    reasoning: '',
    ...over,
  };
}
