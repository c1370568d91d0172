// Runs a ResponsesPlan on the shared generation path, to one response object or to
// the Responses API's event stream (`event:` + `data:` frames, numbered from 0, no
// [DONE]). A finished response is stored unless the request said `store: false`.
import type { ResponseObject } from '../../protocol/responses.js';
import type { ChoiceState } from '../choice-state.js';
import type { ServingContext } from '../context.js';
import { TokenRenderer } from '../logprobs.js';
import { toOpenAIError } from '../openai-error.js';
import {
  choiceDeltas,
  choiceStates,
  streamedDeltas,
  type GenerationObserver,
  type Runner,
  type StreamRun,
} from '../run-generation.js';
import { OutputItems, type StreamEvent } from './output-items.js';
import type { ResponsesPlan } from './plan.js';
import { responseObject } from './response-object.js';
import type { ResponseStore } from './store.js';

function outputItems(plan: ResponsesPlan, ctx: ServingContext): OutputItems {
  const p = plan.params;
  return new OutputItems({
    trace: p.selar.trace !== false,
    logprobs: p.sampling.logprobs,
    renderer: new TokenRenderer(ctx.tokenizer),
    tools: plan.tools ?? null,
  });
}

function finished(plan: ResponsesPlan, states: ChoiceState[], out: OutputItems, store: ResponseStore): ResponseObject {
  const status = states[0].finish?.reason === 'length' ? 'incomplete' : 'completed';
  const response = responseObject(plan, { status, output: out.items, states });
  if (plan.store)
    store.put({ response, inputItems: plan.inputItems, conversation: [...plan.conversation, ...response.output] });
  return response;
}

class ResponseStream {
  private sequence = 0;
  private readonly states: ChoiceState[];
  private readonly out: OutputItems;

  constructor(
    private readonly plan: ResponsesPlan,
    private readonly ctx: ServingContext,
    private readonly store: ResponseStore,
  ) {
    this.states = choiceStates(plan);
    this.out = outputItems(plan, ctx);
  }

  private frames(events: StreamEvent[]): string {
    let text = '';
    for (const { type, ...rest } of events) {
      text += `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.sequence++, ...rest })}\n\n`;
    }
    return text;
  }

  private lifecycle(type: string, response: ResponseObject): StreamEvent {
    return { type, response };
  }

  async *run(signal: AbortSignal, observer: GenerationObserver): AsyncGenerator<string> {
    const { plan, ctx, states, out } = this;
    let started = false;
    for await (const deltas of streamedDeltas(plan, ctx, states, signal, observer)) {
      let text = '';
      if (!started) {
        // Sent with the first engine event, so an admission failure is still a plain HTTP error.
        started = true;
        const created = responseObject(plan, { status: 'in_progress', output: [], states });
        text += this.frames([
          this.lifecycle('response.created', created),
          this.lifecycle('response.in_progress', created),
        ]);
      }
      for (const d of deltas) text += this.frames(out.push(d));
      if (text !== '') yield text;
    }
    const closing = out.finish(states[0]);
    const response = finished(plan, states, out, this.store);
    yield this.frames([...closing, this.lifecycle(`response.${response.status}`, response)]);
  }

  /** After the headers: the response as failed, then an `error` event (the openai SDK's stream helper raises it). */
  failure(err: unknown): string {
    const { status, body } = toOpenAIError(err);
    const { message, code, param } = body.error;
    const failed = responseObject(this.plan, {
      status: 'failed',
      output: this.out.items,
      states: this.states,
      error: { code: status === 429 ? 'rate_limit_exceeded' : 'server_error', message },
    });
    return this.frames([this.lifecycle('response.failed', failed), { type: 'error', code, message, param }]);
  }
}

export function responsesRunner(store: ResponseStore): Runner<ResponsesPlan> {
  return {
    async json(plan, ctx, signal, observer) {
      const states = choiceStates(plan);
      const out = outputItems(plan, ctx);
      for await (const d of choiceDeltas(plan, ctx, states, signal, observer)) if (d) out.push(d);
      out.finish(states[0]);
      return finished(plan, states, out, store);
    },
    stream(plan, ctx, signal, observer): StreamRun {
      const stream = new ResponseStream(plan, ctx, store);
      return { frames: stream.run(signal, observer), failure: (err) => stream.failure(err) };
    },
  };
}
