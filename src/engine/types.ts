// The engine's vocabulary: a fully-resolved generation request and the events it
// produces. Everything downstream of validation speaks only these types; the
// worker protocol and the HTTP layer both build on them.
import type { GrammarSpec } from '../grammar/spec.js';
import type { ModelSelarDefaults } from '../model/selar-defaults.js';

/**
 * selar: entropy-gated soft steps; soft: every step soft; off: plain decoding;
 * soft_thinking: every thinking step is a concept token (Soft Thinking).
 * Ablations: random: soft steps at random with probability softRate;
 * hot: where the gate fires, stay discrete but sample the visible token at hotTemperature.
 */
export type SelarMode = 'selar' | 'soft' | 'off' | 'random' | 'hot' | 'soft_thinking';

/** Stochastic mixing: how a soft input's weights are drawn around q. */
export type NoiseKind = 'none' | 'gumbel' | 'dirichlet';

/** Sampling settings a method may switch to (Soft Thinking's after_thinking). */
export type FilterSettings = Pick<SamplingParams, 'temperature' | 'topK' | 'topP' | 'minP'>;

/** Mode soft_thinking's knobs (docs/api.md "Soft Thinking"). */
export interface SoftThinkingParams {
  /** Candidates in the concept token (1..64). */
  maxTopk: number;
  /** Candidates below minP × the top probability are dropped before the top maxTopk. */
  minP: number;
  /** Cold Stop: entropy (nats) below which a thinking step counts; 0 disables. */
  coldStopEntropy: number;
  /** Cold Stop: consecutive low-entropy thinking steps that inject the end of thinking. */
  coldStopSteps: number;
  /** Sampling settings outside the thinking section; null: the request's own value. */
  afterThinking: { [K in keyof FilterSettings]: FilterSettings[K] | null };
}

export interface SelarParams {
  mode: SelarMode;
  /** k: candidates mixed into a soft embedding and used for the entropy (2..64). */
  topK: number;
  /** tau in [0,1], compared with the normalised top-k entropy. */
  entropyThreshold: number;
  /** w >= 0: strength of the push away from the top-1 embedding. */
  contrastiveWeight: number;
  discreteTokens: 'math' | 'none';
  scope: 'all' | 'thinking';
  /** true: entropy and soft flag per token; 'mix': also each soft step's candidates and weights. */
  trace: boolean | 'mix';
  /** The end-of-thinking string (selar.think_end or the tokenizer's </think>); null: none. */
  thinkEnd: string | null;
  /** Stochastic mixing of every soft input's weights. */
  noise: NoiseKind;
  /** noise gumbel: the Gumbel-softmax temperature. */
  noiseTemperature: number;
  /** noise dirichlet: weights ~ Dirichlet(noiseAlpha · q). */
  noiseAlpha: number;
  /** Mode soft_thinking's knobs (defaults in other modes, unused there). */
  softThinking: SoftThinkingParams;
  /** Gate entropy: the normalised top-k entropy (reference) or the full-vocabulary entropy / ln|V|. */
  entropy: 'topk' | 'full';
  /** random mode: probability of a soft step. */
  softRate: number;
  /** hot mode: temperature of the visible token where the gate fires. */
  hotTemperature: number;
}

export interface SamplingParams {
  /** 0 means greedy. */
  temperature: number;
  /** 0 disables. */
  topK: number;
  /** 1 disables. */
  topP: number;
  /** 0 disables. */
  minP: number;
  /** null: seeded from entropy, so the run is not reproducible. */
  seed: number | null;
  presencePenalty: number;
  frequencyPenalty: number;
  /** 1 disables. */
  repetitionPenalty: number;
  /** token id → additive bias. */
  logitBias: ReadonlyArray<readonly [number, number]>;
  /** 0 = no logprobs; otherwise the number of alternatives (top_logprobs), plus the chosen token. */
  logprobs: boolean;
  topLogprobs: number;
  /** bad_words as token sequences (vLLM): a sequence's last token is masked after the rest. */
  badWords: number[][];
  /** allowed_token_ids: every other id is masked; null: no restriction. */
  allowedTokenIds: number[] | null;
}

export interface StopParams {
  /** Generation stops before these strings; they are never emitted. */
  strings: string[];
  /** Token ids that end generation (eos). The id itself is not emitted as text. */
  eosTokenIds: number[];
  ignoreEos: boolean;
  maxTokens: number;
  minTokens: number;
  /** stop_token_ids: end the sequence like eos (also under ignoreEos); masked before minTokens. */
  tokenIds: number[];
  /** include_stop_str_in_output: the matched stop string, or the stop token's text, stays in the output. */
  includeInOutput: boolean;
}

export interface GenerationRequest {
  /** Unique per sequence, used to route events and cancellations. */
  id: string;
  promptIds: number[];
  sampling: SamplingParams;
  stop: StopParams;
  selar: SelarParams;
  /** skip_special_tokens: special tokens are left out of the text (the think tags always are). */
  skipSpecialTokens: boolean;
  /** Admission order while every slot is busy: lower first, FCFS within a value (vLLM's priority). */
  priority: number;
  /** Logprobs of the prompt's tokens with this many alternatives each (prompt_logprobs, echo); null: none. */
  promptLogprobs: number | null;
  /** Structured output: the grammar the visible tokens must follow (docs/api.md, "Structured outputs"). */
  grammar?: GrammarSpec | null;
  /** The request parameter the grammar came from (named by a 400 when it cannot be compiled in time). */
  grammarParam?: string;
  thinking: ThinkingBudget;
}

/** The thinking budget (reasoning_effort, max_thinking_tokens). */
export interface ThinkingBudget {
  /** Tokens generated strictly inside <think>…</think> before the end tag is injected; null: no budget. */
  budget: number | null;
  /**
   * The end-of-thinking string's token ids (selar.think_end, default the tokenizer's `</think>`):
   * the thinking section ends when the generated ids end with them; injected one per step when
   * the budget is spent or Cold Stop fires. Empty: the model has no thinking section.
   */
  endIds: number[];
  /** A model without think tags but with a think_end: every sequence starts inside the section. */
  startsInside: boolean;
}

/** What ended a sequence's thinking section (usage.completion_tokens_details.latent.thinking_ended). */
export type ThinkingEnd = 'model' | 'budget' | 'cold_stop';

/** One soft input's candidates and the weights it used (selar.trace "mix"). */
export interface SoftMix {
  ids: number[];
  weights: number[];
}

export type FinishReason = 'stop' | 'length';

export interface TopLogprob {
  id: number;
  logprob: number;
}

/** One prompt token's log-probability given the tokens before it; rank 1 = the most probable. */
export interface PromptLogprob {
  id: number;
  logprob: number;
  rank: number;
  top: TopLogprob[];
}

/** One generated token, with the text it made visible (possibly empty while held back). */
export interface TokenEvent {
  type: 'token';
  id: number;
  /** Text released by this token; '' while a multi-byte character or a possible stop string is held back. */
  text: string;
  /** Normalised top-k entropy H at the step that chose this token. */
  entropy: number;
  /** Whether the step after this token was fed a soft embedding. */
  soft: boolean;
  /** hot mode: the token was sampled at hot_temperature because the gate fired. */
  hot?: boolean;
  /** trace "mix", soft steps: the soft input's candidates (weight > 0), weights and texts. */
  mix?: SoftMix & { tokens: string[] };
  /** Whether the token lies inside <think>…</think> (for reasoning_tokens). */
  reasoning: boolean;
  logprob?: number;
  topLogprobs?: TopLogprob[];
  /** On the first token of a request that asked: one entry per prompt token, the first null. */
  promptLogprobs?: Array<PromptLogprob | null>;
}

export interface FinishEvent {
  type: 'finish';
  reason: FinishReason;
  /** Text still held back when generation ended (flushed, stop strings removed). */
  text: string;
  promptTokens: number;
  completionTokens: number;
  softTokens: number;
  /** hot mode: tokens sampled at hot_temperature. */
  hotTokens: number;
  reasoningTokens: number;
  /** What ended the thinking section, or null (never left it, or no section). */
  thinkingEnd: ThinkingEnd | null;
}

export type GenerationEvent = TokenEvent | FinishEvent;

export interface ModelInfo {
  id: string;
  contextLength: number;
  vocabSize: number;
  hiddenSize: number;
  eosTokenIds: number[];
  /** The decoder can return every prompt position's logits (prompt_logprobs, echo with logprobs). */
  promptLogits: boolean;
  /** ids of <think> and </think> when the tokenizer has them. */
  thinkTokenIds: { open: number; close: number } | null;
  /** Generation defaults from generation_config.json. */
  generationDefaults: Partial<Pick<SamplingParams, 'temperature' | 'topK' | 'topP' | 'minP' | 'repetitionPenalty'>>;
  /** Recommended SeLaR defaults from generation_config.json's `selar` (request field names). */
  selarDefaults: ModelSelarDefaults;
}

export interface EngineStats {
  workers: number;
  readyWorkers: number;
  /** Workers that died and whose replacement could not load the model: capacity lost for good. */
  failedWorkers: number;
  queued: number;
  running: number;
  queueCapacity: number;
}

/**
 * The narrow interface the HTTP layer talks to. Routes are tested against a fake
 * implementation; the real one is the worker pool.
 */
export interface Engine {
  readonly model: ModelInfo;
  /** Resolves once every worker has loaded the model. */
  ready(): Promise<void>;
  /**
   * Starts a generation. Events arrive in order; the iterator ends after the
   * finish event. Aborting the signal cancels within one decode step.
   * Throws EngineError('overloaded') synchronously-at-first-next when the queue is full.
   */
  generate(request: GenerationRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent>;
  stats(): EngineStats;
  close(): Promise<void>;
}

/**
 * How a worker batches sequences of different lengths: 'exact', only equal-length
 * caches share a pass (each row bitwise as if alone); 'padded', all do, left-padded.
 */
export type Batching = 'exact' | 'padded';
