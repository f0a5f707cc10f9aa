import { setImmediate as nextTurn } from 'node:timers/promises';
import { isAppError, type AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AutomaStore, RunRow } from '../store/index.js';
import type { RunState } from './run-state.js';

/** What runs need of the gateway's queue: POST /prompt's path (one body or many), and cancelling a prompt. */
export interface QueuePort {
  submitMany(bodies: readonly unknown[]): Promise<readonly (unknown | AppError)[]>;
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

const PAGE = 500;
/**
 * Runs handed to the queue together: one store transaction each, and a turn of the event loop in
 * between (a submit resolves without waiting on I/O, so a long sweep would otherwise hold the
 * loop, its own 201 included).
 */
const RUNS_PER_BATCH = 50;
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

  const bodyOf = async (run: RunRow): Promise<Record<string, unknown>> => ({
    prompt: run.prompt ?? (await deps.compile(run)),
    prompt_id: run.promptId,
    ...(run.clientId !== null && { client_id: run.clientId }),
    extra_data: { automa: { run_id: run.id, app_id: run.appId, ...(run.sweepId !== null && { sweep_id: run.sweepId }) } },
  });

  /** Submit runs not already on their way in; each gets its outcome (undefined: skipped). */
  const submitBatch = async (runs: readonly RunRow[]): Promise<(SubmitOutcome | undefined)[]> => {
    const mine = runs.filter((run) => !inFlight.has(run.id));
    for (const run of mine) inFlight.add(run.id);
    const cancellations = deps.runState.cancellations();
    let results: readonly unknown[];
    try {
      const bodies = await Promise.all(mine.map(bodyOf));
      results = await queue.submitMany(bodies);
    } finally {
      for (const run of mine) inFlight.delete(run.id);
    }
    const outcomes = new Map<string, SubmitOutcome>();
    for (const [i, run] of mine.entries()) {
      const result = results[i];
      // 409: the queue has this prompt_id already (an earlier attempt got through before a crash).
      if (!isAppError(result) || result.status === 409) outcomes.set(run.id, { ok: true });
      else if (result.status >= 500) throw result;
      else outcomes.set(run.id, { ok: false, error: result });
    }
    // Cancelled while their prompts were on their way in: the queue has them now, so cancel them there.
    if (deps.runState.cancellations() !== cancellations) {
      for (const run of mine) if ((await store.getRun(run.id))?.status === 'cancelled') await queue.cancel(run.promptId);
    }
    return runs.map((run) => outcomes.get(run.id) ?? (mine.includes(run) ? undefined : { ok: true }));
  };

  const drain = async (): Promise<void> => {
    let after = 0;
    for (;;) {
      const rows = await store.unsubmitted(after, PAGE);
      if (rows.length === 0) return;
      for (let start = 0; start < rows.length; start += RUNS_PER_BATCH) {
        await nextTurn();
        if (stopped) return;
        const batch = rows.slice(start, start + RUNS_PER_BATCH);
        const outcomes = await submitBatch(batch);
        for (const [i, outcome] of outcomes.entries()) {
          if (outcome?.ok !== false) continue;
          const { error } = outcome;
          await deps.runState.failRun((batch[i] as RunRow).id, `${error.message}${error.details ? `: ${error.details}` : ''}`);
        }
        after = (batch[batch.length - 1] as RunRow).seq;
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
    submit: async (run) => (await submitBatch([run]))[0] ?? { ok: true },
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
