// Tool calling on chat: the request's tools and tool_choice, and the tool calls of a
// response and of a stream chunk, in OpenAI's shapes.
import { Type, type Static } from '@sinclair/typebox';
import { OptionalNullable, StringEnum } from './common.js';

export const FunctionTool = Type.Object(
  {
    type: Type.Literal('function'),
    function: Type.Object(
      {
        name: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,64}$' }),
        description: Type.Optional(Type.String()),
        parameters: Type.Optional(
          Type.Record(Type.String(), Type.Unknown(), { description: 'a JSON Schema of the arguments' }),
        ),
        strict: OptionalNullable(Type.Boolean({ description: 'accepted; arguments follow the schema either way' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type FunctionTool = Static<typeof FunctionTool>;

export const ToolChoice = Type.Union(
  [
    StringEnum(['none', 'auto', 'required'] as const),
    Type.Object(
      {
        type: Type.Literal('function'),
        function: Type.Object({ name: Type.String() }, { additionalProperties: false }),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'default "auto" with tools, "none" without' },
);
export type ToolChoice = Static<typeof ToolChoice>;

export const toolFields = {
  tools: OptionalNullable(Type.Array(FunctionTool, { maxItems: 128 })),
  tool_choice: OptionalNullable(ToolChoice),
  parallel_tool_calls: OptionalNullable(
    Type.Boolean({ description: 'default true: the model may make several calls' }),
  ),
};

export const ResponseToolCall = Type.Object({
  id: Type.String(),
  type: Type.Literal('function'),
  function: Type.Object({ name: Type.String(), arguments: Type.String({ description: 'JSON text' }) }),
});
export type ResponseToolCall = Static<typeof ResponseToolCall>;

/** A streamed call: index, id, type and the name first, then `arguments` fragments. */
export const ToolCallDelta = Type.Object({
  index: Type.Integer(),
  id: Type.Optional(Type.String()),
  type: Type.Optional(Type.Literal('function')),
  function: Type.Object({ name: Type.Optional(Type.String()), arguments: Type.Optional(Type.String()) }),
});
export type ToolCallDelta = Static<typeof ToolCallDelta>;
