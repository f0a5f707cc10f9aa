/**
 * Workflow apps, their runs and sweeps, and Idempotency-Key answers. A run points at one prompt
 * of the durable queue (PromptStore) by its prompt_id; its status follows that prompt's state
 * inside the prompt's own transactions (see the SQLite triggers in migrations.ts), so a restart
 * after kill -9 finds both in agreement.
 */

/** The part a run's status keeps in storage: `queued` covers queued and running (the gateway knows which is running). */
export const STORED_RUN_STATUSES = ['queued', 'succeeded', 'failed', 'cancelled'] as const;
export type StoredRunStatus = (typeof STORED_RUN_STATUSES)[number];

export interface AppRow {
  readonly id: string;
  readonly name: string;
  /** The app's definition (prompt, input bindings, outputs, source) as the automation part writes it. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly createTime: string;
  readonly updateTime: string;
}

export interface NewRun {
  readonly id: string;
  readonly appId: string;
  readonly sweepId: string | null;
  readonly cell: number | null;
  readonly coords: Readonly<Record<string, unknown>> | null;
  readonly promptId: string;
  readonly clientId: string | null;
  /** Every input's value as the run uses it (random seeds already drawn). */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** The compiled prompt, kept until the queue has it; null when it is compiled from the sweep's snapshot. */
  readonly prompt: Readonly<Record<string, unknown>> | null;
  readonly createTime: number;
}

export interface RunRow extends NewRun {
  readonly seq: number;
  readonly status: StoredRunStatus;
  /** The queue holds (or held) its prompt. */
  readonly submitted: boolean;
  readonly backend: string | null;
  /** Why the queue refused its prompt, when it did. */
  readonly error: string | null;
  /** The history entry's `outputs` and `status`, once it finished. */
  readonly outputs: unknown;
  readonly execStatus: unknown;
  readonly startTime: number | null;
  readonly endTime: number | null;
  /** 1, then +1 each time a sweep retry runs the cell again. */
  readonly attempt: number;
}

export interface NewSweep {
  readonly id: string;
  readonly appId: string;
  readonly name: string | null;
  /** Axes, mode, base inputs and the app snapshot its runs compile from. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly count: number;
  readonly createTime: number;
}

export interface SweepRow extends NewSweep {
  readonly cancelled: boolean;
}

/** How long an Idempotency-Key's first answer is kept and replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** The first answer to a create request sent with an Idempotency-Key. */
export interface IdempotentAnswer {
  readonly scope: string;
  readonly key: string;
  /** sha256 of the request body, to tell a retry from a different request under the same key. */
  readonly bodyHash: string;
  readonly status: number;
  readonly response: Readonly<Record<string, unknown>>;
  readonly createTime: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

export interface RunQuery {
  readonly appId?: string;
  readonly sweepId?: string;
  readonly statuses?: readonly StoredRunStatus[];
  /** With `statuses`: only runs whose prompt is (true) or is not (false) among these. */
  readonly promptIdsIn?: { readonly ids: readonly string[]; readonly inside: boolean };
  readonly limit: number;
  readonly cursor?: string;
}

/** A sweep's runs by status as clients see them (`running`: queued runs whose prompt is executing). */
export interface SweepCounts {
  readonly queued: number;
  readonly running: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly cancelled: number;
}

export const RUN_EVENT_TYPES = ['run.queued', 'run.started', 'run.progress', 'run.succeeded', 'run.failed', 'run.cancelled'] as const;
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];
export type SweepEventType = 'sweep.progress' | 'sweep.completed';

/**
 * What run and sweep events carry, given by the automation part (it owns the views) and called by
 * the store inside the transaction that made the change, so an event commits with its change.
 * The store picks the type and sets subject, app and sweep; these build `data`. Synchronous.
 */
export interface AutomaEventViews {
  /** The run as GET /automa/runs/{id} shows it; `app` is undefined once the app was deleted. */
  run(type: RunEventType, row: RunRow, app: AppRow | undefined): Readonly<Record<string, unknown>>;
  /** The sweep's summary; `cells` (its runs in cell order) reads them, for sweep.completed. */
  sweep(type: SweepEventType, sweep: SweepRow, counts: SweepCounts, cells: () => readonly RunRow[]): Readonly<Record<string, unknown>>;
  /** Prompt ids executing now, for a sweep's `running` count. */
  runningPromptIds(): readonly string[];
}

export interface AutomaStore {
  /**
   * The views run and sweep events carry. Until they are given, a transaction that changes a
   * run's state fails (an event the log must hold could not be written).
   */
  useEventViews(views: AutomaEventViews): void;
  /**
   * Append `type` (run.started, run.progress: changes that live in the queue's memory) for the run
   * whose prompt this is, in one transaction, if it has one and it has not ended; false otherwise.
   */
  appendLiveRunEvent(promptId: string, type: RunEventType, data: (row: RunRow, app: AppRow | undefined) => Readonly<Record<string, unknown>>): Promise<boolean>;

  createApp(app: { id: string; name: string; body: Readonly<Record<string, unknown>> }): Promise<AppRow>;
  getApp(id: string): Promise<AppRow | undefined>;
  listApps(query: { limit: number; cursor?: string }): Promise<Page<AppRow>>;
  /** Undefined when absent. */
  updateApp(id: string, change: { name?: string; body?: Readonly<Record<string, unknown>> }): Promise<AppRow | undefined>;
  /** Its runs and sweeps stay (they name the app by id); false when absent. */
  deleteApp(id: string): Promise<boolean>;

  /** The run and (when given) the Idempotency-Key answer, in one transaction. */
  createRun(run: NewRun, answer?: IdempotentAnswer): Promise<RunRow>;
  /** Undo a run whose prompt the queue refused outright (and its Idempotency-Key answer). */
  deleteRun(id: string): Promise<void>;
  getRun(id: string): Promise<RunRow | undefined>;
  listRuns(query: RunQuery): Promise<Page<RunRow>>;
  /** Runs whose prompt the queue does not have yet, oldest first (a sweep's in cell order), after `afterSeq`. */
  unsubmitted(afterSeq: number, limit: number): Promise<readonly RunRow[]>;
  /** The queue refused the run's prompt: it failed and will not be submitted. */
  failRun(id: string, error: string): Promise<void>;
  /** Runs not submitted yet → cancelled; returns the ids that changed. */
  cancelUnsubmitted(ids: readonly string[]): Promise<readonly string[]>;

  /** The sweep, all its runs (in cell order) and the Idempotency-Key answer, in one transaction. */
  createSweep(sweep: NewSweep, runs: readonly NewRun[], answer?: IdempotentAnswer): Promise<SweepRow>;
  getSweep(id: string): Promise<SweepRow | undefined>;
  listSweeps(query: { appId?: string; limit: number; cursor?: string }): Promise<Page<SweepRow>>;
  /** The sweep's runs in cell order. */
  sweepRuns(sweepId: string): Promise<readonly RunRow[]>;
  /** Marks the sweep cancelled and cancels its unsubmitted runs; returns the runs whose prompts the queue holds unfinished. */
  cancelSweep(id: string): Promise<readonly RunRow[]>;
  /** Failed (and cancelled) cells run again under fresh prompt ids from `newPromptId`; returns the runs changed. */
  retrySweep(id: string, statuses: readonly StoredRunStatus[], newPromptId: () => string): Promise<readonly RunRow[]>;

  /** A live (younger than `since`) Idempotency-Key answer. */
  findAnswer(scope: string, key: string, since: number): Promise<IdempotentAnswer | undefined>;
  /** Drop answers older than `before`. */
  pruneAnswers(before: number): Promise<number>;
}
