import type { FieldProblem } from '../errors.js';
import type { RunRow, SweepRow } from '../store/index.js';
import type { ExpandedAxis } from './cells.js';
import { outputsOf, statusOf, type LiveQueue } from './run-view.js';
import { WEBHOOK_FIELDS_SCHEMA } from './run-webhooks.js';
import { JSON_SCHEMA_2020 } from './schema.js';
import type { ApiPrompt, AppInput, AppOutput, RunStatus, SweepMode } from './types.js';

/** The shape of POST /automa/apps/{id}/sweeps (values are checked against the app's schema after). */
export const SWEEP_BODY_SCHEMA = {
  $schema: JSON_SCHEMA_2020,
  type: 'object',
  additionalProperties: false,
  required: ['axes'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    mode: { enum: ['grid', 'zip'] },
    inputs: { type: 'object' },
    client_id: { type: 'string', minLength: 1, maxLength: 200 },
    ...WEBHOOK_FIELDS_SCHEMA,
    axes: {
      type: 'array',
      minItems: 1,
      maxItems: 16,
      items: {
        description: '{input, values: […]}, {input, range: {from, to, step}} or {input, random: N}',
        anyOf: [
          { type: 'object', additionalProperties: false, required: ['input', 'values'], properties: { input: { type: 'string' }, values: { type: 'array', minItems: 1 } } },
          {
            type: 'object',
            additionalProperties: false,
            required: ['input', 'range'],
            properties: {
              input: { type: 'string' },
              range: { type: 'object', additionalProperties: false, required: ['from', 'to', 'step'], properties: { from: { type: 'number' }, to: { type: 'number' }, step: { type: 'number' } } },
            },
          },
          { type: 'object', additionalProperties: false, required: ['input', 'random'], properties: { input: { type: 'string' }, random: { type: 'integer', minimum: 1 } } },
        ],
      },
    },
  },
} as const;

/** What the store keeps of a sweep (SweepRow.body): its axes and the app as it was, which its runs compile from. */
export interface SweepBody {
  readonly mode: SweepMode;
  readonly axes: readonly ExpandedAxis[];
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly app: { readonly prompt: ApiPrompt; readonly inputs: readonly AppInput[]; readonly outputs: readonly AppOutput[] };
}

export const sweepBodyOf = (row: SweepRow): SweepBody => row.body as unknown as SweepBody;

export function tooManyRuns(count: number, max: number): FieldProblem {
  return { field: 'axes', reason: `makes ${count} runs, more than --max-sweep-runs (${max})` };
}

/** Runs by status, with every status present. */
export function countsOf(statuses: readonly RunStatus[]): Record<RunStatus, number> {
  const counts: Record<RunStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const status of statuses) counts[status] += 1;
  return counts;
}

function sweepLinks(id: string): Record<string, string> {
  return {
    self: `/automa/sweeps/${id}`,
    runs: `/automa/runs?sweep=${id}`,
    sheet: `/automa/sweeps/${id}/sheet.png`,
    cancel: `/automa/sweeps/${id}/cancel`,
    retry: `/automa/sweeps/${id}/retry`,
  };
}

/** The answer to POST …/sweeps. */
export function sweepCreated(row: SweepRow): Record<string, unknown> {
  const body = sweepBodyOf(row);
  return { id: row.id, app_id: row.appId, name: row.name, mode: body.mode, axes: body.axes, count: row.count, status: 'queued', links: sweepLinks(row.id) };
}

/** GET /automa/sweeps/{id}: counts by status, and every cell with its run. */
export function sweepView(row: SweepRow, runs: readonly RunRow[], queue: LiveQueue): Record<string, unknown> {
  const statuses = runs.map((run) => statusOf(run, queue));
  const { links, ...summary } = sweepSummary(row, countsOf(statuses));
  return { ...summary, cells: cellViews(row, runs, statuses), links };
}

/** The sweep without its cells: what GET shows, with these counts (sweep events carry it). */
export function sweepSummary(row: SweepRow, counts: Readonly<Record<RunStatus, number>>): Record<string, unknown> {
  const body = sweepBodyOf(row);
  const unfinished = counts.queued + counts.running;
  const status = row.cancelled && unfinished === 0 ? 'cancelled' : unfinished === 0 ? 'finished' : counts.running > 0 || unfinished < row.count ? 'running' : 'queued';
  return {
    id: row.id,
    app_id: row.appId,
    name: row.name,
    mode: body.mode,
    axes: body.axes,
    inputs: body.inputs,
    count: row.count,
    status,
    cancelled: row.cancelled,
    counts: { ...counts },
    create_time: row.createTime,
    links: sweepLinks(row.id),
  };
}

/** Each cell with its run's status and typed outputs (the sweep snapshot's outputs first). */
export function cellViews(row: SweepRow, runs: readonly RunRow[], statuses: readonly RunStatus[]): Record<string, unknown>[] {
  const order = sweepBodyOf(row).app.outputs.map((o) => o.node);
  return runs.map((run, i) => ({
    index: run.cell,
    coords: run.coords,
    run_id: run.id,
    prompt_id: run.promptId,
    status: statuses[i],
    outputs: outputsOf(run, order),
  }));
}
