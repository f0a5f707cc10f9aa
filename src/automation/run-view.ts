import type { RunProgress } from '../queue/index.js';
import type { RunRow } from '../store/index.js';
import { typedOutputs } from './outputs.js';
import { runStatus } from './run-state.js';
import type { RunOutput, RunStatus } from './types.js';
import { isRecord } from '../values.js';

/** What a run view needs to know of the queue right now. */
export interface LiveQueue {
  isRunning(promptId: string): boolean;
  progress(promptId: string): RunProgress | null;
}

export function statusOf(row: RunRow, queue: LiveQueue): RunStatus {
  return runStatus(row.status, row.status === 'queued' && row.submitted && queue.isRunning(row.promptId));
}

/** The answer to POST …/runs: enough to follow the run. */
export function runCreated(row: Pick<RunRow, 'id' | 'appId' | 'promptId' | 'inputs' | 'sweepId'>): Record<string, unknown> {
  return { id: row.id, app_id: row.appId, prompt_id: row.promptId, status: 'queued', inputs: row.inputs, links: runLinks(row) };
}

/** GET /automa/runs/{id}: status, progress, timings, backend, error and typed outputs. */
export function runView(row: RunRow, queue: LiveQueue, outputOrder: readonly string[] = []): Record<string, unknown> {
  const status = statusOf(row, queue);
  return {
    id: row.id,
    app_id: row.appId,
    ...(row.sweepId !== null && { sweep_id: row.sweepId, cell: row.cell, coords: row.coords }),
    prompt_id: row.promptId,
    status,
    inputs: row.inputs,
    client_id: row.clientId,
    attempt: row.attempt,
    backend: row.backend,
    progress: progressOf(status, row, queue),
    timings: {
      created_at: row.createTime,
      started_at: row.startTime,
      finished_at: row.endTime,
      run_ms: row.startTime !== null && row.endTime !== null ? row.endTime - row.startTime : null,
    },
    error: errorOf(row),
    outputs: outputsOf(row, outputOrder),
    links: runLinks(row),
  };
}

export function outputsOf(row: RunRow, order: readonly string[] = []): RunOutput[] {
  return typedOutputs(row.outputs, order);
}

function runLinks(row: Pick<RunRow, 'id' | 'appId' | 'promptId' | 'sweepId'>): Record<string, string> {
  return {
    self: `/automa/runs/${row.id}`,
    app: `/automa/apps/${row.appId}`,
    cancel: `/automa/runs/${row.id}/cancel`,
    job: `/api/jobs/${row.promptId}`,
    history: `/history/${row.promptId}`,
    ...(row.sweepId !== null && { sweep: `/automa/sweeps/${row.sweepId}` }),
  };
}

/** 0 → 1: nodes done (and the current node's steps) of the prompt's nodes. */
function progressOf(status: RunStatus, row: RunRow, queue: LiveQueue): Record<string, unknown> {
  if (status === 'succeeded') return { fraction: 1 };
  if (status !== 'running') return { fraction: 0 };
  const live = queue.progress(row.promptId);
  if (live === null) return { fraction: 0 };
  const step = live.step === null || live.step.max <= 0 ? 0 : live.step.value / live.step.max;
  const fraction = live.nodes_total === 0 ? 0 : Math.min(1, (live.nodes_done + step) / live.nodes_total);
  return { fraction: Math.round(fraction * 1000) / 1000, node: live.node, nodes_done: live.nodes_done, nodes_total: live.nodes_total, step: live.step };
}

/** The queue's refusal, or the backend's execution_error from the history entry. */
function errorOf(row: RunRow): Record<string, unknown> | null {
  if (row.error !== null) return { type: 'prompt_rejected', message: row.error };
  if (row.status !== 'failed' || !isRecord(row.execStatus)) return row.status === 'failed' ? { type: 'failed', message: 'The run failed' } : null;
  const messages = Array.isArray(row.execStatus.messages) ? row.execStatus.messages : [];
  for (const message of messages) {
    if (!Array.isArray(message) || message[0] !== 'execution_error' || !isRecord(message[1])) continue;
    const data = message[1];
    return {
      type: typeof data.exception_type === 'string' ? data.exception_type : 'execution_error',
      message: typeof data.exception_message === 'string' ? data.exception_message : 'The run failed',
      node: data.node_id ?? null,
      node_type: data.node_type ?? null,
    };
  }
  return { type: 'failed', message: 'The run failed' };
}
