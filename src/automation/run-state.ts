import type { AutomaStore, IdempotentAnswer, NewRun, NewSweep, RunRow, StoredRunStatus } from '../store/index.js';
import type { RunStatus } from './types.js';

/**
 * Every change of a run's or a sweep's state made from TypeScript goes through here; the rest
 * (a run following its prompt: queued → succeeded/failed/cancelled) happens in the store, inside
 * the queue's own transaction (store/sqlite/migrations.ts, automa triggers). Either way the store
 * appends the run's and its sweep's events in the transaction that makes the change (migration 7,
 * store/sqlite/run-events.ts), with the views run-events.ts gives it.
 */
export interface RunState {
  createRun(run: NewRun, answer?: IdempotentAnswer): Promise<RunRow>;
  /** The queue refused the prompt of a run nobody was answered about yet: as if it never was. */
  discardRun(id: string): Promise<void>;
  /** The queue refused the prompt of a run already acknowledged (a sweep's cell): it failed. */
  failRun(id: string, reason: string): Promise<void>;
  /** Cancel runs whose prompt the queue does not have yet; returns those cancelled. */
  cancelUnsubmitted(ids: readonly string[]): Promise<readonly string[]>;
  createSweep(sweep: NewSweep, runs: readonly NewRun[], answer?: IdempotentAnswer): Promise<void>;
  /** Returns the runs whose prompts the queue still holds (to cancel there). */
  cancelSweep(id: string): Promise<readonly RunRow[]>;
  retrySweep(id: string, newPromptId: () => string): Promise<readonly RunRow[]>;
  /** How many cancellations were made so far: a submitter compares it around a submit instead of re-reading each run. */
  cancellations(): number;
}

export function createRunState(store: AutomaStore): RunState {
  let cancellations = 0;
  return {
    createRun: (run, answer) => store.createRun(run, answer),
    discardRun: (id) => store.deleteRun(id),
    failRun: (id, reason) => store.failRun(id, reason),
    cancelUnsubmitted: (ids) => {
      cancellations += 1;
      return store.cancelUnsubmitted(ids);
    },
    createSweep: async (sweep, runs, answer) => void (await store.createSweep(sweep, runs, answer)),
    cancelSweep: (id) => {
      cancellations += 1;
      return store.cancelSweep(id);
    },
    retrySweep: (id, newPromptId) => store.retrySweep(id, ['failed'], newPromptId),
    cancellations: () => cancellations,
  };
}

/** The status a client sees: the stored one, with `running` for a queued run whose prompt is executing. */
export function runStatus(stored: StoredRunStatus, running: boolean): RunStatus {
  return stored === 'queued' && running ? 'running' : stored;
}

export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);
