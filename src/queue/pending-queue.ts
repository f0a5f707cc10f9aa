import type { PromptRecord } from '../store/index.js';

/**
 * The in-memory run order of pending prompts: (number, seq) ascending, as ComfyUI's heap orders
 * (number) with first-in first-out among equals. The store holds the durable copy; this is the
 * index the scheduler walks without touching the disk.
 */
export interface PendingQueue {
  readonly size: number;
  add(record: PromptRecord): void;
  remove(id: string): PromptRecord | undefined;
  get(id: string): PromptRecord | undefined;
  /** In run order. */
  values(): readonly PromptRecord[];
  ids(): readonly string[];
  /** Counts removals: a reader notes it before reading the store, to know what left meanwhile. */
  readonly clock: number;
  /** True when `id` was removed after `clock` read `since` (a read from before says nothing new of it), or is taken. */
  removedSince(id: string, since: number): boolean;
  /**
   * Remove a prompt that this gateway is about to change (cancel, delete, move): until `settle`,
   * no store read puts it back, however fresh (the change is not committed yet).
   */
  take(id: string): PromptRecord | undefined;
  settle(id: string): void;
}

/** Removals remembered for removedSince: a store read takes milliseconds, not thousands of removals. */
const REMEMBERED_REMOVALS = 10_000;

export function createPendingQueue(): PendingQueue {
  const items: PromptRecord[] = [];
  const byId = new Map<string, PromptRecord>();
  const removals = new Map<string, number>();
  const taken = new Set<string>();
  let clock = 0;

  const before = (a: PromptRecord, b: PromptRecord): boolean => a.number < b.number || (a.number === b.number && a.seq < b.seq);

  const queue: PendingQueue = {
    get size() {
      return items.length;
    },
    add: (record) => {
      if (byId.has(record.id)) return;
      let low = 0;
      let high = items.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        const item = items[mid];
        if (item && before(item, record)) low = mid + 1;
        else high = mid;
      }
      items.splice(low, 0, record);
      byId.set(record.id, record);
    },
    remove: (id) => {
      const record = byId.get(id);
      if (!record) return undefined;
      removals.delete(id);
      removals.set(id, ++clock);
      if (removals.size > REMEMBERED_REMOVALS) removals.delete(removals.keys().next().value as string);
      byId.delete(id);
      items.splice(items.indexOf(record), 1);
      return record;
    },
    get: (id) => byId.get(id),
    values: () => items,
    ids: () => items.map((r) => r.id),
    get clock() {
      return clock;
    },
    removedSince: (id, since) => taken.has(id) || (removals.get(id) ?? 0) > since,
    take: (id) => {
      const record = queue.remove(id);
      if (record) taken.add(id);
      return record;
    },
    settle: (id) => void taken.delete(id),
  };
  return queue;
}
