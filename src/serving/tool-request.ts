// tools / tool_choice / parallel_tool_calls → what the chat request needs: the tools the
// template receives (or, for a template that knows none, a system message describing
// them), the grammar that keeps calls well formed, and the parser for the response.
import { SelarError } from '../errors.js';
import type { TemplateMessage } from '../model/tokenizer.js';
import type { ChatCompletionRequest } from '../protocol/chat.js';
import { detectToolFormat, genericToolPrompt, toolFormats, type ToolDef, type ToolFormat } from '../tools/formats.js';
import type { ServingContext } from './context.js';
import type { GrammarRequest } from './structured-output.js';

export interface ResolvedTools {
  /** Parses the calls out of each choice; null when the output stays plain text. */
  parser: ToolFormat | null;
  /** The `tools` variable of the chat template (OpenAI's tool objects, as Hugging Face templates read them). */
  templateTools: NonNullable<ChatCompletionRequest['tools']> | null;
  /** For the generic format: the system message that describes the tools. */
  systemPrompt: string | null;
  grammar: GrammarRequest | null;
}

const NONE: ResolvedTools = { parser: null, templateTools: null, systemPrompt: null, grammar: null };

export function toolFormatFor(ctx: ServingContext): ToolFormat {
  const flag = ctx.config.toolCallParser;
  return toolFormats[flag === 'auto' ? detectToolFormat(ctx.tokenizer.chatTemplate) : flag];
}

/** Where a request names a tool and tool_choice's function, for error messages. */
export interface ToolParams {
  toolName: (index: number) => string;
  choiceName: string;
}

const CHAT_PARAMS: ToolParams = {
  toolName: (i) => `tools[${i}].function.name`,
  choiceName: 'tool_choice.function.name',
};

/** Chat's tool fields; the Responses API brings its tools in this shape too. */
export type ToolFields = Pick<ChatCompletionRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'>;

export function resolveTools(req: ToolFields, ctx: ServingContext, params: ToolParams = CHAT_PARAMS): ResolvedTools {
  const tools = req.tools ?? [];
  const choice = req.tool_choice ?? (tools.length > 0 ? 'auto' : 'none');
  if (tools.length === 0) {
    if (choice !== 'none') throw new SelarError('invalid_request', 'tool_choice needs tools', 'tool_choice');
    return NONE;
  }
  const names = new Set<string>();
  tools.forEach((t, i) => {
    if (names.has(t.function.name)) {
      throw new SelarError('invalid_request', `Duplicate tool name '${t.function.name}'`, params.toolName(i));
    }
    names.add(t.function.name);
  });
  const format = toolFormatFor(ctx);
  const templateTools = format.name === 'generic' ? null : tools;
  if (choice === 'none') return { ...NONE, templateTools };

  let chosen = tools;
  if (typeof choice === 'object') {
    chosen = tools.filter((t) => t.function.name === choice.function.name);
    if (chosen.length === 0) {
      throw new SelarError(
        'invalid_request',
        `tool_choice names '${choice.function.name}', which is not in tools`,
        params.choiceName,
      );
    }
  }
  const mode = choice === 'auto' ? 'auto' : 'required';
  // A named function is called once; otherwise parallel_tool_calls decides (default true, as OpenAI).
  const parallel = typeof choice === 'object' ? false : (req.parallel_tool_calls ?? true);
  const defs: ToolDef[] = chosen.map((t) => ({
    name: t.function.name,
    description: t.function.description,
    parameters: t.function.parameters ?? { type: 'object', properties: {} },
  }));
  const tag = JSON.stringify(format.structuralTag(defs, mode, parallel));
  return {
    parser: format,
    templateTools,
    systemPrompt: format.name === 'generic' ? genericToolPrompt(defs, mode) : null,
    grammar: { spec: { type: 'structural_tag', tag }, param: 'tools' },
  };
}

/** The generic format's description goes first in the system message (a new one when there is none). */
export function withToolPrompt(messages: TemplateMessage[], prompt: string | null): TemplateMessage[] {
  if (prompt === null) return messages;
  const [first, ...rest] = messages;
  if (first?.role === 'system') return [{ ...first, content: `${prompt}\n\n${first.content}` }, ...rest];
  return [{ role: 'system', content: prompt }, ...messages];
}
