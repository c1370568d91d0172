// GET /v1/responses/{id}/input_items: a page of a stored response's input items,
// with OpenAI's cursor parameters (limit, order, after).
import { SelarError, excerpt } from '../../errors.js';
import type { InputItemsQuery } from '../../protocol/responses.js';
import type { ConversationItem } from './items.js';

export function inputItemPage(items: ConversationItem[], query: InputItemsQuery) {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (limit < 1 || limit > 100) throw new SelarError('invalid_request', 'limit must be between 1 and 100', 'limit');
  const ordered = query.order === 'asc' ? items : [...items].reverse();
  let start = 0;
  if (query.after !== undefined) {
    const at = ordered.findIndex((item) => item.id === query.after);
    if (at < 0)
      throw new SelarError(
        'invalid_request',
        `No input item with id '${excerpt(query.after)}' in this response`,
        'after',
      );
    start = at + 1;
  }
  const data = ordered.slice(start, start + limit);
  return {
    object: 'list' as const,
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + limit < ordered.length,
  };
}
