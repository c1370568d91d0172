// How JSON is generated under a schema (docs/api.md, "Structured outputs"): one line,
// a space after "," and ":" as Python's json.dumps writes it, no other whitespace (a
// grammar that allows any whitespace lets small models loop on blanks), and no
// properties the schema does not allow (XGrammar's strict mode, as in vLLM).
export const JSON_OPTIONS = {
  anyWhitespace: false,
  indent: -1,
  separators: [', ', ': '] as [string, string],
  strict: true,
};
