/**
 * ComfyUI's PromptQueue: a heap ordered like Python compares the queue tuples (number, then
 * prompt_id), a table of running items, and an in-memory history capped at 10,000 entries.
 * GET /queue shows the pending list in heap order, as ComfyUI does, not sorted.
 */
import { PyFloat } from '../../src/upstream/protocol/index.js';

export interface QueueItem {
  /** int, or float when the client sent "number" (then written as 42.0). */
  readonly number: number | PyFloat;
  readonly promptId: string;
  readonly prompt: Record<string, Record<string, unknown>>;
  readonly extraData: Record<string, unknown>;
  readonly outputs: readonly string[];
  /** Secrets popped from extra_data: given to the run, never shown by /queue or /history. */
  readonly sensitive: Record<string, unknown>;
}

export interface HistoryEntry {
  prompt: unknown[];
  outputs: Record<string, unknown>;
  status: { status_str: 'success' | 'error'; completed: boolean; messages: Array<[string, unknown]> };
  meta: Record<string, unknown>;
}

const MAX_HISTORY = 10_000;

const numeric = (n: number | PyFloat): number => (n instanceof PyFloat ? n.value : n);

function lessThan(a: QueueItem, b: QueueItem): boolean {
  const na = numeric(a.number);
  const nb = numeric(b.number);
  return na !== nb ? na < nb : a.promptId < b.promptId;
}

/** The 5-tuple /queue and /history show. */
export const queueTuple = (item: QueueItem): unknown[] => [item.number, item.promptId, item.prompt, item.extraData, item.outputs];

export class PromptQueue {
  private readonly heap: QueueItem[] = [];
  private readonly running = new Map<number, QueueItem>();
  private taskCounter = 0;
  private waiter: (() => void) | undefined;
  readonly history = new Map<string, HistoryEntry>();
  readonly flags: Record<string, unknown> = {};

  /** `onUpdate` is ComfyUI's queue_updated: a status broadcast. */
  constructor(private readonly onUpdate: () => void) {}

  put(item: QueueItem): void {
    this.heap.push(item);
    this.siftDown(0, this.heap.length - 1);
    this.onUpdate();
    this.waiter?.();
  }

  /** Wait for the next item (moved to running), or undefined once `signal` aborts. */
  async next(signal: AbortSignal): Promise<{ item: QueueItem; taskId: number } | undefined> {
    while (this.heap.length === 0) {
      if (signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.waiter = done;
        signal.addEventListener('abort', done, { once: true });
      });
      this.waiter = undefined;
    }
    if (signal.aborted) return undefined;
    const item = this.pop();
    const taskId = this.taskCounter++;
    this.running.set(taskId, item);
    this.onUpdate();
    return { item, taskId };
  }

  taskDone(taskId: number, result: { outputs: Record<string, unknown>; meta: Record<string, unknown> }, status: HistoryEntry['status']): void {
    const item = this.running.get(taskId);
    if (!item) return;
    this.running.delete(taskId);
    if (this.history.size > MAX_HISTORY) this.history.delete(this.history.keys().next().value as string);
    this.history.set(item.promptId, { prompt: queueTuple(item), outputs: result.outputs, status, meta: result.meta });
    this.onUpdate();
  }

  remaining(): number {
    return this.heap.length + this.running.size;
  }

  runningItems(): QueueItem[] {
    return [...this.running.values()];
  }

  pendingItems(): QueueItem[] {
    return [...this.heap];
  }

  wipe(): void {
    this.heap.length = 0;
    this.onUpdate();
  }

  /** Remove the first pending item matching; true when one was removed. */
  delete(match: (item: QueueItem) => boolean): boolean {
    const index = this.heap.findIndex(match);
    if (index === -1) return false;
    // ComfyUI wipes (one broadcast) then broadcasts again when it deletes the last item.
    if (this.heap.length === 1) this.wipe();
    else {
      this.heap.splice(index, 1);
      this.heapify();
    }
    this.onUpdate();
    return true;
  }

  /** GET /history semantics: max_items alone means the newest ones. */
  historySlice(maxItems: number | null, offset: number | null): Record<string, HistoryEntry> {
    let start = offset ?? -1;
    if (start < 0 && maxItems !== null) start = this.history.size - maxItems;
    const out: Record<string, HistoryEntry> = {};
    let i = 0;
    for (const [id, entry] of this.history) {
      if (i >= start) {
        out[id] = entry;
        if (maxItems !== null && Object.keys(out).length >= maxItems) break;
      }
      i++;
    }
    return out;
  }

  // heapq, so that the pending list comes out in the same order as ComfyUI's.
  private pop(): QueueItem {
    const last = this.heap.pop() as QueueItem;
    if (this.heap.length === 0) return last;
    const top = this.heap[0] as QueueItem;
    this.heap[0] = last;
    this.siftUp(0);
    return top;
  }

  private heapify(): void {
    for (let i = Math.floor(this.heap.length / 2) - 1; i >= 0; i--) this.siftUp(i);
  }

  private siftDown(start: number, pos: number): void {
    const item = this.heap[pos] as QueueItem;
    while (pos > start) {
      const parentPos = (pos - 1) >> 1;
      const parent = this.heap[parentPos] as QueueItem;
      if (!lessThan(item, parent)) break;
      this.heap[pos] = parent;
      pos = parentPos;
    }
    this.heap[pos] = item;
  }

  private siftUp(pos: number): void {
    const end = this.heap.length;
    const start = pos;
    const item = this.heap[pos] as QueueItem;
    let child = 2 * pos + 1;
    while (child < end) {
      const right = child + 1;
      if (right < end && !lessThan(this.heap[child] as QueueItem, this.heap[right] as QueueItem)) child = right;
      this.heap[pos] = this.heap[child] as QueueItem;
      pos = child;
      child = 2 * pos + 1;
    }
    this.heap[pos] = item;
    this.siftDown(start, pos);
  }
}
