import type { PromptStore } from '../store/index.js';
import type { Dispatcher } from './dispatcher.js';
import type { PendingQueue } from './pending-queue.js';
import type { ClientEvents } from './ports.js';

export interface MoveToFrontDeps {
  readonly store: PromptStore;
  readonly pending: PendingQueue;
  readonly dispatcher: Dispatcher;
  readonly events: ClientEvents;
  readonly remaining: () => number;
}

/** Whether the prompt moved, and its priority number now (as /queue shows it). */
export type MoveResult = { readonly moved: true; readonly number: number } | { readonly moved: false };

/**
 * Give a prompt waiting in our queue a number below every other waiting one, so it is the next
 * to be dispatched (ComfyUI can only do this at submit time, with `front: true`). A prompt a
 * backend already holds, or one running or finished, cannot move: `moved` is false.
 *
 * As cancel and delete do (withdrawals.ts), the prompt is taken out of memory in one synchronous
 * step first, so no dispatch pass can pick it up while its new number is being stored; it goes
 * back in with the new number, or with the old one if the write fails.
 */
export function createMoveToFront(deps: MoveToFrontDeps): (id: string) => Promise<MoveResult> {
  const { store, pending } = deps;
  return async (id) => {
    const record = pending.take(id);
    if (!record) return { moved: false };
    const first = pending.values()[0];
    const number = first === undefined ? record.number : Math.min(record.number, first.number - 1);
    let stored = false;
    try {
      stored = number === record.number || (await store.renumber(id, number));
    } finally {
      pending.settle(id);
      pending.add(stored ? { ...record, number } : record);
    }
    if (!stored) return { moved: false };
    deps.events.queueChanged(deps.remaining());
    deps.dispatcher.schedule();
    return { moved: true, number };
  };
}
