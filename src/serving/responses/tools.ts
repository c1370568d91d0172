// The Responses API's tools → chat's tools, so both endpoints share one resolution
// (template, call format, grammar, parser). Tools OpenAI hosts are refused here.
import { SelarError } from '../../errors.js';
import type { ResponseCreateRequest, ResponseObject } from '../../protocol/responses.js';
import type { FunctionTool, ToolChoice } from '../../protocol/tools.js';
import type { ServingContext } from '../context.js';
import { resolveTools, type ResolvedTools, type ToolParams } from '../tool-request.js';

const RESPONSES_PARAMS: ToolParams = { toolName: (i) => `tools[${i}].name`, choiceName: 'tool_choice.name' };

function chatTools(req: ResponseCreateRequest): FunctionTool[] {
  return (req.tools ?? []).map((tool, i) => {
    if (tool.type !== 'function') {
      throw new SelarError(
        'invalid_request',
        `Tools of type '${tool.type}' run on OpenAI's side and are not provided by this server; use function tools`,
        `tools[${i}].type`,
      );
    }
    const { name, description, parameters, strict } = tool as Extract<typeof tool, { name: string }>;
    return {
      type: 'function',
      function: {
        name,
        ...(description == null ? {} : { description }),
        ...(parameters == null ? {} : { parameters }),
        ...(strict == null ? {} : { strict }),
      },
    };
  });
}

function chatChoice(req: ResponseCreateRequest, tools: FunctionTool[]): ToolChoice | undefined {
  const choice = req.tool_choice;
  if (choice == null) return undefined;
  // "auto" without tools is what OpenAI echoes by default: the same as "none".
  if (typeof choice === 'string') return choice === 'auto' && tools.length === 0 ? undefined : choice;
  if (choice.type !== 'function') {
    throw new SelarError(
      'invalid_request',
      `tool_choice of type '${choice.type}' names a tool this server does not provide; ` +
        'use "none", "auto", "required" or {"type": "function", "name"}',
      'tool_choice',
    );
  }
  const name = (choice as { name?: unknown }).name;
  if (typeof name !== 'string') {
    throw new SelarError('invalid_request', 'tool_choice of type "function" needs a name', 'tool_choice.name');
  }
  return { type: 'function', function: { name } };
}

export function resolveResponseTools(req: ResponseCreateRequest, ctx: ServingContext): ResolvedTools {
  const tools = chatTools(req);
  return resolveTools(
    { tools, tool_choice: chatChoice(req, tools), parallel_tool_calls: req.parallel_tool_calls },
    ctx,
    RESPONSES_PARAMS,
  );
}

/** The tools and tool_choice as the response object echoes them (OpenAI's defaults filled in). */
export function echoedTools(req: ResponseCreateRequest): Pick<ResponseObject, 'tools' | 'tool_choice'> {
  const tools = (req.tools ?? []).flatMap((t) =>
    t.type === 'function' && 'name' in t
      ? [
          {
            type: 'function' as const,
            name: t.name,
            description: t.description ?? null,
            parameters: t.parameters ?? null,
            strict: t.strict ?? true,
          },
        ]
      : [],
  );
  const choice = req.tool_choice ?? 'auto';
  return {
    tools,
    tool_choice:
      typeof choice === 'string' ? choice : { type: 'function', name: String((choice as { name?: unknown }).name) },
  };
}
