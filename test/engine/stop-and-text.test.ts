// stop_token_ids, include_stop_str_in_output and skip_special_tokens in the decode loop.
import t from 'tap';
import type { FinishEvent, GenerationEvent } from '../../src/engine/types.js';
import { SPECIAL_TOKENS } from '../../src/modelgen/tokenizer.js';
import { llamaModel } from '../support/models.js';
import { request } from '../support/requests.js';
import { inProcess, runAll, tokens } from '../support/runtime.js';

const text = (events: GenerationEvent[]) =>
  tokens(events)
    .map((e) => e.text)
    .join('') + (events.at(-1) as FinishEvent).text;
const finish = (events: GenerationEvent[]) => events.at(-1) as FinishEvent;

t.test('stop_token_ids end the sequence; their text only with include_stop_str_in_output', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const run = async (over: Parameters<typeof request>[1]) => {
    const r = request([5, 6, 7], over);
    return (await runAll(rt, [r])).get(r.id)!;
  };
  const free = await run({ stop: { maxTokens: 10 } });
  const ids = tokens(free).map((e) => e.id);
  // A stop id that first occurs at position k (a byte-level token with text of its own).
  const k = ids.findIndex((id, i) => i >= 2 && id < 256 && ids.indexOf(id) === i);
  t.ok(k >= 0, `a fresh byte token among ${ids}`);
  const stopId = ids[k];
  const stopped = await run({ stop: { maxTokens: 10, tokenIds: [stopId], ignoreEos: true } });
  t.same(
    tokens(stopped).map((e) => e.id),
    ids.slice(0, k + 1),
    'ends at the stop token, which is reported',
  );
  t.equal(finish(stopped).reason, 'stop');
  t.equal(finish(stopped).completionTokens, k + 1);
  const before = text(await run({ stop: { maxTokens: k } }));
  t.equal(text(stopped), before, 'the stop token adds no text');
  const kept = await run({ stop: { maxTokens: 10, tokenIds: [stopId], includeInOutput: true } });
  t.equal(text(kept), text(await run({ stop: { maxTokens: k + 1 } })), 'include_stop_str_in_output keeps its text');

  const masked = await run({ stop: { maxTokens: k + 2, tokenIds: [stopId], minTokens: k + 2 } });
  t.notOk(
    tokens(masked).some((e) => e.id === stopId),
    'masked before min_tokens',
  );
  t.equal(finish(masked).reason, 'length');
});

t.test('include_stop_str_in_output keeps a matched stop string', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const free = request([5, 6, 7], { stop: { maxTokens: 10 } });
  const full = text((await runAll(rt, [free])).get(free.id)!);
  const stopAt = full.slice(3, 5);
  t.equal(stopAt.length, 2);
  const at = full.indexOf(stopAt);
  for (const includeInOutput of [false, true]) {
    const r = request([5, 6, 7], { stop: { maxTokens: 10, strings: [stopAt], includeInOutput } });
    const out = (await runAll(rt, [r])).get(r.id)!;
    t.equal(text(out), full.slice(0, at + (includeInOutput ? 2 : 0)), `includeInOutput ${includeInOutput}`);
    t.equal(finish(out).reason, 'stop');
  }
});

t.test('skip_special_tokens: false puts special tokens into the text', async (t) => {
  const { rt } = await inProcess(await llamaModel());
  const imStart = 256 + 8 + SPECIAL_TOKENS.indexOf('<|im_start|>');
  const forced = { logitBias: [[imStart, 100]] as Array<[number, number]> };
  const skip = request([5, 6], { sampling: forced, stop: { maxTokens: 2 } });
  const keep = request([5, 6], { sampling: forced, stop: { maxTokens: 2 }, skipSpecialTokens: false });
  const out = await runAll(rt, [skip, keep]);
  t.same(
    tokens(out.get(skip.id)!).map((e) => e.id),
    [imStart, imStart],
  );
  t.equal(text(out.get(skip.id)!), '');
  t.equal(text(out.get(keep.id)!), '<|im_start|><|im_start|>');
});
