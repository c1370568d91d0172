// The parts of the server's wire format the page reads (docs/api.md): streamed
// chat.completion.chunk frames with the SeLaR extensions, usage, errors and /v1/models.

/** One candidate of a soft step's mixture (`selar.trace: "mix"`), with the weight actually used. */
export interface MixEntry {
  id: number;
  token: string;
  weight: number;
}

export interface SelarTraceEntry {
  entropy: number;
  soft: boolean;
  /** With `trace: "mix"`, on soft entries: the successor step's soft input. */
  mix?: MixEntry[];
}

export interface TopLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
}
export interface TokenLogprob extends TopLogprob {
  top_logprobs: TopLogprob[];
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  completion_tokens_details?: { reasoning_tokens?: number; soft_tokens?: number };
}

/** One fragment of a streamed tool call: index, id, type and name first, then `arguments` pieces. */
export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChunkChoice {
  index: number;
  delta: {
    role?: string;
    content?: string | null;
    reasoning_content?: string | null;
    tool_calls?: ToolCallDelta[];
  };
  logprobs: { content: TokenLogprob[] | null } | null;
  finish_reason: string | null;
  token_ids?: number[];
  selar_trace?: SelarTraceEntry[];
}

export interface ChatChunk {
  id: string;
  model: string;
  choices: ChunkChoice[];
  usage?: Usage | null;
}

export interface ApiErrorBody {
  error: { message: string; type?: string; code?: string | null; param?: string | null };
}

export interface ModelList {
  data: Array<{ id: string; max_model_len?: number }>;
}
