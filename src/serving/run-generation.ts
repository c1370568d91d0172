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
import { SSE_DONE, sseData } from './sse.js';
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

export async function generateResponse(plan: GenerationPlan, ctx: ServingContext, signal: AbortSignal, observer: GenerationObserver): Promise<ChatCompletion | Completion> {
  const states = plan.sequences.map((_, i) => new ChoiceState(i));
  for await (const ev of events(plan, ctx, signal)) apply(states, ev, observer);
  checkFinished(states);
  const renderer = new TokenRenderer(ctx.tokenizer);
  return plan.kind === 'chat' ? chatCompletion(plan, states, ctx, renderer) : completion(plan, states, ctx, renderer);
}

/**
 * Yields SSE text. Nothing is yielded before the first engine event, so admission
 * failures (overloaded) still throw before any byte is sent and become a plain HTTP
 * error; a failure after the first yield is the caller's to turn into an error frame.
 */
export async function* generateStream(plan: GenerationPlan, ctx: ServingContext, signal: AbortSignal, observer: GenerationObserver): AsyncGenerator<string> {
  const states = plan.sequences.map((_, i) => new ChoiceState(i));
  const renderer = new TokenRenderer(ctx.tokenizer);
  const chunks = plan.kind === 'chat' ? new ChatChunks(plan, ctx, renderer) : new CompletionChunks(plan, ctx, renderer);
  const batcher = new DeltaBatcher(states.length, ctx.config.streamInterval);
  let started = false;
  try {
    for await (const ev of events(plan, ctx, signal)) {
      let out = '';
      if (!started) {
        started = true;
        // A chat choice opens with its role; a completion choice with its echoed prompt, if any.
        for (const s of states) {
          const first = chunks.opening(s.index);
          if (first) out += sseData(first);
        }
      }
      const delta = apply(states, ev, observer);
      const send = delta && batcher.add(delta);
      if (send) out += sseData(chunks.delta(send));
      if (out !== '') yield out;
    }
  } catch (err) {
    // Text the client was owed still goes out before the error frame.
    const held = batcher.flush();
    if (held.length > 0) yield held.map((d) => sseData(chunks.delta(d))).join('');
    throw err;
  }
  checkFinished(states);
  let tail = '';
  if (plan.params.includeUsage) tail += sseData(chunks.usage(states));
  yield tail + SSE_DONE;
}
