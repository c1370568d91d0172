// Everything a decode loop needs, built from a WorkerInit: the decoder session on
// the chosen device, the embedding source and the per-model sequence context.
// Used by the worker thread and, in-process, by tests.
import type { WorkerInit } from '../engine/protocol.js';
import { ENGINE_DEFAULTS } from '../engine/options.js';
import { createSession } from '../model/convert/index.js';
import fs from 'node:fs';
import path from 'node:path';
import { TextTokenizer } from '../model/tokenizer.js';
import { GrammarHost } from '../grammar/host.js';
import { DecoderSession, describeIo } from './decoder-session.js';
import { SharedTableSource, SubModelSource, type EmbeddingSource } from './embeddings.js';
import { createOnDevice, parseDevice } from './execution-providers.js';
import { mathTokenIds } from './math-ids.js';
import { sessionOptions } from './session-options.js';
import type { SequenceContext } from './sequence.js';

export interface Runtime {
  decoder: DecoderSession;
  ctx: SequenceContext;
  device: string;
  warning?: string;
}

export async function createRuntime(init: WorkerInit): Promise<Runtime> {
  const { derived } = init;
  // XGrammar's view of the vocabulary is built once, at start-up, on the worker's grammar
  // thread; the worker does not wait for it (a grammar request does).
  const grammars = GrammarHost.launch(
    {
      tokenizerJson: readTokenizerJson(init.modelDir),
      vocabSize: derived.vocabSize,
      cacheSize: init.grammarCacheSize,
    },
    init.grammarCompileTimeoutMs ?? ENGINE_DEFAULTS.grammarCompileTimeoutMs,
  );
  const base = sessionOptions(init.intraOpThreads);
  const made = await createOnDevice(parseDevice(init.device), (executionProviders) =>
    createSession(derived, { ...base, executionProviders }),
  );
  const io = describeIo(made.value, derived.decoderPath, derived.embedsInputName);
  const decoder = new DecoderSession({
    session: made.value,
    io,
    hiddenSize: derived.hiddenSize,
    vocabSize: derived.vocabSize,
    maxLength: init.contextLength,
    canPad: derived.leftPadding,
    presentNewOnly: derived.presentNewOnly,
  });

  let embeddings: EmbeddingSource;
  if (init.table) embeddings = new SharedTableSource(init.table);
  else if (derived.embedding.kind === 'model') {
    const e = derived.embedding;
    const sub = await createSession(
      { decoderPath: e.modelPath, externalDataDir: e.externalDataDir },
      { ...base, executionProviders: ['cpu'] },
    );
    embeddings = new SubModelSource(sub, e.inputName, e.inputType, e.outputName, e.rows, e.dim);
  } else throw new Error('the embedding table was not shared with the worker');

  const tokenizer = TextTokenizer.load(init.modelDir);
  const ctx: SequenceContext = {
    tokenizer,
    embeddings,
    vocabSize: derived.vocabSize,
    contextLength: init.contextLength,
    mathIds: mathTokenIds((s) => tokenizer.spell(s) ?? []),
    thinkIds: tokenizer.thinkIds,
    grammars,
  };
  return { decoder, ctx, device: made.device, warning: made.warning };
}

function readTokenizerJson(dir: string): object {
  return JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as object;
}
