// Checks that the JS tokenizer (src/model/tokenizer.ts over @huggingface/tokenizers)
// gives the same ids as the Python BPE, and that the chat template renders exactly
// the ChatML text the model was trained on.
// usage: npx tsx tools/demo-model/check_tokenizer.ts MODEL_DIR SAMPLES.json
import fs from 'node:fs';
import { TextTokenizer } from '../../src/model/tokenizer.js';

const [dir, samplesFile] = process.argv.slice(2);
const tok = TextTokenizer.load(dir);
const data = JSON.parse(fs.readFileSync(samplesFile, 'utf8'));
let bad = 0;
for (const [name, id] of Object.entries(data.special_ids)) {
  if (tok.tokenId(name) !== id) {
    bad++;
    console.log('special id mismatch', name, tok.tokenId(name), id);
  }
}
for (const s of data.samples) {
  const ids = tok.encode(s.text);
  if (JSON.stringify(ids) !== JSON.stringify(s.ids)) {
    bad++;
    if (bad < 5) console.log('ids mismatch', JSON.stringify(s.text), '\n js', ids.join(','), '\n py', s.ids.join(','));
  }
  const back = tok.decode(ids, false);
  if (back !== s.text) {
    bad++;
    if (bad < 5) console.log('decode mismatch', JSON.stringify(back), JSON.stringify(s.text));
  }
  if (s.messages) {
    if (tok.applyChatTemplate(s.messages, false) !== s.rendered) {
      bad++;
      if (bad < 5) console.log('template mismatch', s.rendered);
    }
    if (tok.applyChatTemplate(s.prompt_messages, true) !== s.prompt) {
      bad++;
      if (bad < 5) console.log('prompt mismatch', s.prompt);
    }
  }
}
console.log(
  `vocabSize=${tok.vocabSize} thinkIds=${JSON.stringify(tok.thinkIds)} specialIds=${[...tok.specialIds].join(',')}`,
);
console.log(`${data.samples.length} samples, ${bad} mismatches`);
process.exit(bad ? 1 : 0);
