// /v1/responses: OpenAI's Responses API. Request, input items, the response object,
// stream events, and the stored-response endpoints. Input items accept exactly what
// the API returns as output items, so `response.output` can be sent back as `input`.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ChatTokenLogprob } from './chat.js';
import { LatentUsage, Nullable, OptionalNullable, SelarRequest, SelarTraceEntry, StringEnum } from './common.js';

const strict = { additionalProperties: false } as const;
const ItemStatus = StringEnum(['in_progress', 'completed', 'incomplete'] as const);
const optionalId = OptionalNullable(Type.String({ description: 'ignored on input' }));
const optionalStatus = OptionalNullable(ItemStatus);

// ---- input items

const InputText = Type.Object({ type: Type.Literal('input_text'), text: Type.String() }, strict);
const OutputTextPart = Type.Object(
  {
    type: Type.Literal('output_text'),
    text: Type.String(),
    annotations: Type.Optional(Type.Array(Type.Unknown(), { description: 'ignored' })),
    logprobs: OptionalNullable(Type.Array(Type.Unknown(), { description: 'ignored' })),
  },
  strict,
);
const RefusalPart = Type.Object({ type: Type.Literal('refusal'), refusal: Type.String() }, strict);
/** Accepted by the schema so the rejection can say why: the model reads text only. */
const NonTextPart = Type.Object(
  { type: StringEnum(['input_image', 'input_file', 'input_audio'] as const) },
  { additionalProperties: true, description: 'rejected with a 400: this server serves a text-only model' },
);
export const ContentPart = Type.Union([InputText, OutputTextPart, RefusalPart, NonTextPart]);
export type ContentPart = Static<typeof ContentPart>;

export const MessageItem = Type.Object(
  {
    type: Type.Optional(Type.Literal('message')),
    role: StringEnum(['user', 'assistant', 'system', 'developer'] as const, {
      description: '"developer" is rendered as "system"',
    }),
    content: Type.Union([Type.String(), Type.Array(ContentPart)]),
    id: optionalId,
    status: optionalStatus,
    phase: OptionalNullable(StringEnum(['commentary', 'final_answer'] as const, { description: 'ignored' })),
  },
  strict,
);
export type MessageItem = Static<typeof MessageItem>;

const ReasoningText = Type.Object({ type: Type.Literal('reasoning_text'), text: Type.String() }, strict);
const SummaryText = Type.Object({ type: Type.Literal('summary_text'), text: Type.String() }, strict);

export const ReasoningItem = Type.Object(
  {
    type: Type.Literal('reasoning'),
    summary: Type.Array(SummaryText),
    content: OptionalNullable(Type.Array(ReasoningText)),
    encrypted_content: OptionalNullable(
      Type.String({ description: 'must be null: this server returns reasoning in clear text' }),
    ),
    id: optionalId,
    status: optionalStatus,
  },
  strict,
);
export type ReasoningItem = Static<typeof ReasoningItem>;

export const FunctionCallItem = Type.Object(
  {
    type: Type.Literal('function_call'),
    call_id: Type.String(),
    name: Type.String(),
    arguments: Type.String({ description: 'JSON text' }),
    namespace: Type.Optional(Type.String()),
    id: optionalId,
    status: optionalStatus,
  },
  strict,
);
export type FunctionCallItem = Static<typeof FunctionCallItem>;

export const FunctionCallOutputItem = Type.Object(
  {
    type: Type.Literal('function_call_output'),
    call_id: Type.String(),
    output: Type.Union([Type.String(), Type.Array(Type.Union([InputText, NonTextPart]))]),
    id: optionalId,
    status: optionalStatus,
  },
  strict,
);
export type FunctionCallOutputItem = Static<typeof FunctionCallOutputItem>;

export const ItemReference = Type.Object(
  {
    type: Type.Optional(Type.Literal('item_reference')),
    id: Type.String({ description: 'an item of a stored response' }),
  },
  strict,
);
export type ItemReference = Static<typeof ItemReference>;

export const InputItem = Type.Union([
  MessageItem,
  ReasoningItem,
  FunctionCallItem,
  FunctionCallOutputItem,
  ItemReference,
]);
export type InputItem = Static<typeof InputItem>;

// ---- request

const Includable = StringEnum([
  'message.output_text.logprobs',
  'reasoning.encrypted_content',
  'file_search_call.results',
  'web_search_call.results',
  'web_search_call.action.sources',
  'message.input_image.image_url',
  'computer_call_output.output.image_url',
  'code_interpreter_call.outputs',
] as const);

export const ReasoningParam = Type.Object(
  {
    effort: OptionalNullable(StringEnum(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const)),
    summary: OptionalNullable(
      StringEnum(['auto', 'concise', 'detailed'] as const, { description: 'no summaries are generated' }),
    ),
    generate_summary: OptionalNullable(
      StringEnum(['auto', 'concise', 'detailed'] as const, { description: 'deprecated; as summary' }),
    ),
    context: OptionalNullable(StringEnum(['auto', 'current_turn', 'all_turns'] as const, { description: 'no-op' })),
  },
  strict,
);

/** Structured outputs on Responses: the json_schema fields sit on the format itself. */
export const TextFormat = Type.Union(
  [
    Type.Object({ type: Type.Literal('text') }, strict),
    Type.Object({ type: Type.Literal('json_object') }, strict),
    Type.Object(
      {
        type: Type.Literal('json_schema'),
        name: Type.String({ maxLength: 64 }),
        schema: Type.Record(Type.String(), Type.Unknown(), { description: 'a JSON Schema' }),
        description: Type.Optional(Type.String()),
        strict: OptionalNullable(Type.Boolean({ description: 'accepted; the output follows the schema either way' })),
      },
      strict,
    ),
  ],
  { description: 'text (default), any JSON object, or JSON matching a schema' },
);

export const TextParam = Type.Object(
  {
    format: OptionalNullable(TextFormat),
    verbosity: OptionalNullable(StringEnum(['low', 'medium', 'high'] as const, { description: 'no-op' })),
  },
  strict,
);

/** A function tool in the Responses shape: the function's fields sit on the tool itself. */
export const ResponsesFunctionTool = Type.Object(
  {
    type: Type.Literal('function'),
    name: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,64}$' }),
    description: OptionalNullable(Type.String()),
    parameters: OptionalNullable(
      Type.Record(Type.String(), Type.Unknown(), { description: 'a JSON Schema of the arguments' }),
    ),
    strict: OptionalNullable(Type.Boolean({ description: 'accepted; arguments follow the schema either way' })),
  },
  strict,
);
export type ResponsesFunctionTool = Static<typeof ResponsesFunctionTool>;

/** Tools OpenAI runs on its side: accepted by the schema so the rejection can say why. */
export const HOSTED_TOOL_TYPES = [
  'web_search',
  'web_search_2025_08_26',
  'web_search_preview',
  'web_search_preview_2025_03_11',
  'file_search',
  'computer_use',
  'computer_use_preview',
  'code_interpreter',
  'mcp',
  'image_generation',
  'local_shell',
  'shell',
  'apply_patch',
  'custom',
] as const;
const HostedTool = Type.Object(
  { type: StringEnum(HOSTED_TOOL_TYPES) },
  { additionalProperties: true, description: 'rejected with a 400: tools OpenAI hosts are not provided' },
);

const ToolChoice = Type.Union(
  [
    StringEnum(['none', 'auto', 'required'] as const),
    Type.Object({ type: Type.Literal('function'), name: Type.String() }, strict),
    Type.Object(
      { type: Type.String() },
      { additionalProperties: true, description: 'other forms (hosted tools, allowed_tools, mcp, custom): a 400' },
    ),
  ],
  { description: 'default "auto" with tools, "none" without' },
);

const NOOP = { description: 'no-op' };

export const ResponseCreateRequest = Type.Object(
  {
    model: Type.String(),
    input: Type.Union([Type.String(), Type.Array(InputItem)]),
    instructions: OptionalNullable(
      Type.String({ description: 'a system message first; not carried over by previous_response_id' }),
    ),
    max_output_tokens: OptionalNullable(Type.Integer({ minimum: 1 })),
    temperature: OptionalNullable(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: OptionalNullable(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    top_logprobs: OptionalNullable(Type.Integer({ minimum: 0, maximum: 20 })),
    include: OptionalNullable(Type.Array(Includable)),
    reasoning: OptionalNullable(ReasoningParam),
    text: OptionalNullable(TextParam),
    tools: OptionalNullable(Type.Array(Type.Union([ResponsesFunctionTool, HostedTool]), { maxItems: 128 })),
    tool_choice: OptionalNullable(ToolChoice),
    parallel_tool_calls: OptionalNullable(
      Type.Boolean({ description: 'default true: the model may make several calls' }),
    ),
    previous_response_id: OptionalNullable(
      Type.String({ description: 'a stored response whose conversation continues' }),
    ),
    store: OptionalNullable(Type.Boolean({ description: 'default true: keep the response in memory (per process)' })),
    stream: OptionalNullable(Type.Boolean()),
    stream_options: OptionalNullable(
      Type.Object({ include_obfuscation: OptionalNullable(Type.Boolean()) }, { ...strict, ...NOOP }),
    ),
    truncation: OptionalNullable(
      StringEnum(['auto', 'disabled'] as const, { description: 'auto: drop the oldest items to fit' }),
    ),
    metadata: OptionalNullable(
      Type.Record(Type.String({ maxLength: 64 }), Type.String({ maxLength: 512 }), {
        maxProperties: 16,
        description: 'echoed back; no other effect',
      }),
    ),
    user: OptionalNullable(Type.String({ description: 'echoed back; no other effect' })),
    safety_identifier: OptionalNullable(Type.String(NOOP)),
    prompt_cache_key: OptionalNullable(Type.String(NOOP)),
    prompt_cache_retention: OptionalNullable(StringEnum(['in_memory', '24h'] as const, NOOP)),
    service_tier: OptionalNullable(StringEnum(['auto', 'default', 'flex', 'scale', 'priority'] as const, NOOP)),
    background: OptionalNullable(Type.Boolean({ description: 'only false' })),
    conversation: Type.Optional(Type.Null({ description: 'only null: stored conversations are not provided' })),
    prompt: Type.Optional(Type.Null({ description: 'only null: prompt templates are not provided' })),
    selar: OptionalNullable(SelarRequest),
  },
  strict,
);
export type ResponseCreateRequest = Static<typeof ResponseCreateRequest>;

// ---- response

export const OutputText = Type.Object({
  type: Type.Literal('output_text'),
  text: Type.String(),
  annotations: Type.Array(Type.Never()),
  logprobs: Type.Array(ChatTokenLogprob),
});
export type OutputText = Static<typeof OutputText>;

export const OutputMessage = Type.Object({
  id: Type.String(),
  type: Type.Literal('message'),
  role: Type.Literal('assistant'),
  status: ItemStatus,
  content: Type.Array(OutputText),
});
export type OutputMessage = Static<typeof OutputMessage>;

export const OutputReasoning = Type.Object({
  id: Type.String(),
  type: Type.Literal('reasoning'),
  status: ItemStatus,
  summary: Type.Array(SummaryText),
  content: Type.Array(ReasoningText),
  encrypted_content: Type.Null(),
});
export type OutputReasoning = Static<typeof OutputReasoning>;

export const OutputFunctionCall = Type.Object({
  id: Type.String(),
  type: Type.Literal('function_call'),
  status: ItemStatus,
  call_id: Type.String(),
  name: Type.String(),
  arguments: Type.String({ description: 'JSON text' }),
});
export type OutputFunctionCall = Static<typeof OutputFunctionCall>;

export const OutputItem = Type.Union([OutputReasoning, OutputMessage, OutputFunctionCall]);
export type OutputItem = Static<typeof OutputItem>;

export const ResponseUsage = Type.Object({
  input_tokens: Type.Integer(),
  input_tokens_details: Type.Object({
    cached_tokens: Type.Integer({ description: 'always 0: prompts are not cached' }),
  }),
  output_tokens: Type.Integer(),
  output_tokens_details: Type.Object({
    reasoning_tokens: Type.Integer(),
    soft_tokens: Type.Integer({ description: 'generated tokens followed by a soft step' }),
    hot_tokens: Type.Optional(Type.Integer({ description: 'mode "hot" only' })),
    latent: Type.Optional(LatentUsage),
  }),
  total_tokens: Type.Integer(),
});
export type ResponseUsage = Static<typeof ResponseUsage>;

export const ResponseStatus = StringEnum(['in_progress', 'completed', 'incomplete', 'failed'] as const);

export const ResponseObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('response'),
  created_at: Type.Integer(),
  completed_at: Nullable(Type.Integer()),
  status: ResponseStatus,
  error: Nullable(
    Type.Object({ code: StringEnum(['server_error', 'rate_limit_exceeded'] as const), message: Type.String() }),
  ),
  incomplete_details: Nullable(Type.Object({ reason: Type.Literal('max_output_tokens') })),
  model: Type.String(),
  instructions: Nullable(Type.String()),
  previous_response_id: Nullable(Type.String()),
  output: Type.Array(OutputItem),
  usage: Nullable(ResponseUsage),
  max_output_tokens: Nullable(Type.Integer()),
  temperature: Type.Number(),
  top_p: Type.Number(),
  top_logprobs: Type.Integer(),
  reasoning: Type.Object({ effort: Nullable(Type.String()), summary: Nullable(Type.String()) }),
  text: Type.Object({ format: TextFormat, verbosity: Type.String() }),
  tools: Type.Array(
    Type.Object({
      type: Type.Literal('function'),
      name: Type.String(),
      description: Nullable(Type.String()),
      parameters: Nullable(Type.Record(Type.String(), Type.Unknown())),
      strict: Type.Boolean(),
    }),
  ),
  tool_choice: Type.Union([
    StringEnum(['none', 'auto', 'required'] as const),
    Type.Object({ type: Type.Literal('function'), name: Type.String() }),
  ]),
  parallel_tool_calls: Type.Boolean(),
  truncation: StringEnum(['auto', 'disabled'] as const),
  store: Type.Boolean(),
  background: Type.Boolean(),
  metadata: Type.Record(Type.String(), Type.String()),
  user: Nullable(Type.String()),
  service_tier: Type.String(),
  selar_trace: Type.Optional(
    Type.Array(SelarTraceEntry, { description: 'with selar.trace: one entry per generated token' }),
  ),
});
export type ResponseObject = Static<typeof ResponseObject>;

// ---- stream events (each also carries `sequence_number`)

const at = { output_index: Type.Integer(), sequence_number: Type.Integer() };
const inPart = { ...at, item_id: Type.String(), content_index: Type.Integer() };
const trace = { selar_trace: Type.Optional(Type.Array(SelarTraceEntry, { description: 'with selar.trace' })) };
const Part = Type.Union([OutputText, ReasoningText]);

const event = <T extends string, P extends Record<string, TSchema>>(type: T, props: P) =>
  Type.Object({ type: Type.Literal(type), ...props });
const lifecycle = (type: string) => event(type, { sequence_number: Type.Integer(), response: ResponseObject });

export const ResponseStreamEvent = Type.Union(
  [
    lifecycle('response.created'),
    lifecycle('response.in_progress'),
    event('response.output_item.added', { ...at, item: OutputItem }),
    event('response.content_part.added', { ...inPart, part: Part }),
    event('response.reasoning_text.delta', { ...inPart, delta: Type.String(), ...trace }),
    event('response.reasoning_text.done', { ...inPart, text: Type.String() }),
    event('response.output_text.delta', {
      ...inPart,
      delta: Type.String(),
      logprobs: Type.Array(ChatTokenLogprob),
      ...trace,
    }),
    event('response.output_text.done', { ...inPart, text: Type.String(), logprobs: Type.Array(ChatTokenLogprob) }),
    event('response.content_part.done', { ...inPart, part: Part }),
    event('response.function_call_arguments.delta', { ...at, item_id: Type.String(), delta: Type.String() }),
    event('response.function_call_arguments.done', {
      ...at,
      item_id: Type.String(),
      name: Type.String(),
      arguments: Type.String(),
    }),
    event('response.output_item.done', { ...at, item: OutputItem }),
    lifecycle('response.completed'),
    lifecycle('response.incomplete'),
    lifecycle('response.failed'),
    event('error', {
      sequence_number: Type.Integer(),
      code: Nullable(Type.String()),
      message: Type.String(),
      param: Nullable(Type.String()),
    }),
  ],
  { description: 'one `event:` / `data:` frame of the SSE stream' },
);

// ---- stored responses

export const ResponseIdParams = Type.Object({ id: Type.String() }, strict);

export const ResponseDeleted = Type.Object({
  id: Type.String(),
  object: Type.Literal('response'),
  deleted: Type.Literal(true),
});

/** Query strings arrive as text (no coercion): `limit` is checked as digits, then as a number. */
const QueryInclude = Type.Optional(Type.Unknown({ description: 'accepted, no effect' }));
export const ResponseQuery = Type.Object({ include: QueryInclude, 'include[]': QueryInclude }, strict);

export const InputItemsQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$', description: '1–100, default 20' })),
    order: Type.Optional(StringEnum(['asc', 'desc'] as const, { description: 'default desc' })),
    after: Type.Optional(Type.String({ description: 'an item id: list the items after it' })),
    include: QueryInclude,
    'include[]': QueryInclude,
  },
  strict,
);
export type InputItemsQuery = Static<typeof InputItemsQuery>;

export const InputItemList = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(Type.Unknown({ description: 'input items as sent, each with an id' })),
  first_id: Nullable(Type.String()),
  last_id: Nullable(Type.String()),
  has_more: Type.Boolean(),
});
