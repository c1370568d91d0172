// Structured-output request fields (docs/api.md, "Structured outputs"): OpenAI's
// response_format, vLLM's structured_outputs and older guided_* fields, and llama.cpp's
// json_schema and grammar. Shared by chat and completions.
import { Type, type Static } from '@sinclair/typebox';
import { OptionalNullable } from './common.js';

const SchemaObject = Type.Record(Type.String(), Type.Unknown(), { description: 'a JSON Schema' });
/** vLLM takes a schema as an object or as JSON text. */
const SchemaValue = Type.Union([SchemaObject, Type.String({ description: 'a JSON Schema as JSON text' })]);
const Choices = Type.Array(Type.String(), { minItems: 1, description: 'the output is exactly one of these strings' });

export const ResponseFormat = Type.Union(
  [
    Type.Object({ type: Type.Literal('text') }, { additionalProperties: false }),
    Type.Object({ type: Type.Literal('json_object') }, { additionalProperties: false }),
    Type.Object(
      {
        type: Type.Literal('json_schema'),
        json_schema: Type.Object(
          {
            name: Type.String({ maxLength: 64 }),
            description: Type.Optional(Type.String()),
            schema: Type.Optional(SchemaObject),
            strict: OptionalNullable(
              Type.Boolean({ description: 'accepted; the output follows the schema either way' }),
            ),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'text (default), any JSON object, or JSON matching a schema' },
);
export type ResponseFormat = Static<typeof ResponseFormat>;

export const StructuredOutputs = Type.Object(
  {
    json: Type.Optional(SchemaValue),
    regex: Type.Optional(Type.String()),
    choice: Type.Optional(Choices),
    grammar: Type.Optional(
      Type.String({ description: 'an EBNF grammar (XGrammar dialect, GBNF-like), root rule `root`' }),
    ),
    json_object: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, description: 'extension (vLLM): one constraint' },
);
export type StructuredOutputs = Static<typeof StructuredOutputs>;

export const structuredOutputFields = {
  response_format: OptionalNullable(ResponseFormat),
  structured_outputs: OptionalNullable(StructuredOutputs),
  guided_json: OptionalNullable(SchemaValue),
  guided_regex: OptionalNullable(Type.String({ description: 'extension (vLLM, older)' })),
  guided_choice: OptionalNullable(Choices),
  guided_grammar: OptionalNullable(Type.String({ description: 'extension (vLLM, older): an EBNF grammar' })),
  json_schema: OptionalNullable(SchemaObject),
  grammar: OptionalNullable(Type.String({ description: "extension (llama.cpp's server): a GBNF grammar" })),
};
