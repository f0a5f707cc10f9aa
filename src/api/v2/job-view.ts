import type { Gateway } from '../../queue/index.js';
import type { JobTracker } from './job-tracker.js';
import type { OutputAssets, OutputJson } from './job-outputs.js';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'canceling' | 'canceled' | 'failed' | 'expired';

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'canceled', 'failed', 'expired']);

export interface ProgressJson {
  readonly value: number;
  readonly nodes_done: number;
  readonly nodes_total: number;
  readonly current_node: string | null;
  readonly current_node_class: string | null;
  readonly step: number | null;
  readonly steps: number | null;
  readonly message: string | null;
}

/** A job as the v2 contract shows it (Job schema); output URLs host-relative until a route makes them absolute. */
export interface JobJson {
  readonly id: string;
  readonly status: JobStatus;
  readonly created_at: string;
  readonly started_at: string | null;
  readonly completed_at: string | null;
  readonly expires_at: string;
  readonly queue_position: number | null;
  readonly progress: ProgressJson | null;
  readonly outputs: OutputJson[];
  readonly error: Record<string, unknown> | null;
  readonly metrics: Record<string, number | null>;
  readonly urls: { readonly self: string; readonly events: string; readonly cancel: string };
}

export interface JobViewDeps {
  readonly gateway: Gateway;
  readonly tracker: JobTracker;
  readonly outputs: OutputAssets;
  /** Jobs a v2 cancel was asked for while running: `canceling` until the backend stops. */
  readonly cancelRequested: ReadonlySet<string>;
  /** How long history keeps a finished job (0: until deleted). */
  readonly retentionMs: number;
}

type Detail = Record<string, unknown>;

const iso = (ms: unknown): string | null => (typeof ms === 'number' ? new Date(ms).toISOString() : null);
const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** v2 status of the gateway's /api/jobs status (ComfyUI's vocabulary). */
function statusOf(detail: Detail, cancelRequested: boolean): JobStatus {
  switch (detail.status) {
    case 'in_progress':
      return cancelRequested ? 'canceling' : 'running';
    case 'completed':
      return 'succeeded';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'canceled';
    default:
      return 'queued';
  }
}

/** JobError of ComfyUI's execution_error message. */
function errorOf(detail: Detail): Record<string, unknown> {
  const error = record(detail.execution_error);
  const traceback = Array.isArray(error.traceback) ? error.traceback.filter((line) => typeof line === 'string').join('') : null;
  return {
    code: typeof error.exception_type === 'string' && error.node_id === null ? 'dispatch_error' : 'node_execution_error',
    message: typeof error.exception_message === 'string' ? error.exception_message : 'The job failed',
    node_id: typeof error.node_id === 'string' ? error.node_id : null,
    class_type: typeof error.node_type === 'string' ? error.node_type : null,
    traceback: traceback === '' ? null : traceback,
  };
}

/** The v2 job view, computed from the durable record (gateway.job) plus the tracker's live state. */
export function createJobViews(deps: JobViewDeps) {
  const { gateway, tracker } = deps;

  const progressOf = (id: string, status: JobStatus, graph: Record<string, unknown>): ProgressJson | null => {
    const total = Object.keys(graph).length;
    if (status === 'succeeded') {
      return { value: 1, nodes_done: total, nodes_total: total, current_node: null, current_node_class: null, step: null, steps: null, message: null };
    }
    const live = tracker.progress(id);
    if (live === undefined || status === 'queued') return null;
    const done = [...live.done].filter((node) => Object.hasOwn(graph, node)).length;
    const stepShare = live.step !== null && live.steps !== null && live.steps > 0 ? Math.min(1, live.step / live.steps) : 0;
    const value = total === 0 ? 0 : Math.min(1, (done + (live.currentNode !== null ? stepShare : 0)) / total);
    const classType = live.currentNode === null ? null : record(graph[live.currentNode]).class_type;
    const currentClass = typeof classType === 'string' ? classType : null;
    return {
      value,
      nodes_done: done,
      nodes_total: total,
      current_node: live.currentNode,
      current_node_class: currentClass,
      step: live.step,
      steps: live.steps,
      message: currentClass !== null && live.step !== null && live.steps !== null ? `${currentClass} ${live.step}/${live.steps}` : null,
    };
  };

  const queuePosition = (id: string): number | null => {
    const index = gateway.queue().queue_pending.findIndex((tuple) => tuple[1] === id);
    return index === -1 ? null : index;
  };

  return {
    /** The job, or undefined when the queue does not know the id (or history dropped it). */
    view: async (id: string): Promise<JobJson | undefined> => {
      const detail = await gateway.job(id);
      if (detail === undefined) return undefined;
      const status = statusOf(detail, deps.cancelRequested.has(id));
      const graph = record(record(detail.workflow).prompt);
      const created = typeof detail.create_time === 'number' ? detail.create_time : Date.now();
      const started = typeof detail.execution_start_time === 'number' ? detail.execution_start_time : null;
      const ended = typeof detail.execution_end_time === 'number' ? detail.execution_end_time : null;
      // Finished: history's outputs (collected, durable). Running: what `executed` committed so far.
      const live = tracker.progress(id);
      const source = detail.outputs !== undefined ? record(detail.outputs) : Object.fromEntries(live?.outputs ?? []);
      const base = `/api/v2/jobs/${id}`;
      return {
        id,
        status,
        created_at: iso(created) ?? new Date().toISOString(),
        started_at: iso(started),
        completed_at: TERMINAL.has(status) ? iso(ended) : null,
        expires_at: deps.retentionMs > 0 ? new Date((ended ?? created) + deps.retentionMs).toISOString() : '9999-12-31T23:59:59.000Z',
        queue_position: status === 'queued' ? queuePosition(id) : null,
        progress: progressOf(id, status, graph),
        outputs: await deps.outputs.list(id, source, ended ?? created),
        error: status === 'failed' ? errorOf(detail) : null,
        metrics: {
          queue_ms: started === null ? null : Math.max(0, started - created),
          execution_ms: started === null ? null : Math.max(0, (ended ?? Date.now()) - started),
        },
        urls: { self: base, events: `${base}/events`, cancel: `${base}/cancel` },
      };
    },
    /** The executed graph (API format), as stored. */
    workflow: async (id: string): Promise<Record<string, unknown> | undefined> => {
      const detail = await gateway.job(id);
      return detail === undefined ? undefined : record(record(detail.workflow).prompt);
    },
  };
}

export type JobViews = ReturnType<typeof createJobViews>;

/** Output and asset URLs absolute against the request's origin (their schema says `format: uri`). */
export function withOrigin<T extends { outputs: OutputJson[] }>(job: T, origin: string): T {
  return { ...job, outputs: job.outputs.map((output) => ({ ...output, url: origin + output.url })) };
}
