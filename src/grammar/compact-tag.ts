// Structural tags take JSON Schemas, which XGrammar compiles allowing any whitespace
// between JSON tokens; small models then loop on blanks. Every schema inside a tag is
// rewritten to the EBNF of its compact form (the same form response_format gets: one line,
// ", " and ": "), so tool arguments are generated the way structured outputs are.
import { JSON_OPTIONS } from './json-options.js';
import type { XGrammar } from './xgrammar.js';

type Node = Record<string, unknown>;

async function rewrite(xg: XGrammar, node: unknown): Promise<unknown> {
  if (Array.isArray(node)) return Promise.all(node.map((n) => rewrite(xg, n)));
  if (node === null || typeof node !== 'object') return node;
  const n = node as Node;
  if (n.type === 'json_schema' && 'json_schema' in n) {
    const o = JSON_OPTIONS;
    const grammar = await xg.Testings._jsonSchemaToEBNF(
      JSON.stringify(n.json_schema),
      o.anyWhitespace,
      o.indent,
      o.separators,
      o.strict,
    );
    return { type: 'grammar', grammar };
  }
  const out: Node = {};
  for (const [key, value] of Object.entries(n)) out[key] = key === 'json_schema' ? value : await rewrite(xg, value);
  return out;
}

/** The structural tag (JSON text) with its JSON Schemas in compact form. */
export async function compactStructuralTag(xg: XGrammar, tag: string): Promise<string> {
  return JSON.stringify(await rewrite(xg, JSON.parse(tag)));
}
