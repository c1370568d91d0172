// Turns the sampling-related wire fields into the engine's fully-resolved types.
// Precedence for every default: the request, then the model's generation_config.json
// (ModelInfo.generationDefaults and .selarDefaults), then the server configuration.
import type { Static } from '@sinclair/typebox';
import { SelarError } from '../errors.js';
import type {
  GenerationRequest,
  SamplingParams,
  SelarParams,
  SoftThinkingParams,
  StopParams,
  SwirParams,
  ThinkingBudget,
} from '../engine/types.js';
import { modeKnobs, type samplingFields } from '../protocol/common.js';
import type { structuredOutputFields } from '../protocol/structured-outputs.js';
import { resolveGrammar, type GrammarRequest } from './structured-output.js';
import type { ServingContext } from './context.js';
import { promptLogprobsRequest } from './prompt-logprobs.js';
import { resolveThinkingBudget, thinkEndIds, type ReasoningEffort } from './thinking-budget.js';

type AllFields = typeof samplingFields & typeof structuredOutputFields;
type Fields = { [K in keyof AllFields]?: Static<AllFields[K]> };

export interface LogprobsRequest {
  logprobs: boolean;
  topLogprobs: number;
}

export interface ResolvedParams {
  n: number;
  stream: boolean;
  includeUsage: boolean;
  returnTokenIds: boolean;
  /** The sampling parameters shared by every sequence; seeds are derived per sequence. */
  sampling: SamplingParams;
  stopStrings: string[];
  stopTokenIds: number[];
  includeStopStr: boolean;
  skipSpecialTokens: boolean;
  priority: number;
  /** prompt_logprobs as requested (vLLM's output field), or null. */
  promptLogprobs: number | null;
  /** Alternatives per prompt token the engine computes (prompt_logprobs or echo with logprobs), or null. */
  enginePromptLogprobs: number | null;
  thinking: ThinkingBudget;
  ignoreEos: boolean;
  minTokens: number;
  /** Explicitly requested max tokens, or null for the default (which depends on the prompt). */
  requestedMaxTokens: number | null;
  maxTokensParam: string;
  selar: SelarParams;
  /** The request sent a `selar` object: usage carries the latent method's counts (mode other than off). */
  latentUsage: boolean;
  /** Structured output: the grammar every sequence follows. */
  grammar: GrammarRequest | null;
}

const nn = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

export function resolveSelar(req: Fields['selar'], ctx: ServingContext): SelarParams {
  const c = ctx.config;
  const m = ctx.model.selarDefaults;
  const s = req ?? {};
  const mode = s.mode ?? m.mode ?? c.selarMode;
  // Ablation parameters only mean something in their own mode; elsewhere they would be ignored.
  if (mode === 'random' && s.soft_rate === undefined) {
    throw new SelarError(
      'invalid_request',
      'selar.soft_rate is required when selar.mode is "random"',
      'selar.soft_rate',
    );
  }
  if (mode !== 'random' && s.soft_rate !== undefined) {
    throw new SelarError('invalid_request', 'selar.soft_rate only applies to selar.mode "random"', 'selar.soft_rate');
  }
  if (mode !== 'hot' && s.hot_temperature !== undefined) {
    throw new SelarError(
      'invalid_request',
      'selar.hot_temperature only applies to selar.mode "hot"',
      'selar.hot_temperature',
    );
  }
  checkModeFields(mode, s);
  // Mode swir's soft input is the exact expectation over the whole softmax, not a mix of
  // candidates: it takes no noise (the flags' and the model's default noise do not apply).
  const noise = mode === 'swir' ? 'none' : (s.noise ?? m.noise ?? c.selarNoise);
  if (noise !== 'gumbel' && s.noise_temperature !== undefined) {
    throw new SelarError(
      'invalid_request',
      'selar.noise_temperature only applies to selar.noise "gumbel"',
      'selar.noise_temperature',
    );
  }
  if (noise !== 'dirichlet' && s.noise_alpha !== undefined) {
    throw new SelarError(
      'invalid_request',
      'selar.noise_alpha only applies to selar.noise "dirichlet"',
      'selar.noise_alpha',
    );
  }
  if ((mode === 'off' || mode === 'hot') && s.noise !== undefined && s.noise !== 'none') {
    throw new SelarError(
      'invalid_request',
      `selar.mode "${mode}" never mixes: selar.noise must be "none"`,
      'selar.noise',
    );
  }
  if (mode === 'swir' && s.noise !== undefined && s.noise !== 'none') {
    throw new SelarError(
      'invalid_request',
      'selar.mode "swir" feeds the exact expected embedding: selar.noise must be "none"',
      'selar.noise',
    );
  }
  const params: SelarParams = {
    mode,
    thinkEnd: s.think_end ?? m.think_end ?? (c.selarThinkEnd || tokenizerThinkEnd(ctx)),
    noise,
    noiseTemperature: s.noise_temperature ?? m.noise_temperature ?? c.selarNoiseTemperature,
    noiseAlpha: s.noise_alpha ?? m.noise_alpha ?? c.selarNoiseAlpha,
    softThinking: resolveSoftThinking(s.soft_thinking, m.soft_thinking, c),
    topK: s.top_k ?? m.top_k ?? c.selarTopK,
    entropyThreshold: s.entropy_threshold ?? m.entropy_threshold ?? c.selarEntropyThreshold,
    contrastiveWeight: s.contrastive_weight ?? m.contrastive_weight ?? c.selarContrastiveWeight,
    discreteTokens: s.discrete_tokens ?? m.discrete_tokens ?? c.selarDiscreteTokens,
    scope: s.scope ?? m.scope ?? c.selarScope,
    trace: s.trace ?? false,
    entropy: s.entropy ?? m.entropy ?? c.selarEntropy,
    softRate: s.soft_rate ?? 0,
    hotTemperature: s.hot_temperature ?? m.hot_temperature ?? c.selarHotTemperature,
  };
  if (mode === 'swir') params.swir = resolveSwir(s.swir ?? {}, params.thinkEnd, ctx);
  return params;
}

type SwirFields = NonNullable<NonNullable<Fields['selar']>['swir']>;

/**
 * What each omitted selar.swir knob takes: the model's generation_config.json value, else
 * its --selar-swir-* flag, in the request's terms.
 */
export function swirDefaults(c: ServingContext['config'], m: SwirFields = {}): Required<SwirFields> {
  return {
    window_size: m.window_size ?? c.selarSwirWindowSize,
    alpha: m.alpha ?? c.selarSwirAlpha,
    beta: m.beta ?? c.selarSwirBeta,
    // null (no limit) is a value of its own, so only an absent field falls through.
    max_switch_count:
      m.max_switch_count !== undefined
        ? m.max_switch_count
        : c.selarSwirMaxSwitchCount < 0
          ? null
          : c.selarSwirMaxSwitchCount,
    // The flag spells a newline as \n (its shipped value has two).
    answer_prefix: m.answer_prefix ?? c.selarSwirAnswerPrefix.replaceAll('\\n', '\n'),
    answer_tokens: m.answer_tokens ?? c.selarSwirAnswerTokens,
  };
}

/**
 * Mode swir's knobs, field by field over the --selar-swir-* flags, and the token ids it
 * needs (docs/api.md "Mode swir: SwiReasoning"): the request's end-of-thinking string
 * (selar.think_end, as the thinking budget uses it), the answer prefix, the thinking tags
 * and the vocabulary entry spelled `\n`.
 */
export function resolveSwir(s: SwirFields, thinkEnd: string | null, ctx: ServingContext): SwirParams {
  const d = swirDefaults(ctx.config, ctx.model.selarDefaults.swir);
  const limit = s.max_switch_count === undefined ? d.max_switch_count : s.max_switch_count;
  const prefix = s.answer_prefix ?? d.answer_prefix;
  const endIds = thinkEndIds(thinkEnd, ctx);
  // The prefix is injected only under a switch limit; without one it is never encoded.
  const prefixIds =
    prefix === '' || limit === null ? [] : ctx.tokenizer.encode(prefix, false, 'selar.swir.answer_prefix');
  if (prefixIds.some((id) => !Number.isInteger(id) || id >= ctx.vocabLimit)) {
    throw new SelarError(
      'invalid_request',
      "selar.swir.answer_prefix encodes to token ids outside the model's vocabulary",
      'selar.swir.answer_prefix',
    );
  }
  const newline = ctx.tokenizer.tokenId('\\n');
  return {
    windowSize: s.window_size ?? d.window_size,
    alpha: s.alpha ?? d.alpha,
    beta: s.beta ?? d.beta,
    maxSwitchCount: limit,
    answerTokens: s.answer_tokens ?? d.answer_tokens,
    endIds,
    answerIds: [...endIds, ...prefixIds],
    thinkIds: swirThinkIds(endIds, ctx),
    newlineId: newline !== undefined && newline < ctx.vocabLimit ? newline : null,
  };
}

/**
 * The ids blended in at switches: the tokenizer's `<think>`, and the last id of the end
 * string for `</think>` (the tag itself by default); null on a model without think tags.
 */
function swirThinkIds(endIds: readonly number[], ctx: ServingContext): SwirParams['thinkIds'] {
  const think = ctx.model.thinkTokenIds;
  if (!think) return null;
  return { open: think.open, close: endIds.length > 0 ? endIds[endIds.length - 1] : think.close };
}

type SelarFields = NonNullable<Fields['selar']>;

/** Fields a mode would silently ignore: a mode's knob object in another mode, SeLaR's gate in soft_thinking. */
function checkModeFields(mode: SelarParams['mode'], s: SelarFields): void {
  for (const knobs of Object.keys(modeKnobs) as Array<keyof typeof modeKnobs>) {
    if (s[knobs] !== undefined && mode !== knobs) {
      throw new SelarError('invalid_request', `selar.${knobs} only applies to selar.mode "${knobs}"`, `selar.${knobs}`);
    }
  }
  if (mode !== 'soft_thinking') return;
  for (const field of ['entropy_threshold', 'contrastive_weight', 'scope'] as const) {
    if (s[field] !== undefined) {
      throw new SelarError(
        'invalid_request',
        `selar.${field} does not apply to selar.mode "soft_thinking" (its soft steps are the thinking section's)`,
        `selar.${field}`,
      );
    }
  }
}

/** The tokenizer's own end-of-thinking tag as text, or null. */
function tokenizerThinkEnd(ctx: ServingContext): string | null {
  const think = ctx.model.thinkTokenIds;
  return think ? ctx.tokenizer.decode([think.close], false) : null;
}

/** A flag's -1 means "the request's value". */
const flagOrNull = (v: number): number | null => (v === -1 ? null : v);

function resolveSoftThinking(
  s: SelarFields['soft_thinking'],
  m: SelarFields['soft_thinking'],
  c: ServingContext['config'],
): SoftThinkingParams {
  const after = s?.after_thinking ?? {};
  const modelAfter = m?.after_thinking ?? {};
  const topK = after.top_k ?? modelAfter.top_k ?? flagOrNull(c.selarSoftThinkingAfterTopK);
  return {
    maxTopk: s?.max_topk ?? m?.max_topk ?? c.selarSoftThinkingMaxTopk,
    minP: s?.min_p ?? m?.min_p ?? c.selarSoftThinkingMinP,
    coldStopEntropy: s?.cold_stop_entropy ?? m?.cold_stop_entropy ?? c.selarSoftThinkingColdStopEntropy,
    coldStopSteps: s?.cold_stop_steps ?? m?.cold_stop_steps ?? c.selarSoftThinkingColdStopSteps,
    afterThinking: {
      temperature: after.temperature ?? modelAfter.temperature ?? flagOrNull(c.selarSoftThinkingAfterTemperature),
      topP: after.top_p ?? modelAfter.top_p ?? flagOrNull(c.selarSoftThinkingAfterTopP),
      // The request's top_k of -1 means off, as on the request itself.
      topK: topK === null ? null : Math.max(0, topK),
      minP: after.min_p ?? modelAfter.min_p ?? flagOrNull(c.selarSoftThinkingAfterMinP),
    },
  };
}

function resolveLogitBias(bias: Fields['logit_bias'], ctx: ServingContext): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  for (const [key, value] of Object.entries(bias ?? {})) {
    const id = Number(key);
    if (!Number.isSafeInteger(id) || id >= ctx.vocabLimit) {
      throw new SelarError(
        'invalid_request',
        `logit_bias: token id ${key} is not in the vocabulary (0..${ctx.vocabLimit - 1})`,
        'logit_bias',
      );
    }
    out.push([id, value] as const);
  }
  return out;
}

/** Token ids a request names (stop_token_ids, allowed_token_ids): each must be in the vocabulary. */
export function checkTokenIds(ids: readonly number[], param: string, ctx: ServingContext): number[] {
  const bad = ids.findIndex((id) => id >= ctx.vocabLimit);
  if (bad >= 0) {
    throw new SelarError(
      'invalid_request',
      `${param}: token id ${ids[bad]} is not in the vocabulary (0..${ctx.vocabLimit - 1})`,
      `${param}[${bad}]`,
    );
  }
  return [...ids];
}

/**
 * bad_words as token sequences, as vLLM encodes them: each word as at the start of the
 * text, and after a space where that gives a different sequence of the same length.
 */
export function badWordSequences(words: readonly string[], ctx: ServingContext): number[][] {
  const out: number[][] = [];
  words.forEach((word, i) => {
    const bare = ctx.tokenizer.spell(word.trimStart()) ?? [];
    const spaced = ctx.tokenizer.spell(' ' + word.trimStart()) ?? [];
    for (const ids of [bare, spaced]) {
      // A word the vocabulary cannot spell in that form (no unknown token) is skipped.
      if (ids.length === 0) continue;
      if (ids === spaced && (ids[0] === bare[0] || ids.length !== bare.length)) continue;
      if (ids.some((id) => id >= ctx.vocabLimit)) {
        throw new SelarError(
          'invalid_request',
          `bad_words[${i}] encodes to token ids outside the model's vocabulary`,
          `bad_words[${i}]`,
        );
      }
      out.push(ids);
    }
  });
  return out;
}

export function resolveParams(
  req: Fields,
  logprobs: LogprobsRequest,
  maxTokens: { value: number | null; param: string },
  ctx: ServingContext,
  effort: ReasoningEffort | null = null,
): ResolvedParams {
  const c = ctx.config;
  const g = ctx.model.generationDefaults;
  const n = req.n ?? 1;
  if (n > c.maxN) throw new SelarError('invalid_request', `n must be at most ${c.maxN} on this server`, 'n');
  const stream = req.stream ?? false;
  if (req.stream_options != null && !stream) {
    throw new SelarError('invalid_request', 'stream_options is only allowed when stream is true', 'stream_options');
  }
  const minTokens = req.min_tokens ?? 0;
  if (maxTokens.value !== null && minTokens > maxTokens.value) {
    throw new SelarError(
      'invalid_request',
      `min_tokens (${minTokens}) must not exceed ${maxTokens.param} (${maxTokens.value})`,
      'min_tokens',
    );
  }
  const topK = nn(req.top_k);
  const stop = req.stop ?? [];
  const selar = resolveSelar(req.selar, ctx);
  return {
    n,
    stream,
    includeUsage: stream && (req.stream_options?.include_usage ?? false),
    returnTokenIds: req.return_token_ids ?? false,
    sampling: {
      temperature: req.temperature ?? g.temperature ?? c.temperature,
      topK: topK === undefined ? (g.topK ?? c.topK) : Math.max(0, topK),
      topP: req.top_p ?? g.topP ?? c.topP,
      minP: req.min_p ?? g.minP ?? c.minP,
      seed: req.seed ?? null,
      presencePenalty: req.presence_penalty ?? c.presencePenalty,
      frequencyPenalty: req.frequency_penalty ?? c.frequencyPenalty,
      repetitionPenalty: req.repetition_penalty ?? g.repetitionPenalty ?? c.repetitionPenalty,
      logitBias: resolveLogitBias(req.logit_bias, ctx),
      logprobs: logprobs.logprobs,
      topLogprobs: logprobs.logprobs ? logprobs.topLogprobs : 0,
      badWords: badWordSequences(req.bad_words ?? [], ctx),
      allowedTokenIds:
        req.allowed_token_ids == null ? null : checkTokenIds(req.allowed_token_ids, 'allowed_token_ids', ctx),
    },
    stopStrings: typeof stop === 'string' ? [stop] : [...stop],
    stopTokenIds: checkTokenIds(req.stop_token_ids ?? [], 'stop_token_ids', ctx),
    includeStopStr: req.include_stop_str_in_output ?? false,
    skipSpecialTokens: req.skip_special_tokens ?? true,
    priority: req.priority ?? 0,
    promptLogprobs: req.prompt_logprobs ?? null,
    enginePromptLogprobs: promptLogprobsRequest(req.prompt_logprobs ?? null, null, ctx),
    thinking: resolveThinkingBudget(effort, req.max_thinking_tokens, selar.thinkEnd, ctx),
    ignoreEos: req.ignore_eos ?? false,
    minTokens,
    requestedMaxTokens: maxTokens.value,
    maxTokensParam: maxTokens.param,
    selar,
    latentUsage: req.selar != null && selar.mode !== 'off',
    grammar: resolveGrammar(req),
  };
}

/** Sequence i of a request: seed + i, so n > 1 samples differ yet stay reproducible. */
export function deriveSeed(seed: number | null, i: number): number | null {
  if (seed === null) return null;
  return (seed + i) % 2 ** 53;
}

/** The prompt-dependent part: max tokens against the context length. */
export function resolveStop(
  p: ResolvedParams,
  promptLength: number,
  promptParam: string,
  ctx: ServingContext,
): StopParams {
  const context = ctx.model.contextLength;
  const room = context - promptLength;
  if (room < 1) {
    throw new SelarError(
      'context_length_exceeded',
      `This model's maximum context length is ${context} tokens. However, your ${promptParam} resulted in ` +
        `${promptLength} tokens, leaving no room for a completion. Please reduce the length of the ${promptParam}.`,
      promptParam,
    );
  }
  let maxTokens: number;
  if (p.requestedMaxTokens !== null) {
    if (p.requestedMaxTokens > room) {
      throw new SelarError(
        'context_length_exceeded',
        `This model's maximum context length is ${context} tokens. However, you requested ` +
          `${promptLength + p.requestedMaxTokens} tokens (${promptLength} in the ${promptParam}, ` +
          `${p.requestedMaxTokens} in the completion). ` +
          `Please reduce the length of the ${promptParam} or ${p.maxTokensParam}.`,
        p.maxTokensParam,
      );
    }
    maxTokens = p.requestedMaxTokens;
  } else {
    maxTokens = ctx.config.maxTokens > 0 ? Math.min(ctx.config.maxTokens, room) : room;
  }
  if (p.minTokens > maxTokens) {
    throw new SelarError(
      'context_length_exceeded',
      `min_tokens (${p.minTokens}) does not fit: at most ${maxTokens} tokens can be generated after this ` +
        `${promptParam}`,
      'min_tokens',
    );
  }
  return {
    strings: p.stopStrings,
    eosTokenIds: [...ctx.model.eosTokenIds],
    ignoreEos: p.ignoreEos,
    maxTokens,
    minTokens: p.minTokens,
    tokenIds: p.stopTokenIds,
    includeInOutput: p.includeStopStr,
  };
}

export function sequenceRequest(
  id: string,
  promptIds: number[],
  p: ResolvedParams,
  stop: StopParams,
  i: number,
): GenerationRequest {
  const request: GenerationRequest = {
    id,
    promptIds,
    sampling: { ...p.sampling, seed: deriveSeed(p.sampling.seed, i) },
    stop,
    selar: p.selar,
    skipSpecialTokens: p.skipSpecialTokens,
    priority: p.priority,
    promptLogprobs: p.enginePromptLogprobs,
    thinking: p.thinking,
  };
  if (p.grammar) {
    request.grammar = p.grammar.spec;
    request.grammarParam = p.grammar.param;
  }
  return request;
}
