// Tool-call formats: how a model writes a call, the XGrammar structural tag that makes
// every call it writes well formed (and, for `required`, makes it write one), and the
// parser that reads the calls back out of the generated text. One object per format;
// the template decides which one a model gets (detectToolFormat).

export type ToolFormatName = 'hermes' | 'llama3_json' | 'mistral' | 'generic';

export interface ToolDef {
  name: string;
  description?: string;
  /** The JSON Schema of the arguments (an empty object schema when the tool gave none). */
  parameters: Record<string, unknown>;
}

export interface ParsedCall {
  name: string;
  /** The arguments as compact JSON text, as OpenAI returns them. */
  arguments: string;
}

export interface ParsedOutput {
  /** Text outside the calls, or null when there is none. */
  content: string | null;
  calls: ParsedCall[];
}

export interface ToolFormat {
  name: ToolFormatName;
  /** The text that starts a call under `auto`; null for the generic format (its whole answer is JSON). */
  trigger: string | null;
  /**
   * The structural tag for these tools: `required` makes at least one call (only one
   * unless `parallel`); `auto` leaves text free until the model starts a call.
   */
  structuralTag(tools: ToolDef[], mode: 'auto' | 'required', parallel: boolean): object;
  parse(text: string): ParsedOutput;
}

/** A tag per tool: begin (its name written in), the arguments' schema, end. */
function tags(tools: ToolDef[], begin: (name: string) => string, end: string) {
  return tools.map((t) => ({
    type: 'tag',
    begin: begin(t.name),
    content: { type: 'json_schema', json_schema: t.parameters },
    end,
  }));
}

function tagged(
  tools: ToolDef[],
  mode: 'auto' | 'required',
  parallel: boolean,
  trigger: string,
  separator: string,
  begin: (name: string) => string,
  end: string,
): object {
  const t = tags(tools, begin, end);
  const format =
    mode === 'required'
      ? { type: 'tags_with_separator', tags: t, separator, at_least_one: true, stop_after_first: !parallel }
      : { type: 'triggered_tags', triggers: [trigger], tags: t, stop_after_first: !parallel };
  return { type: 'structural_tag', format };
}

/** `{"name": …, "arguments"|"parameters": …}` → a call, or null when it is not one. */
function callOf(value: unknown, argsKey = 'arguments'): ParsedCall | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  const args = v[argsKey] ?? v.arguments ?? v.parameters;
  if (typeof v.name !== 'string' || args === undefined) return null;
  return { name: v.name, arguments: typeof args === 'string' ? args : JSON.stringify(args) };
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const contentOf = (text: string): string | null => (text.trim() === '' ? null : text.trim());

/** Hermes / Qwen: `<tool_call>\n{"name": …, "arguments": …}\n</tool_call>`, one block per call. */
const hermes: ToolFormat = {
  name: 'hermes',
  trigger: '<tool_call>',
  structuralTag: (tools, mode, parallel) =>
    tagged(
      tools,
      mode,
      parallel,
      '<tool_call>',
      '\n',
      (name) => `<tool_call>\n{"name": ${JSON.stringify(name)}, "arguments": `,
      '}\n</tool_call>',
    ),
  parse(text) {
    const calls: ParsedCall[] = [];
    const rest = text.replace(/<tool_call>\s*([\s\S]*?)\s*<\/tool_call>/g, (whole, body: string) => {
      const call = callOf(tryJson(body));
      if (!call) return whole;
      calls.push(call);
      return '';
    });
    return { content: contentOf(rest), calls };
  },
};

/** Llama 3.x: the answer is `{"name": …, "parameters": …}` (calls separated by "; "). */
const llama3Json: ToolFormat = {
  name: 'llama3_json',
  trigger: '{"name": ',
  structuralTag: (tools, mode, parallel) =>
    tagged(tools, mode, parallel, '{"name": ', '; ', (name) => `{"name": ${JSON.stringify(name)}, "parameters": `, '}'),
  parse(text) {
    const body = text.replace(/^\s*(<\|python_tag\|>)?/, '');
    if (!body.startsWith('{')) return { content: contentOf(text), calls: [] };
    const calls = body.split(/;\s*(?=\{)/).map((part) => callOf(tryJson(part.trim()), 'parameters'));
    if (calls.some((c) => c === null)) return { content: contentOf(text), calls: [] };
    return { content: null, calls: calls as ParsedCall[] };
  },
};

/** Mistral: `[TOOL_CALLS][{"name": …, "arguments": …}, …]`. */
const mistral: ToolFormat = {
  name: 'mistral',
  trigger: '[TOOL_CALLS]',
  structuralTag(tools, mode, parallel) {
    const begin = (name: string) => `{"name": ${JSON.stringify(name)}, "arguments": `;
    // Under auto a trigger starts each block; required writes one list of calls.
    if (mode === 'auto')
      return tagged(tools, mode, parallel, '[TOOL_CALLS]', '', (name) => `[TOOL_CALLS][${begin(name)}`, '}]');
    const calls = {
      type: 'tags_with_separator',
      tags: tags(tools, begin, '}'),
      separator: ', ',
      at_least_one: true,
      stop_after_first: !parallel,
    };
    return { type: 'structural_tag', format: { type: 'tag', begin: '[TOOL_CALLS][', content: calls, end: ']' } };
  },
  parse(text) {
    const at = text.indexOf('[TOOL_CALLS]');
    if (at < 0) return { content: contentOf(text), calls: [] };
    const calls: ParsedCall[] = [];
    for (const block of text.slice(at).split('[TOOL_CALLS]').slice(1)) {
      const list = tryJson(block.trim());
      for (const item of Array.isArray(list) ? list : [list]) {
        const call = callOf(item);
        if (!call) return { content: contentOf(text), calls: [] };
        calls.push(call);
      }
    }
    return { content: contentOf(text.slice(0, at)), calls };
  },
};

/**
 * For templates that know no tools (as llama.cpp's server does): the tools are described
 * in a system message and the whole answer is a JSON envelope, `{"tool_calls": […]}` or,
 * under `auto`, `{"response": "…"}`.
 */
const generic: ToolFormat = {
  name: 'generic',
  trigger: null,
  structuralTag(tools, mode, parallel) {
    const call = {
      anyOf: tools.map((t) => ({
        type: 'object',
        properties: { name: { const: t.name }, arguments: t.parameters },
        required: ['name', 'arguments'],
        additionalProperties: false,
      })),
    };
    const callsSchema = {
      type: 'object',
      properties: { tool_calls: { type: 'array', items: call, minItems: 1, ...(parallel ? {} : { maxItems: 1 }) } },
      required: ['tool_calls'],
      additionalProperties: false,
    };
    const answer = {
      type: 'object',
      properties: { response: { type: 'string' } },
      required: ['response'],
      additionalProperties: false,
    };
    const schema = mode === 'required' ? callsSchema : { anyOf: [callsSchema, answer] };
    return { type: 'structural_tag', format: { type: 'json_schema', json_schema: schema } };
  },
  parse(text) {
    const value = tryJson(text.trim()) as { tool_calls?: unknown[]; response?: unknown } | undefined;
    if (value && Array.isArray(value.tool_calls)) {
      const calls = value.tool_calls.map((c) => callOf(c));
      if (calls.every((c) => c !== null)) return { content: null, calls: calls as ParsedCall[] };
    }
    if (value && typeof value.response === 'string') return { content: value.response, calls: [] };
    return { content: contentOf(text), calls: [] };
  },
};

export const toolFormats: Record<ToolFormatName, ToolFormat> = { hermes, llama3_json: llama3Json, mistral, generic };

/** The format a chat template writes calls in; generic when the template knows no tools. */
export function detectToolFormat(template: string | null): ToolFormatName {
  if (template === null || !/\btools\b/.test(template)) return 'generic';
  if (template.includes('<tool_call>')) return 'hermes';
  if (template.includes('[TOOL_CALLS]')) return 'mistral';
  if (template.includes('<|python_tag|>') || template.includes('ipython')) return 'llama3_json';
  return 'generic';
}

/** The system message that describes the tools to a model in the generic format. */
export function genericToolPrompt(tools: ToolDef[], mode: 'auto' | 'required'): string {
  const list = tools
    .map((t) => JSON.stringify({ name: t.name, description: t.description ?? '', parameters: t.parameters }))
    .join('\n');
  const answer =
    mode === 'required'
      ? 'Respond with a JSON object {"tool_calls": [{"name": <tool name>, "arguments": <arguments object>}]}.'
      : 'Respond with a JSON object: ' +
        '{"tool_calls": [{"name": <tool name>, "arguments": <arguments object>}]} to call tools, ' +
        'or {"response": <your answer>} to answer directly.';
  return `You can call these tools:\n${list}\n${answer}`;
}
