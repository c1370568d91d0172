// Chat messages as OpenAI's Chat Completions API defines them, one schema per role, so
// that a client can push back what it received (the openai SDK's `choices[0].message`,
// LangChain's and the AI SDK's histories) and a conversation with tool calls renders.
// Fields that carry nothing a text model can use (an earlier audio reply's id, URL
// citations, the SDK's `parsed`) are accepted and ignored; inputs the model cannot see
// (images, audio, files) are rejected, because dropping them would change the answer.
import { Type, type Static } from '@sinclair/typebox';
import { OptionalNullable } from './common.js';

export const TextContentPart = Type.Object(
  { type: Type.Literal('text'), text: Type.String() },
  { additionalProperties: false, description: 'text is the only input modality of this server' },
);

const RefusalContentPart = Type.Object(
  { type: Type.Literal('refusal'), refusal: Type.String() },
  { additionalProperties: false },
);

const TextContent = Type.Union([Type.String(), Type.Array(TextContentPart, { minItems: 1 })]);

const name = Type.Optional(Type.String({ description: 'a participant name, passed to the template' }));

const SystemMessage = Type.Object(
  {
    role: Type.Union([Type.Literal('system'), Type.Literal('developer')], {
      description: '"developer" is rendered as "system"',
    }),
    content: TextContent,
    name,
  },
  { additionalProperties: false },
);

const UserMessage = Type.Object(
  { role: Type.Literal('user'), content: TextContent, name },
  { additionalProperties: false },
);

export const ToolCall = Type.Object(
  {
    id: Type.String(),
    type: Type.Literal('function'),
    function: Type.Object(
      {
        name: Type.String(),
        arguments: Type.String({ description: 'JSON text; rendered to the template as the parsed object' }),
        parsed_arguments: Type.Optional(Type.Unknown({ description: "added by the openai SDK's helpers; ignored" })),
      },
      { additionalProperties: false },
    ),
    index: Type.Optional(Type.Integer({ description: 'left by streamed tool calls; ignored' })),
  },
  { additionalProperties: false },
);
export type ToolCall = Static<typeof ToolCall>;

const FunctionCall = Type.Object({ name: Type.String(), arguments: Type.String() }, { additionalProperties: false });

const AssistantMessage = Type.Object(
  {
    role: Type.Literal('assistant'),
    content: OptionalNullable(
      Type.Union([Type.String(), Type.Array(Type.Union([TextContentPart, RefusalContentPart]), { minItems: 1 })]),
    ),
    refusal: OptionalNullable(Type.String({ description: 'rendered as the content when there is no other content' })),
    name,
    tool_calls: OptionalNullable(Type.Array(ToolCall)),
    function_call: OptionalNullable(FunctionCall),
    audio: OptionalNullable(
      Type.Object(
        { id: Type.String() },
        { additionalProperties: false, description: 'an earlier audio reply; ignored' },
      ),
    ),
    annotations: OptionalNullable(Type.Array(Type.Unknown(), { description: 'URL citations; ignored' })),
    parsed: Type.Optional(Type.Unknown({ description: "added by the openai SDK's parse helpers; ignored" })),
    reasoning_content: OptionalNullable(
      Type.String({ description: "extension: the turn's reasoning, passed to the template" }),
    ),
    reasoning: OptionalNullable(Type.String({ description: 'extension: another name for reasoning_content' })),
  },
  { additionalProperties: false },
);

const ToolMessage = Type.Object(
  { role: Type.Literal('tool'), content: TextContent, tool_call_id: Type.String(), name },
  { additionalProperties: false },
);

const FunctionMessage = Type.Object(
  {
    role: Type.Literal('function', { description: 'deprecated by OpenAI; rendered as a tool message' }),
    content: Type.Union([Type.String(), Type.Null()]),
    name: Type.String(),
  },
  { additionalProperties: false },
);

export const ChatMessage = Type.Union([SystemMessage, UserMessage, AssistantMessage, ToolMessage, FunctionMessage]);
export type ChatMessage = Static<typeof ChatMessage>;
