// The items of a conversation as the Responses API keeps them: this request's input
// (a string becomes one user message), item references resolved against the store,
// and an id on every item (OpenAI lists input items with ids).
import { randomBytes } from 'node:crypto';
import { SelarError, excerpt } from '../../errors.js';
import type {
  FunctionCallItem,
  FunctionCallOutputItem,
  InputItem,
  ItemReference,
  MessageItem,
  OutputItem,
  ReasoningItem,
} from '../../protocol/responses.js';

export type ConversationItem = MessageItem | ReasoningItem | FunctionCallItem | FunctionCallOutputItem | OutputItem;

const prefixes = { message: 'msg', reasoning: 'rs', function_call: 'fc', function_call_output: 'fco' } as const;

export function itemId(type: keyof typeof prefixes): string {
  return `${prefixes[type]}_${randomBytes(12).toString('hex')}`;
}

const isReference = (item: InputItem): item is ItemReference =>
  item.type === 'item_reference' || (item.type == null && !('role' in item));

/**
 * This request's input as stored items. `lookup` finds a stored item by id; an
 * unknown reference is a 404 naming `input[i].id`.
 */
export function inputItems(
  input: string | InputItem[],
  lookup: (id: string) => ConversationItem | undefined,
): ConversationItem[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input, id: itemId('message') }];
  return input.map((item, i) => {
    if (isReference(item)) {
      const found = lookup(item.id);
      if (!found) throw new SelarError('not_found', `No stored item with id '${excerpt(item.id)}'`, `input[${i}].id`);
      return found;
    }
    const type = item.type ?? 'message';
    const withType = { ...item, type } as ConversationItem;
    return typeof item.id === 'string' ? withType : { ...withType, id: itemId(type) };
  });
}
