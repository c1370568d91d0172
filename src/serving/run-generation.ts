// Drives a GenerationPlan through the engine: either to one response object or to
// a sequence of SSE frames. Transport-agnostic: the HTTP layer writes what it gets.
import { SelarError } from '../errors.js';
import type { FinishEvent, TokenEvent } from '../engine/types.js';
import type { ChatCompletion } from '../protocol/chat.js';
import type { Completion } from '../protocol/completions.js';
import { ChatChunks, chatCompletion } from './chat-response.js';
import { ChoiceState, type Delta } from './choice-state.js';
import { CompletionChunks, completion } from './completion-response.js';
import type { ServingContext } from './context.js';
import { TokenRenderer } from './logprobs.js';
import { mergeSequences, type IndexedEvent } from './merge-sequences.js';
import type { GenerationPlan } from './plan.js';
import { SSE_DONE, sseData, sseError } from './sse.js';
import { DeltaBatcher } from './stream-interval.js';

/** Sees every event as it happens (metrics, logs). */
export interface GenerationObserver {
  token(index: number, ev: TokenEvent): void;
  finish(index: number, ev: FinishEvent): void;
}

/** Why the signal was aborted (the HTTP layer aborts with a SelarError), else `cancelled`. */
function abortError(signal: AbortSignal): SelarError {
  return signal.reason instanceof SelarError ? signal.reason : new SelarError('cancelled', 'The request was cancelled');
}

async function* events(plan: GenerationPlan, ctx: ServingContext, signal: AbortSignal): AsyncGenerator<IndexedEvent> {
  try {
    yield* mergeSequences(ctx.engine, plan.sequences, signal);
  } catch (err) {
    // Once we aborted, the engine's own 'cancelled' hides the real reason (deadline, disconnect).
    if (signal.aborted) throw abortError(signal);
    throw err;
  }
  if (signal.aborted) throw abortError(signal);
}

function apply(states: ChoiceState[], { index, event }: IndexedEvent, observer: GenerationObserver): Delta | null {
  if (event.type === 'token') {
    observer.token(index, event);
    return states[index].token(event);
  }
  observer.finish(index, event);
  return states[index].end(event);
}

function checkFinished(states: ChoiceState[]): void {
  const open = states.find((s) => s.finish === null);
  if (open) throw new SelarError('internal', `generation of choice ${open.index} ended without a finish reason`);
}

/**
 * Runs the plan: every engine event is applied to its choice, and the delta it
 * released (null when it released none) is yielded. Ends once every choice finished.
 */
export async function* choiceDeltas(
  plan: GenerationPlan,
  ctx: ServingContext,
  states: ChoiceState[],
  signal: AbortSignal,
  observer: GenerationObserver,
): AsyncGenerator<Delta | null> {
  for await (const ev of events(plan, ctx, signal)) yield apply(states, ev, observer);
  checkFinished(states);
}

export const choiceStates = (plan: GenerationPlan): ChoiceState[] => plan.sequences.map((_, i) => new ChoiceState(i));

export async function generateResponse(
  plan: GenerationPlan,
  ctx: ServingContext,
  signal: AbortSignal,
  observer: GenerationObserver,
): Promise<ChatCompletion | Completion> {
  const states = choiceStates(plan);
  for await (const _ of choiceDeltas(plan, ctx, states, signal, observer)) void _;
  const renderer = new TokenRenderer(ctx.tokenizer);
  return plan.kind === 'chat' ? chatCompletion(plan, states, ctx, renderer) : completion(plan, states, ctx, renderer);
}

/**
 * choiceDeltas as streams send them, batched by --stream-interval: each engine event
 * yields the deltas to send now (often none). When the run fails, text the client
 * was owed is yielded before the failure propagates.
 */
export async function* streamedDeltas(
  plan: GenerationPlan,
  ctx: ServingContext,
  states: ChoiceState[],
  signal: AbortSignal,
  observer: GenerationObserver,
): AsyncGenerator<Delta[]> {
  const batcher = new DeltaBatcher(states.length, ctx.config.streamInterval);
  try {
    for await (const delta of choiceDeltas(plan, ctx, states, signal, observer)) {
      const send = delta && batcher.add(delta);
      yield send ? [send] : [];
    }
  } catch (err) {
    const held = batcher.flush();
    if (held.length > 0) yield held;
    throw err;
  }
}

/**
 * Yields SSE text. Nothing is yielded before the first engine event, so admission
 * failures (overloaded) still throw before any byte is sent and become a plain HTTP
 * error; a failure after the first yield is the caller's to turn into an error frame.
 */
export async function* generateStream(
  plan: GenerationPlan,
  ctx: ServingContext,
  signal: AbortSignal,
  observer: GenerationObserver,
): AsyncGenerator<string> {
  const states = choiceStates(plan);
  const renderer = new TokenRenderer(ctx.tokenizer);
  // Chat chunks also turn tool calls into their own frames.
  const chat = plan.kind === 'chat' ? new ChatChunks(plan, ctx, renderer) : null;
  const chunks = chat ?? new CompletionChunks(plan, ctx, renderer);
  let started = false;
  for await (const deltas of streamedDeltas(plan, ctx, states, signal, observer)) {
    let out = '';
    if (!started) {
      started = true;
      // A chat choice opens with its role; a completion choice with its echoed prompt, if any.
      for (const s of states) {
        const first = chunks.opening(s.index);
        if (first) out += sseData(first);
      }
    }
    for (const d of deltas) out += chat ? chat.frames(d).map(sseData).join('') : sseData(chunks.delta(d));
    if (out !== '') yield out;
  }
  let tail = '';
  if (plan.params.includeUsage) tail += sseData(chunks.usage(states));
  yield tail + SSE_DONE;
}

/** A stream's SSE text, and the text that ends it when it fails after the headers are out. */
export interface StreamRun {
  frames: AsyncIterable<string>;
  failure(err: unknown): string;
}

/** How an endpoint turns a plan into its JSON body or its stream. */
export interface Runner<P extends GenerationPlan> {
  json(plan: P, ctx: ServingContext, signal: AbortSignal, observer: GenerationObserver): Promise<unknown>;
  stream(plan: P, ctx: ServingContext, signal: AbortSignal, observer: GenerationObserver): StreamRun;
}

/** Chat and completions: OpenAI's chunk streams; a failure is a `data: {error}` frame and `[DONE]`. */
export const completionRunner: Runner<GenerationPlan> = {
  json: generateResponse,
  stream: (plan, ctx, signal, observer) => ({ frames: generateStream(plan, ctx, signal, observer), failure: sseError }),
};
