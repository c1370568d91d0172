// Applies an allowed-token bitmask (XGrammar's layout: bit i % 32 of word i >> 5 set
// means token i is allowed) to logits in place: disallowed tokens get -Infinity, so
// they have probability 0 in every later step of the pipeline.

export function applyAllowedMask(logits: Float32Array, allowed: Int32Array): void {
  const V = logits.length;
  const words = Math.min(allowed.length, Math.ceil(V / 32));
  for (let w = 0; w < words; w++) {
    const bits = allowed[w];
    if (bits === -1) continue;
    const base = w * 32;
    const end = Math.min(32, V - base);
    for (let b = 0; b < end; b++) if ((bits & (1 << b)) === 0) logits[base + b] = -Infinity;
  }
  // Logits beyond the mask's vocabulary (model padding rows) are never allowed.
  for (let i = words * 32; i < V; i++) logits[i] = -Infinity;
}

/** Sets token `id` as allowed in the bitmask. */
export function allowToken(allowed: Int32Array, id: number): void {
  if (id >> 5 < allowed.length) allowed[id >> 5] |= 1 << (id & 31);
}
