// Checks that a chat completion stream is well-formed SSE, byte for byte the way
// OpenAI sends it: `data: {json}\n\n` frames (and `: ping` comments), one id, the
// assistant role first, deltas, exactly one finish_reason, then `data: [DONE]`.
export interface StreamCheck {
  ok: boolean;
  problems: string[];
  content: string;
  finishReason: string | null;
  /** An in-band error frame's code, if the stream carried one. */
  errorCode: string | null;
}

export function checkChatStream(body: string): StreamCheck {
  const problems: string[] = [];
  let content = '';
  let finishReason: string | null = null;
  let errorCode: string | null = null;
  if (!body.endsWith('\n\n')) problems.push('does not end with a blank line');
  const frames = body.split('\n\n').slice(0, -1);
  if (frames.at(-1) !== 'data: [DONE]') problems.push('last frame is not data: [DONE]');
  let id: string | null = null;
  let sawRole = false;
  frames.forEach((f, i) => {
    if (f.startsWith(': ')) return; // ping comment
    if (!f.startsWith('data: ')) {
      problems.push(`frame ${i} is not a data frame`);
      return;
    }
    if (f === 'data: [DONE]') {
      if (i !== frames.length - 1) problems.push(`[DONE] at frame ${i} is not last`);
      return;
    }
    let chunk: any;
    try {
      chunk = JSON.parse(f.slice(6));
    } catch {
      problems.push(`frame ${i} is not JSON`);
      return;
    }
    if (chunk.error) {
      errorCode = chunk.error.code ?? 'unknown';
      return;
    }
    if (chunk.object !== 'chat.completion.chunk') problems.push(`frame ${i}: object ${chunk.object}`);
    id ??= chunk.id;
    if (chunk.id !== id) problems.push(`frame ${i}: id changed`);
    for (const c of chunk.choices ?? []) {
      if (c.index !== 0) problems.push(`frame ${i}: choice index ${c.index}`);
      if (c.delta?.role === 'assistant') sawRole = true;
      else if (!sawRole) problems.push(`frame ${i}: delta before the role chunk`);
      if (typeof c.delta?.content === 'string') content += c.delta.content;
      if (c.finish_reason != null) {
        if (finishReason !== null) problems.push(`frame ${i}: second finish_reason`);
        finishReason = c.finish_reason;
      }
    }
  });
  if (errorCode === null && finishReason === null) problems.push('no finish_reason');
  return { ok: problems.length === 0 && errorCode === null, problems, content, finishReason, errorCode };
}
