// fast-check generators for request bodies: structured ones built around the real
// wire schema (each field valid, out of range, of the wrong type, or absent) and raw
// garbage (random bytes, random JSON, mutated valid bodies).
import fc from 'fast-check';

const wrongType = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const extremeNumber = fc.constantFrom(
  0,
  -0,
  1,
  -1,
  0.5,
  2,
  2.0001,
  1e-300,
  5e-324,
  1e300,
  -1e300,
  2 ** 53,
  -(2 ** 53),
  2 ** 31,
  255,
  256,
  257,
);

/** A field value: mostly plausible, sometimes extreme, sometimes the wrong type. */
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 12, arbitrary: valid },
    { weight: 2, arbitrary: extremeNumber },
    { weight: 1, arbitrary: wrongType },
  );

/** Keeps the required keys and at most `max` of the others, so a body is not wrong in ten places at once. */
function some<T extends Record<string, unknown>>(
  arb: fc.Arbitrary<T>,
  required: string[],
  max: number,
): fc.Arbitrary<Partial<T>> {
  return arb.chain((full) => {
    const optional = Object.keys(full).filter((k) => !required.includes(k));
    return fc
      .subarray(optional, { maxLength: max })
      .map(
        (keep) =>
          Object.fromEntries(
            Object.entries(full).filter(([k]) => required.includes(k) || keep.includes(k)),
          ) as Partial<T>,
      );
  });
}

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('', ' ', '<think>', '</s>', '<|user|>', '{{ x }}', '{% raise_exception("x") %}'),
);

export function selarArb() {
  return fc.record(
    {
      mode: field(fc.constantFrom('selar', 'soft', 'off')),
      top_k: field(fc.integer({ min: 2, max: 64 })),
      entropy_threshold: field(fc.double({ min: 0, max: 1, noNaN: true })),
      contrastive_weight: field(fc.double({ min: 0, max: 1e6, noNaN: true })),
      discrete_tokens: field(fc.constantFrom('math', 'none')),
      scope: field(fc.constantFrom('all', 'thinking')),
      trace: field(fc.boolean()),
    },
    { requiredKeys: [] },
  );
}

/** Sampling fields shared by both endpoints; `vocab` bounds plausible token ids. */
function samplingArb(vocab: number, maxTokens: fc.Arbitrary<number>) {
  return {
    temperature: field(fc.double({ min: 0, max: 2, noNaN: true })),
    top_p: field(fc.double({ min: 0, max: 1, noNaN: true })),
    top_k: field(fc.integer({ min: -1, max: 500 })),
    min_p: field(fc.double({ min: 0, max: 1, noNaN: true })),
    seed: field(fc.integer()),
    n: field(fc.integer({ min: 1, max: 3 })),
    stop: field(fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 5 }))),
    max_tokens: field(maxTokens),
    presence_penalty: field(fc.double({ min: -2, max: 2, noNaN: true })),
    frequency_penalty: field(fc.double({ min: -2, max: 2, noNaN: true })),
    repetition_penalty: field(fc.double({ min: 0, max: 10, noNaN: true })),
    logit_bias: field(
      fc.dictionary(
        fc.integer({ min: -2, max: vocab + 2 }).map(String),
        fc.double({ min: -100, max: 100, noNaN: true }),
        { maxKeys: 3 },
      ),
    ),
    min_tokens: field(fc.integer({ min: 0, max: 4 })),
    ignore_eos: field(fc.boolean()),
    stream: field(fc.boolean()),
    stream_options: field(fc.record({ include_usage: fc.boolean() }, { requiredKeys: [] })),
    user: field(text),
    return_token_ids: field(fc.boolean()),
    selar: fc.oneof({ weight: 6, arbitrary: selarArb() }, fc.constant(null), wrongType),
  };
}

const message = fc.record(
  {
    role: field(fc.constantFrom('system', 'developer', 'user', 'assistant')),
    content: field(
      fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { minLength: 1, maxLength: 2 })),
    ),
    name: field(fc.string({ maxLength: 5 })),
    reasoning_content: field(text),
  },
  { requiredKeys: ['role', 'content'] },
);

export function chatBodyArb(model: string, vocab: number, maxTokens = fc.integer({ min: 1, max: 8 })) {
  const all = fc.record({
    model: fc.oneof({ weight: 8, arbitrary: fc.constant(model) }, { weight: 1, arbitrary: wrongType }),
    messages: fc.oneof(
      { weight: 12, arbitrary: fc.array(message, { minLength: 1, maxLength: 3 }) },
      { weight: 1, arbitrary: wrongType },
    ),
    ...samplingArb(vocab, maxTokens),
    max_completion_tokens: field(maxTokens),
    logprobs: field(fc.boolean()),
    top_logprobs: field(fc.integer({ min: 0, max: 21 })),
    chat_template_kwargs: field(
      fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
    ),
  });
  return some(all, ['model', 'messages'], 5);
}

export function completionBodyArb(model: string, vocab: number, maxTokens = fc.integer({ min: 1, max: 8 })) {
  const ids = fc.array(fc.integer({ min: -1, max: vocab + 1 }), { minLength: 0, maxLength: 6 });
  const all = fc.record({
    model: fc.oneof({ weight: 8, arbitrary: fc.constant(model) }, { weight: 1, arbitrary: wrongType }),
    prompt: fc.oneof(
      { weight: 3, arbitrary: text },
      fc.array(text, { maxLength: 3 }),
      { weight: 2, arbitrary: ids },
      fc.array(ids, { maxLength: 3 }),
      wrongType,
    ),
    ...samplingArb(vocab, maxTokens),
    logprobs: field(fc.integer({ min: 0, max: 21 })),
    best_of: field(fc.integer({ min: 1, max: 3 })),
    echo: fc.constantFrom(false, true),
  });
  return some(all, ['model', 'prompt'], 5);
}

/** Bytes that are anything but a well-formed body. */
export function garbageArb(validJson: fc.Arbitrary<string>) {
  const mutate = fc
    .tuple(
      validJson,
      fc.nat(),
      fc.constantFrom('delete', 'insert', 'truncate'),
      fc.constantFrom('{', '}', '"', ',', '\\', ':', '[', 'e', '\u0000', '\\u', '1e999'),
    )
    .map(([s, at, op, ch]) => {
      const i = s.length === 0 ? 0 : at % s.length;
      return op === 'delete'
        ? s.slice(0, i) + s.slice(i + 1)
        : op === 'insert'
          ? s.slice(0, i) + ch + s.slice(i)
          : s.slice(0, i);
    });
  return fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.json({ maxDepth: 4 }),
    mutate,
  );
}
