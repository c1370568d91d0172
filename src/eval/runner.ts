// Runs every (configuration, problem, sample) that the results file does not hold
// yet. Configurations run one after another, each with up to `concurrency`
// requests in flight, so the wall time (and tokens/s) of each is its own.
import type { ChatResult } from './client.js';
import { fingerprint, sampleSeed, type DecodingConfig } from './configs.js';
import type { Problem } from './dataset.js';
import { extractAnswer, gradedText, sameNumber } from './extract.js';
import { resultKey, type ResultRecord, type ResultsFile } from './results-file.js';

export interface Task {
  config: DecodingConfig;
  fingerprint: string;
  problem: Problem;
  sample: number;
  seed: number | null;
}

export interface PromptOptions {
  model: string;
  system: string | null;
  seedBase: number;
}

/** Everything that changes what a request returns, hashed into the results' keys. */
export function configFingerprint(config: DecodingConfig, p: PromptOptions): string {
  return fingerprint(p.model, config, { system: p.system, ...(config.seeded ? { seedBase: p.seedBase } : {}) });
}

export function planTasks(configs: DecodingConfig[], problems: Problem[], p: PromptOptions): Task[] {
  const tasks: Task[] = [];
  for (const config of configs) {
    const fp = configFingerprint(config, p);
    for (const problem of problems) {
      for (let sample = 0; sample < config.samples; sample++) {
        tasks.push({
          config,
          fingerprint: fp,
          problem,
          sample,
          seed: config.seeded ? sampleSeed(problem.id, sample, p.seedBase) : null,
        });
      }
    }
  }
  return tasks;
}

export function chatRequestBody(task: Task, p: PromptOptions): Record<string, unknown> {
  const messages = [
    ...(p.system !== null ? [{ role: 'system', content: p.system }] : []),
    { role: 'user', content: task.problem.question },
  ];
  return { model: p.model, messages, ...task.config.request, ...(task.seed !== null ? { seed: task.seed } : {}) };
}

export function gradeResult(
  task: Task,
  reply: ChatResult,
  startedAt: number,
  endedAt: number,
  concurrency: number,
): ResultRecord {
  const extracted = extractAnswer(gradedText(reply.content, reply.reasoning));
  return {
    config: task.config.name,
    fingerprint: task.fingerprint,
    problem: task.problem.id,
    sample: task.sample,
    seed: task.seed,
    steps: task.problem.steps,
    kind: task.problem.kind,
    gold: task.problem.answer,
    predicted: extracted?.value ?? null,
    method: extracted?.method ?? null,
    correct: extracted !== null && sameNumber(extracted.value, task.problem.answer),
    prompt_tokens: reply.promptTokens,
    completion_tokens: reply.completionTokens,
    soft_tokens: reply.softTokens,
    finish_reason: reply.finishReason,
    started_at: startedAt,
    ended_at: endedAt,
    concurrency,
    content: reply.content,
    reasoning: reply.reasoning,
  };
}

export interface RunHooks {
  /** Called once per configuration before its requests start, with how many remain. */
  onConfig?(config: DecodingConfig, remaining: number): void;
  onResult?(record: ResultRecord): void;
}

export interface RunOptions {
  prompt: PromptOptions;
  concurrency: number;
  send: (body: Record<string, unknown>) => Promise<ChatResult>;
  results: ResultsFile;
  /** Keys already in the results file. */
  done: ReadonlySet<string>;
  hooks?: RunHooks;
}

/**
 * Runs the tasks not yet done and returns how many it ran. On the first failed
 * request no new requests start; those in flight finish and are saved, then the
 * error is thrown, so a rerun resumes exactly where this one stopped.
 */
export async function runTasks(tasks: Task[], o: RunOptions): Promise<number> {
  let ran = 0;
  const byConfig = new Map<DecodingConfig, Task[]>();
  for (const t of tasks) {
    if (o.done.has(resultKey(t.fingerprint, t.problem.id, t.sample))) continue;
    const list = byConfig.get(t.config);
    if (list) list.push(t);
    else byConfig.set(t.config, [t]);
  }
  for (const [config, todo] of byConfig) {
    o.hooks?.onConfig?.(config, todo.length);
    let next = 0;
    let failure: unknown = null;
    const lane = async () => {
      while (failure === null && next < todo.length) {
        const task = todo[next++];
        const startedAt = Date.now();
        try {
          const reply = await o.send(chatRequestBody(task, o.prompt));
          const record = gradeResult(task, reply, startedAt, Date.now(), o.concurrency);
          o.results.append(record);
          ran++;
          o.hooks?.onResult?.(record);
        } catch (err) {
          failure ??= err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency, todo.length) }, lane));
    if (failure !== null) throw failure;
  }
  return ran;
}
