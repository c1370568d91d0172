// Mode swir token for token against an independent SwiReasoning implementation: PyTorch
// (tools/demo-model/swir_reference.py, written from the api.md text "Mode swir") decoded
// the SeLaR reference prompts with the demo model's weights under several selar.swir
// settings (dwell windows, alpha/beta blends, switch limits with injected end tag and
// answer prefix); the engine must produce the same greedy tokens, soft decisions and
// switch points to the last token, and the same switch counts.
import fs from 'node:fs';
import t from 'tap';
import { inProcess, runAll, tokens } from '../support/runtime.js';
import { request } from '../support/requests.js';
import { TextTokenizer } from '../../src/model/tokenizer.js';
import type { FinishEvent, SwirParams } from '../../src/engine/types.js';

const golden = JSON.parse(
  fs.readFileSync(new URL('../fixtures/selar-reference/swir-demo.json', import.meta.url), 'utf8'),
);
const modelDir = new URL('../../models/selar-demo', import.meta.url).pathname;
const tokenizer = TextTokenizer.load(modelDir);

/** The knobs as the server resolves them for this model (docs/api.md "Mode swir"). */
function swirParams(c: Record<string, unknown>, think: { open: number; close: number }): SwirParams {
  const endIds = [think.close];
  return {
    windowSize: c.window_size as number,
    alpha: c.alpha as number,
    beta: c.beta as number,
    maxSwitchCount: c.max_switch_count as number | null,
    answerTokens: c.answer_tokens as number,
    endIds,
    answerIds: [...endIds, ...tokenizer.encode(c.answer_prefix as string, false)],
    thinkIds: think,
    newlineId: tokenizer.tokenId('\\n') ?? null,
  };
}

t.test('the tags and the `\\n` entry are the ones the reference looked up', async (t) => {
  const { rt } = await inProcess(modelDir);
  t.same(rt.ctx.thinkIds, { open: golden.think_ids[0], close: golden.think_ids[1] });
  t.equal(tokenizer.tokenId('\\n') ?? null, golden.newline_id, 'the demo vocabulary has no `\\n` entry: e_0 alone');
});

t.test('greedy swir trajectories, soft decisions and switch points equal the PyTorch reference', async (t) => {
  const { rt } = await inProcess(modelDir);
  const think = rt.ctx.thinkIds!;
  let soft = 0;
  let switches = 0;
  let injectedEnds = 0;
  for (const [i, r] of golden.results.entries()) {
    const c = r.config;
    const req = request(r.prompt, {
      id: `swir-${i}`,
      selar: { mode: 'swir', discreteTokens: c.discrete_tokens, swir: swirParams(c, think) },
      stop: { maxTokens: golden.max_tokens, eosTokenIds: golden.eos_token_ids },
    });
    const events = (await runAll(rt, [req])).get(req.id)!;
    const ours = tokens(events);
    const finish = events.find((e): e is FinishEvent => e.type === 'finish')!;
    const knobs = `W=${c.window_size} α=${c.alpha} β=${c.beta} C=${c.max_switch_count} ${c.discrete_tokens}`;
    const label = `${knobs}, prompt ${i % golden.prompts.length}`;
    t.same(
      ours.map((e) => [e.id, e.soft, e.switch]),
      (r.token_ids as number[]).map((id, j) => [id, r.trace[j].soft, r.trace[j].switch]),
      label,
    );
    t.equal(finish.switches, r.switches, `${label}: switches`);
    soft += finish.softTokens;
    switches += finish.switches ?? 0;
    if (finish.reason === 'length' && ours.length < golden.max_tokens) injectedEnds++;
  }
  t.ok(soft > 0 && switches > 0, `soft steps ${soft}, switches ${switches} across all runs`);
  t.ok(injectedEnds > 0, `${injectedEnds} runs ended by the answer budget`);
});
