// A scripted Engine for route tests: emits given token events, can be slow, fail
// mid-stream, report overloaded or stay un-ready, and records every request and
// signal it received, so tests can assert on the resolved GenerationRequest.
import { setTimeout as sleep } from 'node:timers/promises';
import { SelarError } from '../../src/errors.js';
import type {
  Engine,
  EngineStats,
  FinishReason,
  GenerationEvent,
  GenerationRequest,
  ModelInfo,
  TokenEvent,
} from '../../src/engine/types.js';
import { ID } from './tiny-tokenizer.js';

export type ScriptToken = {
  id: number;
  text: string;
  reasoning?: boolean;
  entropy?: number;
  soft?: boolean;
  hot?: boolean;
};

export const HELLO: ScriptToken[] = [
  { id: ID.Hello, text: 'Hello' },
  { id: ID[' world'], text: ' world' },
  { id: ID['!'], text: '!' },
];

export interface FakeEngineOptions {
  model?: Partial<ModelInfo>;
  /** Tokens to emit for a request (default: "Hello world!"). Cut at stop.maxTokens. */
  script?: (req: GenerationRequest) => ScriptToken[];
  /** Text flushed with the finish event. */
  finalText?: string;
  /** Wait before every token (ms), and before the first one. */
  tokenDelayMs?: number;
  firstTokenDelayMs?: number;
  /** Throw worker_failed after this many tokens. */
  failAfter?: number;
  /** Reject every generation (or those the predicate picks) with overloaded. */
  overloaded?: boolean | ((req: GenerationRequest) => boolean);
  /** Like overloaded, but thrown by generate() itself, as the worker pool's admission does. */
  refuseAtAdmission?: (req: GenerationRequest) => boolean;
  /** ready() resolves when this does (default: immediately). */
  readyWhen?: Promise<void>;
}

export const TINY_MODEL: ModelInfo = {
  id: 'tiny',
  contextLength: 64,
  vocabSize: 16,
  hiddenSize: 8,
  eosTokenIds: [2],
  promptLogits: true,
  thinkTokenIds: null,
  generationDefaults: {},
  selarDefaults: {},
};

export class FakeEngine implements Engine {
  readonly model: ModelInfo;
  readonly requests: GenerationRequest[] = [];
  readonly signals: AbortSignal[] = [];
  running = 0;
  closed = false;
  private readonly opts: FakeEngineOptions;
  private readonly readyPromise: Promise<void>;

  constructor(opts: FakeEngineOptions = {}) {
    this.opts = opts;
    this.model = { ...TINY_MODEL, ...opts.model };
    this.readyPromise = opts.readyWhen ?? Promise.resolve();
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  stats(): EngineStats {
    return { workers: 1, readyWorkers: 1, failedWorkers: 0, queued: 0, running: this.running, queueCapacity: 4 };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  generate(request: GenerationRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent> {
    if (this.opts.refuseAtAdmission?.(request))
      throw new SelarError('overloaded', 'The server is busy; try again shortly');
    this.requests.push(request);
    const sig = signal ?? new AbortController().signal;
    this.signals.push(sig);
    return this.run(request, sig);
  }

  private async *run(req: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
    const o = this.opts;
    const over = typeof o.overloaded === 'function' ? o.overloaded(req) : o.overloaded;
    if (over) throw new SelarError('overloaded', 'The server is busy; try again shortly');
    this.running++;
    try {
      const script = (o.script ?? (() => HELLO))(req).slice(0, req.stop.maxTokens);
      let soft = 0;
      let reasoning = 0;
      let hot = 0;
      for (let i = 0; i < script.length; i++) {
        const wait = i === 0 ? (o.firstTokenDelayMs ?? o.tokenDelayMs) : o.tokenDelayMs;
        if (wait) {
          try {
            await sleep(wait, undefined, { signal });
          } catch {
            return; // aborted: end without a finish event, as the engine does
          }
        }
        if (signal.aborted) return;
        if (o.failAfter !== undefined && i >= o.failAfter)
          throw new SelarError('worker_failed', 'worker 0 exited unexpectedly');
        const s = script[i];
        const ev: TokenEvent = {
          type: 'token',
          id: s.id,
          text: s.text,
          entropy: s.entropy ?? 0.25,
          soft: s.soft ?? false,
          reasoning: s.reasoning ?? false,
        };
        if (req.sampling.logprobs) {
          ev.logprob = -0.5;
          ev.topLogprobs = Array.from({ length: req.sampling.topLogprobs }, (_, k) => ({
            id: (s.id + k) % this.model.vocabSize,
            logprob: -0.5 - k,
          }));
        }
        // Like the engine: `hot` is reported in hot mode only.
        if (req.selar.mode === 'hot') ev.hot = s.hot ?? false;
        // Scripted prompt logprobs: token i gets -i/10, its alternatives the next ids.
        if (i === 0 && req.promptLogprobs !== null) {
          ev.promptLogprobs = req.promptIds.map((id, p) =>
            p === 0
              ? null
              : {
                  id,
                  logprob: -p / 10,
                  rank: 1,
                  top: Array.from({ length: req.promptLogprobs! }, (_, k) => ({
                    id: (id + k) % this.model.vocabSize,
                    logprob: -p / 10 - k,
                  })),
                },
          );
        }
        if (ev.hot) hot++;
        if (ev.soft) soft++;
        if (ev.reasoning) reasoning++;
        yield ev;
      }
      const reason: FinishReason = script.length >= req.stop.maxTokens ? 'length' : 'stop';
      yield {
        type: 'finish',
        reason,
        text: o.finalText ?? '',
        promptTokens: req.promptIds.length,
        completionTokens: script.length,
        softTokens: soft,
        hotTokens: hot,
        reasoningTokens: reasoning,
        thinkingEnd: null,
      };
    } finally {
      this.running--;
    }
  }
}
