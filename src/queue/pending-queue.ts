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
}

export function createPendingQueue(): PendingQueue {
  const items: PromptRecord[] = [];
  const byId = new Map<string, PromptRecord>();

  const before = (a: PromptRecord, b: PromptRecord): boolean => a.number < b.number || (a.number === b.number && a.seq < b.seq);

  return {
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
      byId.delete(id);
      items.splice(items.indexOf(record), 1);
      return record;
    },
    get: (id) => byId.get(id),
    values: () => items,
    ids: () => items.map((r) => r.id),
  };
}
