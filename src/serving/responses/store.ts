// Stored responses, in this process's memory, bounded by count (oldest dropped first)
// and by age. A Map keeps insertion order, which is age order, so both bounds are
// enforced from its front. Items are indexed by id for `item_reference` inputs.
import type { ResponseObject } from '../../protocol/responses.js';
import type { ConversationItem } from './items.js';

export interface StoredResponse {
  response: ResponseObject;
  /** This request's input items, each with an id (GET …/input_items). */
  inputItems: ConversationItem[];
  /** Everything a follow-up sees: earlier turns, this input, then this output (without instructions). */
  conversation: ConversationItem[];
}

interface Entry {
  stored: StoredResponse;
  expiresAt: number;
}

export class ResponseStore {
  private readonly entries = new Map<string, Entry>();
  private readonly items = new Map<string, { item: ConversationItem; owner: string }>();

  constructor(
    private readonly maxStored: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    this.expire();
    return this.entries.size;
  }

  put(stored: StoredResponse): void {
    if (this.maxStored === 0) return;
    const id = stored.response.id;
    this.entries.set(id, { stored, expiresAt: this.now() + this.ttlMs });
    for (const item of [...stored.inputItems, ...stored.response.output]) {
      if (typeof item.id === 'string') this.items.set(item.id, { item, owner: id });
    }
    this.expire();
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxStored) break;
      this.remove(oldest);
    }
  }

  get(id: string): StoredResponse | undefined {
    this.expire();
    return this.entries.get(id)?.stored;
  }

  /** Forgets a response; false when it was not stored (or expired). */
  delete(id: string): boolean {
    this.expire();
    return this.remove(id);
  }

  /** An input or output item of a stored response. */
  item(id: string): ConversationItem | undefined {
    const found = this.items.get(id);
    return found && this.get(found.owner) ? found.item : undefined;
  }

  private remove(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.entries.delete(id);
    for (const item of [...entry.stored.inputItems, ...entry.stored.response.output]) {
      if (typeof item.id === 'string' && this.items.get(item.id)?.owner === id) this.items.delete(item.id);
    }
    return true;
  }

  private expire(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.remove(id);
    }
  }
}
