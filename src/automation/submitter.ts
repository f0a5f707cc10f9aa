import { setImmediate as nextTurn } from 'node:timers/promises';
import { isAppError, type AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AutomaStore, RunRow } from '../store/index.js';
import type { RunState } from './run-state.js';

/** What runs need of the gateway's queue: POST /prompt's path, and cancelling a prompt. */
export interface QueuePort {
  submit(body: unknown): Promise<unknown>;
  cancel(id: string): Promise<{ cancelled: boolean }>;
}

export type SubmitOutcome = { readonly ok: true } | { readonly ok: false; readonly error: AppError };

export interface Submitter {
  /** Hand one run's prompt to the queue (POST /prompt's path); a 4xx comes back as the outcome, anything else throws. */
  submit(run: RunRow): Promise<SubmitOutcome>;
  /** Submit every run the queue does not have yet, soon, in order (coalesced). */
  kick(): void;
  /** Resolves when no submission pass is running (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

const BATCH = 500;
/** Runs submitted between turns of the event loop (each submit resolves without I/O). */
const RUNS_PER_TURN = 50;
const RETRY_AFTER_MS = 1_000;

/**
 * Moves runs into the durable queue. A run is stored first with its prompt_id chosen, then
 * submitted under that id; the queue's insert marks it submitted in the same transaction. So a
 * kill -9 at any point leaves each run either submitted once or still to submit (done here at the
 * next start), never lost and never twice: a second insert of one prompt_id is refused (409).
 */
export function createSubmitter(deps: {
  store: AutomaStore;
  queue: QueuePort;
  runState: RunState;
  logger: Logger;
  /** The prompt of a run stored without one (a sweep's cell, compiled from the sweep's snapshot). */
  compile: (run: RunRow) => Promise<Readonly<Record<string, unknown>>>;
}): Submitter {
  const { store, queue, logger } = deps;
  const inFlight = new Set<string>();
  let pass: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;

  const submit = async (run: RunRow): Promise<SubmitOutcome> => {
    // Already on its way in (the background pass and a request met on one run): it is handled.
    if (inFlight.has(run.id)) return { ok: true };
    inFlight.add(run.id);
    try {
      const prompt = run.prompt ?? (await deps.compile(run));
      await queue.submit({
        prompt,
        prompt_id: run.promptId,
        ...(run.clientId !== null && { client_id: run.clientId }),
        extra_data: { automa: { run_id: run.id, app_id: run.appId, ...(run.sweepId !== null && { sweep_id: run.sweepId }) } },
      });
    } catch (error) {
      // 409: the queue has this prompt_id already (an earlier attempt got through before a crash).
      if (!isAppError(error) || error.status === 409) {
        if (isAppError(error)) return { ok: true };
        throw error;
      }
      if (error.status >= 500) throw error;
      return { ok: false, error };
    } finally {
      inFlight.delete(run.id);
    }
    // Cancelled while its prompt was on its way in: the queue has it now, so cancel it there.
    if ((await store.getRun(run.id))?.status === 'cancelled') await queue.cancel(run.promptId);
    return { ok: true };
  };

  const drain = async (): Promise<void> => {
    let after = 0;
    for (;;) {
      const rows = await store.unsubmitted(after, BATCH);
      if (rows.length === 0) return;
      for (const [i, run] of rows.entries()) {
        // A submit resolves without waiting on I/O, so a long sweep would hold the event loop:
        // requests (the 201 of the sweep itself) and the queue's own work get turns in between.
        if (i % RUNS_PER_TURN === 0) await nextTurn();
        after = run.seq;
        if (stopped) return;
        if (inFlight.has(run.id)) continue;
        const outcome = await submit(run);
        if (!outcome.ok) await deps.runState.failRun(run.id, `${outcome.error.message}${outcome.error.details ? `: ${outcome.error.details}` : ''}`);
      }
    }
  };

  const kick = (): void => {
    if (stopped) return;
    if (pass !== null) {
      again = true;
      return;
    }
    pass = (async () => {
      do {
        again = false;
        await drain();
      } while (again && !stopped);
    })()
      .catch((err: unknown) => {
        logger.error({ err }, 'could not submit runs; trying again shortly');
        timer = setTimeout(() => {
          timer = null;
          kick();
        }, RETRY_AFTER_MS);
        timer.unref();
      })
      .finally(() => {
        pass = null;
      });
  };

  return {
    submit,
    kick,
    idle: async () => {
      while (pass !== null) await pass;
    },
    stop: () => {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
    },
  };
}
