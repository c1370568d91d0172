// A grammar constraint as the engine carries it: fully resolved on the main thread,
// plain data (it crosses to the workers), and its own cache key.

export type GrammarSpec =
  /** Any JSON object. */
  | { type: 'json_object' }
  /** JSON matching a JSON Schema, given as JSON text. */
  | { type: 'json_schema'; schema: string }
  | { type: 'regex'; pattern: string }
  /** Exactly one of these strings. */
  | { type: 'choice'; choices: string[] }
  /** An EBNF grammar in XGrammar's dialect (GBNF-like), root rule `root`. */
  | { type: 'ebnf'; grammar: string }
  /** An XGrammar structural tag, as JSON text (tool calls). */
  | { type: 'structural_tag'; tag: string };

/** The source a compiled grammar is cached by. */
export function grammarKey(spec: GrammarSpec): string {
  switch (spec.type) {
    case 'json_object':
      return 'json_object';
    case 'json_schema':
      return `json_schema\0${spec.schema}`;
    case 'regex':
      return `regex\0${spec.pattern}`;
    case 'choice':
      return `choice\0${JSON.stringify(spec.choices)}`;
    case 'ebnf':
      return `ebnf\0${spec.grammar}`;
    case 'structural_tag':
      return `structural_tag\0${spec.tag}`;
  }
}

/** Regex and choice are compiled as structural tags (XGrammar's web build has no direct entry for them). */
export function asStructuralTag(spec: GrammarSpec): string | null {
  if (spec.type === 'regex')
    return JSON.stringify({ type: 'structural_tag', format: { type: 'regex', pattern: spec.pattern } });
  if (spec.type === 'choice') {
    const elements = spec.choices.map((value) => ({ type: 'const_string', value }));
    return JSON.stringify({
      type: 'structural_tag',
      format: elements.length === 1 ? elements[0] : { type: 'or', elements },
    });
  }
  if (spec.type === 'structural_tag') return spec.tag;
  return null;
}
