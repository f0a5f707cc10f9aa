import type { PromptRecord, PromptStore } from '../store/index.js';
import type { BackendLink } from './backend-link.js';
import type { Dispatcher } from './dispatcher.js';
import type { PendingQueue } from './pending-queue.js';
import type { ClientEvents } from './ports.js';
import type { PromptRun } from './prompt-run.js';

export interface WithdrawalDeps {
  readonly store: PromptStore;
  readonly pending: PendingQueue;
  readonly links: readonly BackendLink[];
  readonly dispatcher: Dispatcher;
  readonly events: ClientEvents;
  readonly remaining: () => number;
  readonly findRun: (id: string) => { link: BackendLink; run: PromptRun } | undefined;
}

export interface Withdrawals {
  /** POST /queue {delete|clear}: drop prompts that have not started. */
  deletePending(ids: readonly string[] | 'all'): Promise<void>;
  /** POST /api/jobs/{id}/cancel: pending → never runs, running → interrupted, else a no-op (false). */
  cancel(id: string): Promise<{ cancelled: boolean }>;
}

/** A prompt taken out of memory by cancel or delete, and where from (to put it back). */
type Claim =
  | { readonly id: string; readonly from: 'pending'; readonly record: PromptRecord }
  | { readonly id: string; readonly from: 'backend'; readonly link: BackendLink; readonly run: PromptRun };

/**
 * Cancel and delete, made exclusive with dispatch: a prompt is first taken out of memory in one
 * synchronous step (a dispatch pass is synchronous too, so it sees the prompt either still
 * pending or gone), and only then is its store row changed. A dispatch pass that runs while that
 * write is under way cannot pick the prompt up, and a submission already under way for it stops
 * before reaching the backend (the dispatcher checks that the run is still in `link.inflight`).
 */
export function createWithdrawals(deps: WithdrawalDeps): Withdrawals {
  const { store, pending, links, dispatcher, events } = deps;

  const claimUnstarted = (id: string): Claim | undefined => {
    const record = pending.take(id);
    if (record) return { id, from: 'pending', record };
    const found = deps.findRun(id);
    if (!found || found.run.started) return undefined;
    found.link.inflight.delete(id);
    return { id, from: 'backend', link: found.link, run: found.run };
  };

  /** The store write for claimed prompts; if it fails they go back where they were. */
  const writeOrRestore = async <T>(claims: readonly Claim[], write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (err) {
      for (const claim of claims) {
        if (claim.from === 'pending') pending.add(claim.record);
        else if (!claim.link.inflight.has(claim.id)) claim.link.inflight.set(claim.id, claim.run);
      }
      throw err;
    } finally {
      for (const claim of claims) if (claim.from === 'pending') pending.settle(claim.id);
    }
  };

  return {
    deletePending: async (ids) => {
      const unstarted = (l: BackendLink): string[] => [...l.inflight.values()].filter((r) => !r.started).map((r) => r.record.id);
      const targets = ids === 'all' ? [...pending.ids(), ...links.flatMap(unstarted)] : ids;
      const claims = targets.flatMap((id) => claimUnstarted(id) ?? []);
      if (claims.length === 0) return;
      const removed = new Set(await writeOrRestore(claims, () => store.removePending(claims.map((c) => c.id))));
      for (const claim of claims) {
        if (claim.from === 'backend' && removed.has(claim.id)) await dispatcher.withdraw(claim.link, claim.run);
      }
      if (removed.size > 0) events.queueChanged(deps.remaining());
    },
    cancel: async (id) => {
      const found = deps.findRun(id);
      if (found?.run.started) {
        await dispatcher.interruptRun(found.link, found.run);
        return { cancelled: true };
      }
      const claim = claimUnstarted(id);
      // As ComfyUI: cancelling a job that has finished, or that nobody knows, is a no-op.
      if (claim === undefined) return { cancelled: false };
      const cancelled = await writeOrRestore([claim], () => store.cancel([id]));
      if (claim.from === 'backend') await dispatcher.withdraw(claim.link, claim.run);
      events.queueChanged(deps.remaining());
      return { cancelled: claim.from === 'backend' || cancelled.length > 0 };
    },
  };
}
