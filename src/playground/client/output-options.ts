// The page's tools and structured-output fields → the request's `tools`, `tool_choice`
// and `response_format` (docs/api.md, Tools and Structured outputs). A field that is
// not valid JSON stops the run with a message saying which field and why.

export type FormatChoice = 'text' | 'json_object' | 'json_schema';
export type ToolChoiceSetting = 'auto' | 'required' | 'none';

export interface OutputSettings {
  /** A JSON list of tools, or '' for none. */
  tools: string;
  toolChoice: ToolChoiceSetting;
  format: FormatChoice;
  /** The JSON Schema for `json_schema`. */
  schema: string;
}

export const NO_OUTPUT_OPTIONS: OutputSettings = { tools: '', toolChoice: 'auto', format: 'text', schema: '' };

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SettingsError(`${field} is not valid JSON: ${(err as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A tool as OpenAI's chat API takes it; `{"name", "parameters"}` alone is taken as the function. */
function chatTool(tool: unknown, i: number): Record<string, unknown> {
  if (!isObject(tool)) throw new SettingsError(`tools[${i}] is not an object`);
  if (tool.type === 'function') return tool;
  if (typeof tool.name === 'string') return { type: 'function', function: tool };
  throw new SettingsError(`tools[${i}] needs "type": "function" and a "function", or a "name"`);
}

export function outputFields(s: OutputSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (s.tools.trim() !== '') {
    const tools = parseJson(s.tools, 'Tools');
    if (!Array.isArray(tools)) throw new SettingsError('Tools must be a JSON list');
    if (tools.length > 0) {
      out.tools = tools.map(chatTool);
      out.tool_choice = s.toolChoice;
    }
  }
  if (s.format === 'json_object') out.response_format = { type: 'json_object' };
  if (s.format === 'json_schema') {
    const schema = parseJson(s.schema, 'The JSON schema');
    if (!isObject(schema)) throw new SettingsError('The JSON schema must be a JSON object');
    out.response_format = { type: 'json_schema', json_schema: { name: 'answer', schema, strict: true } };
  }
  return out;
}
