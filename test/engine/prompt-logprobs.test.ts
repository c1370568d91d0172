// Prompt logprobs: the prefill asks the same graph for every position's logits; each
// prompt token's logprob matches a reference computed position by position.
import t from 'tap';
import type { TokenEvent } from '../../src/engine/types.js';
import { logSumExp } from '../../src/sampling/logprobs.js';
import { llamaModel } from '../support/models.js';
import { request } from '../support/requests.js';
import { inProcess, runAll, tokens } from '../support/runtime.js';

t.test('prompt logprobs equal the log-softmax of each prefix, and decoding is unchanged', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const prompt = [11, 42, 7, 99, 3];
  const asked = request(prompt, { promptLogprobs: 3, stop: { maxTokens: 6 } });
  const plain = request(prompt, { stop: { maxTokens: 6 } });
  const out = await runAll(rt, [asked, plain]);
  const first = tokens(out.get(asked.id)!)[0] as TokenEvent;
  const entries = first.promptLogprobs!;
  t.equal(entries.length, prompt.length);
  t.equal(entries[0], null, 'nothing precedes the first token');
  t.notOk(tokens(out.get(plain.id)!)[0].promptLogprobs, 'only requests that ask get them');
  t.notOk(tokens(out.get(asked.id)!)[1].promptLogprobs, 'on the first token only');
  t.same(
    tokens(out.get(asked.id)!).map((e) => e.id),
    tokens(out.get(plain.id)!).map((e) => e.id),
    'same tokens',
  );

  const dim = rt.ctx.embeddings.dim;
  for (let i = 1; i < prompt.length; i++) {
    const rows = new Float32Array(i * dim);
    await rt.ctx.embeddings.lookup(prompt.slice(0, i), rows);
    const {
      logits: [logits],
    } = await rt.decoder.forward(rt.decoder.newCache(), rows, i);
    const lse = logSumExp(logits);
    const e = entries[i]!;
    t.equal(e.id, prompt[i]);
    t.ok(
      Math.abs(e.logprob - (logits[prompt[i]] - lse)) < 1e-4,
      `position ${i}: ${e.logprob} vs ${logits[prompt[i]] - lse}`,
    );
    t.equal(e.rank, 1 + Array.from(logits).filter((v) => v > logits[prompt[i]]).length, 'rank');
    const best = Array.from(logits.keys())
      .sort((a, b) => logits[b] - logits[a] || a - b)
      .slice(0, 3);
    t.same(
      e.top.map((a) => a.id),
      best,
      'the 3 most probable alternatives',
    );
  }
});
