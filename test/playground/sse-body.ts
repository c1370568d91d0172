// A captured chat stream, summed up the way the page should show it: every trace
// entry in order, and the final usage.
export interface CapturedStream {
  trace: Array<{ entropy: number; soft: boolean; mix?: Array<{ id: number; token: string; weight: number }> }>;
  usage: { completion_tokens: number; completion_tokens_details: { soft_tokens: number } };
  requestBody: Record<string, unknown>;
}

export function parseChatStream(body: string, requestBody: Record<string, unknown>): CapturedStream {
  const frames = body
    .split('\n\n')
    .filter((f) => f.startsWith('data: '))
    .map((f) => f.slice(6));
  if (frames.at(-1) !== '[DONE]') throw new Error(`stream did not end with [DONE]: ${body.slice(-200)}`);
  const trace: CapturedStream['trace'] = [];
  let usage: CapturedStream['usage'] | null = null;
  for (const f of frames.slice(0, -1)) {
    const chunk = JSON.parse(f);
    if (chunk.error) throw new Error(`error frame: ${f}`);
    for (const c of chunk.choices) trace.push(...(c.selar_trace ?? []));
    if (chunk.usage) usage = chunk.usage;
  }
  if (usage === null) throw new Error('stream carried no usage chunk');
  return { trace, usage, requestBody };
}
