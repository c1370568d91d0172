// Writes the prompts and decoding configurations that soft_thinking_reference.py decodes:
// the SeLaR reference fixture's prompts (chat-rendered held-out problems), Soft Thinking at
// several max_topk and min_p, with and without forced-discrete math tokens and Cold Stop.
// usage: npx tsx tools/demo-model/soft_thinking_spec.ts OUT_JSON
import fs from 'node:fs';
import { TextTokenizer } from '../../src/model/tokenizer.js';

const dir = new URL('../../models/selar-demo', import.meta.url).pathname;
const tokenizer = TextTokenizer.load(dir);
const selarFixture = JSON.parse(
  fs.readFileSync(new URL('../../test/fixtures/selar-reference/selar-demo.json', import.meta.url), 'utf8'),
);
const think = tokenizer.thinkIds!;
const cfg = (maxTopk: number, minP: number, discrete: string, coldEntropy = 0, coldSteps = 256) => ({
  max_topk: maxTopk,
  min_p: minP,
  discrete_tokens: discrete,
  cold_stop_entropy: coldEntropy,
  cold_stop_steps: coldSteps,
  top_k: 3,
  think_end_ids: [think.close],
});
const configs = [
  cfg(15, 0, 'none'),
  cfg(1, 0, 'none'),
  cfg(3, 0.1, 'none'),
  cfg(5, 0.001, 'math'),
  cfg(15, 0, 'none', 0.6, 4),
  cfg(4, 0.01, 'math', 1.0, 2),
];
fs.writeFileSync(
  process.argv[2],
  JSON.stringify({
    model: 'models/selar-demo',
    eos_token_ids: [509],
    think_open: think.open,
    max_tokens: 64,
    prompts: selarFixture.prompts,
    configs,
  }),
);
