// Partial selection: the k largest entries of a score array in O(V log k), without
// sorting the whole vocabulary. Ties resolve to the lower id, as torch.topk and
// argmax do on CPU, so greedy trajectories match the reference.

/**
 * Writes the ids of the k largest values of `scores` into `ids` (descending by value,
 * lower id first on ties) and returns how many were written (min(k, V)).
 * `ids` must have room for k entries. Entries equal to -Infinity are still eligible.
 */
export function topK(scores: ArrayLike<number>, k: number, ids: Int32Array): number {
  const n = scores.length;
  const m = Math.min(k, n);
  if (m <= 0) return 0;
  // Min-heap of size m keyed by (value asc, id desc): the root is the weakest kept entry.
  let size = 0;
  const weaker = (i: number, j: number): boolean => {
    const vi = scores[i];
    const vj = scores[j];
    return vi < vj || (vi === vj && i > j);
  };
  const siftUp = (pos: number): void => {
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (!weaker(ids[pos], ids[parent])) break;
      const tmp = ids[pos];
      ids[pos] = ids[parent];
      ids[parent] = tmp;
      pos = parent;
    }
  };
  const siftDown = (pos: number): void => {
    for (;;) {
      const l = 2 * pos + 1;
      if (l >= size) break;
      const r = l + 1;
      const c = r < size && weaker(ids[r], ids[l]) ? r : l;
      if (!weaker(ids[c], ids[pos])) break;
      const tmp = ids[pos];
      ids[pos] = ids[c];
      ids[c] = tmp;
      pos = c;
    }
  };
  for (let i = 0; i < n; i++) {
    if (size < m) {
      ids[size++] = i;
      siftUp(size - 1);
    } else if (weaker(ids[0], i)) {
      ids[0] = i;
      siftDown(0);
    }
  }
  // Heap-sort the kept entries into descending order in place.
  for (let end = size - 1; end > 0; end--) {
    const tmp = ids[0];
    ids[0] = ids[end];
    ids[end] = tmp;
    size = end;
    siftDown(0);
  }
  return m;
}

/** Index of the maximum (lowest index on ties); -1 for an empty array. */
export function argmax(scores: ArrayLike<number>): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (v > bestValue || best < 0) {
      best = i;
      bestValue = v;
    }
  }
  return best;
}
