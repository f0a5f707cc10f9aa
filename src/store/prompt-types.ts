/**
 * Durable prompt records: the gateway's queue and history live in these rows. One row follows
 * a prompt from POST /prompt to its history entry, so "queued", "running" and "finished" are
 * states of one record and a restart finds everything where it was.
 */

/** ComfyUI's API-format graph: node id → {class_type, inputs, _meta?}. */
export type PromptGraph = Readonly<Record<string, unknown>>;

export const PROMPT_STATES = ['pending', 'submitted', 'completed', 'failed', 'interrupted', 'cancelled'] as const;
/**
 * pending: waiting in our queue · submitted: handed to a backend (queued or running there) ·
 * completed / failed / interrupted: finished, in history · cancelled: removed before it ran.
 */
export type PromptState = (typeof PROMPT_STATES)[number];
export type FinishedState = 'completed' | 'failed' | 'interrupted';

export interface NewPrompt {
  readonly id: string;
  /** ComfyUI's priority number: lower runs first. */
  readonly number: number;
  readonly prompt: PromptGraph;
  readonly extraData: Readonly<Record<string, unknown>>;
  readonly outputsToExecute: readonly string[];
  readonly clientId: string | null;
  readonly createTime: number;
}

export interface PromptRecord extends NewPrompt {
  /** Insertion order: ties on `number` run first-in first-out. */
  readonly seq: number;
  readonly state: PromptState;
  readonly backend: string | null;
  readonly attempts: number;
  readonly startTime: number | null;
  readonly endTime: number | null;
}

/** A finished prompt as history and /api/jobs see it. `entry` is ComfyUI's history entry JSON text. */
export interface HistoryRecord {
  readonly id: string;
  readonly state: FinishedState;
  readonly entryJson: string;
}

export const JOB_STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'cancelled'] as const;
/** ComfyUI's /api/jobs status: interrupted prompts count as cancelled. */
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobQuery {
  readonly statuses: readonly JobStatus[];
  /** Submitted prompts that are executing now; the rest of the submitted ones are pending. */
  readonly runningIds: readonly string[];
  readonly sortBy: 'created_at' | 'execution_duration';
  readonly order: 'asc' | 'desc';
  readonly limit: number | null;
  readonly offset: number;
  /** Only prompts made by runs of this workflow app (automa_runs.prompt_id → app_id). */
  readonly appId?: string;
  /** Only prompts this backend took (the record's `backend`). */
  readonly backend?: string;
  /** Only prompts created at or after this time (ms since the epoch). */
  readonly createdFrom?: number;
  /** Only prompts created before this time (ms since the epoch). */
  readonly createdBefore?: number;
  /** Only prompts whose input values hold this text, case-insensitively (see promptSearchText). */
  readonly text?: string;
}

export interface JobRow {
  readonly record: PromptRecord;
  /** History entry JSON text when finished and still in history. */
  readonly entryJson: string | null;
}

export interface FinishInput {
  readonly state: FinishedState;
  readonly endTime: number;
  readonly startTime: number | null;
  /** ComfyUI's history entry for this prompt ({prompt, outputs, status, meta}). */
  readonly entry: Readonly<Record<string, unknown>>;
}

export interface HistoryRetention {
  /** Keep at most this many history entries (0: no limit). */
  readonly maxItems: number;
  /** Drop entries older than this many ms (0: no limit). */
  readonly maxAgeMs: number;
}

export interface PromptStore {
  /** Durable once resolved. Rejects with a conflict AppError when the id exists. */
  insert(prompt: NewPrompt): Promise<PromptRecord>;
  /** Several in one transaction; null where the id exists already (nothing else changes then). */
  insertMany(prompts: readonly NewPrompt[]): Promise<readonly (PromptRecord | null)[]>;
  get(id: string): Promise<PromptRecord | undefined>;
  /** Every pending or submitted prompt, in run order. Used at start-up to rebuild the queue. */
  unfinished(): Promise<readonly PromptRecord[]>;
  /** The highest seq ever used, so priority numbers keep growing across restarts. */
  lastSeq(): Promise<number>;
  /**
   * Claim a pending prompt for `backend`: true when this call moved it from pending to submitted;
   * false when it was no longer pending (cancelled, removed, or claimed by another gateway sharing
   * the store), and then the caller must not send it.
   */
  markSubmitted(id: string, backend: string, attempts: number): Promise<boolean>;
  /** Back to pending (the backend lost it); attempts are kept. */
  requeue(id: string): Promise<void>;
  /** A new priority number for a prompt still pending in our queue (move to front); false if it is not pending. */
  renumber(id: string, number: number): Promise<boolean>;
  /** Unfinished prompts (pending or submitted) → cancelled; returns the ids that changed. */
  cancel(ids: readonly string[]): Promise<readonly string[]>;
  /** Unfinished prompts are removed outright (POST /queue delete/clear); returns the ids removed. */
  removePending(ids: readonly string[] | 'all'): Promise<readonly string[]>;
  /** Record the end of a run and its history entry in one transaction. False if already finished. */
  finish(id: string, input: FinishInput): Promise<boolean>;
  history(id: string): Promise<HistoryRecord | undefined>;
  /**
   * A page of history as the JSON text of `{prompt_id: entry, …}`, in ComfyUI's order (oldest
   * first); without offset, the newest maxItems. Clients poll this: the same page may be served
   * from memory until the history changes.
   */
  historyPageJson(maxItems: number | null, offset: number | null): Promise<Buffer>;
  deleteHistory(ids: readonly string[] | 'all'): Promise<number>;
  jobs(query: JobQuery): Promise<{ rows: readonly JobRow[]; total: number }>;
  job(id: string): Promise<JobRow | undefined>;
  pruneHistory(retention: HistoryRetention, now: number): Promise<number>;
}
