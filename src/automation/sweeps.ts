import { randomUUID } from 'node:crypto';
import { badRequest, invalidFields, isAppError, notFound, type FieldProblem } from '../errors.js';
import type { AutomaStore, NewRun, RunRow, SweepRow } from '../store/index.js';
import type { AppService } from './apps.js';
import { cellAt, expandAxes, type ExpandedAxis } from './cells.js';
import { compilePrompt, resolveValues } from './compile.js';
import { answerFor, previousAnswer, type IdempotentRequest } from './idempotency.js';
import { resolveImageValues, type ImageFiles } from './image-inputs.js';
import type { RunState } from './run-state.js';
import type { LiveQueue } from './run-view.js';
import type { Answer } from './runs.js';
import { inputsSchema, runBodySchema } from './schema.js';
import { subscribeFor, type OneOffWebhooks, type WebhookFields } from './run-webhooks.js';
import { renderSheet, sheetLayout } from './sheet.js';
import type { QueuePort, Submitter } from './submitter.js';
import { SWEEP_BODY_SCHEMA, sweepBodyOf, sweepCreated, sweepView, tooManyRuns, type SweepBody } from './sweep-model.js';
import type { AppInput, InputValue, SweepAxis, SweepMode } from './types.js';
import type { SchemaChecker } from './validate.js';
import { outputsOf, statusOf } from './run-view.js';

export interface SweepServiceDeps {
  readonly store: AutomaStore;
  readonly apps: AppService;
  readonly runState: RunState;
  readonly submitter: Submitter;
  readonly queue: QueuePort & LiveQueue;
  readonly files: ImageFiles;
  /** The bytes of an output file (`/view`'s filename, subfolder, type), or null when it cannot be had. */
  readonly readOutput: (ref: { filename: string; subfolder: string; type: string }) => Promise<Buffer | null>;
  readonly checker: SchemaChecker;
  readonly maxSweepRuns: number;
  readonly webhooks: OneOffWebhooks;
}

interface SweepRequest extends WebhookFields {
  readonly name?: string;
  readonly mode?: SweepMode;
  readonly inputs?: Record<string, unknown>;
  readonly client_id?: string;
  readonly axes: readonly SweepAxis[];
}

const MAX_SHEET_PIXELS = 120_000_000;

export function createSweepService(deps: SweepServiceDeps) {
  const { store, queue, checker } = deps;

  const load = async (id: string): Promise<SweepRow> => {
    const row = await store.getSweep(id);
    if (row === undefined) throw notFound('Sweep', id);
    return row;
  };

  /** The body's shape, base inputs and axes checked against the app; the cells counted. */
  const plan = async (appId: string, body: unknown) => {
    const app = await deps.apps.load(appId);
    checker.check(SWEEP_BODY_SCHEMA, body, 'The sweep is not valid');
    const request = body as SweepRequest;
    const mode = request.mode ?? 'grid';
    checker.check(runBodySchema(app.inputs), { inputs: request.inputs ?? {} }, 'Some inputs are not valid');
    const expanded = expandAxes(request.axes, mode, app.inputs, deps.maxSweepRuns);
    if (!expanded.ok) throw invalidFields('The sweep is not valid', expanded.problems);
    if (expanded.count > deps.maxSweepRuns) throw invalidFields('The sweep is too large', [tooManyRuns(expanded.count, deps.maxSweepRuns)]);
    return { app, request, mode, expanded };
  };

  /** Everything is checked and every cell built before the one transaction that stores the sweep and its runs. */
  const create = async (appId: string, body: unknown, idempotency: IdempotentRequest | null): Promise<Answer> => {
    const first = await previousAnswer(store, idempotency);
    if (first !== undefined) return { status: first.status, body: first.response };
    const { app, request, mode, expanded } = await plan(appId, body);
    const axes = await checkAxisValues(expanded.axes, app.inputs);
    const base = await resolveImageValues(app.inputs, request.inputs ?? {}, deps.files, (name) => `inputs.${name}`);
    if (base.problems.length > 0) throw invalidFields('Some inputs are not valid', base.problems);

    const sweepId = randomUUID();
    const now = Date.now();
    const runs: NewRun[] = [];
    for (let index = 0; index < expanded.count; index++) {
      const { coords } = cellAt(axes, mode, index);
      const values = resolveValues(app.inputs, { ...base.values, ...coords });
      runs.push({ id: randomUUID(), appId, sweepId, cell: index, coords, promptId: randomUUID(), clientId: request.client_id ?? null, inputs: values, prompt: null, createTime: now });
    }
    const sweepBody: SweepBody = { mode, axes, inputs: base.values, app: { prompt: app.body.prompt, inputs: app.inputs, outputs: app.body.outputs } };
    const row: SweepRow = { id: sweepId, appId, name: request.name ?? null, body: sweepBody as unknown as Record<string, unknown>, count: expanded.count, createTime: now, cancelled: false };
    const webhook = await subscribeFor(deps.webhooks, request, { sweep: sweepId });
    const answer = { ...sweepCreated(row), ...(webhook !== null && { webhook: webhook.answer }) };
    try {
      await deps.runState.createSweep(row, runs, answerFor(idempotency, 201, answer));
    } catch (error) {
      await webhook?.undo();
      const raced = isAppError(error) && error.status === 409 ? await previousAnswer(store, idempotency) : undefined;
      if (raced !== undefined) return { status: raced.status, body: raced.response };
      throw error;
    }
    deps.submitter.kick();
    return { status: 201, body: answer };
  };

  /** Each axis value must be valid for its input (data URLs of image axes become uploads). */
  const checkAxisValues = async (axes: readonly ExpandedAxis[], inputs: readonly AppInput[]): Promise<ExpandedAxis[]> => {
    const schema = inputsSchema(inputs);
    const problems: FieldProblem[] = [];
    const out: ExpandedAxis[] = [];
    for (const [i, axis] of axes.entries()) {
      const values: InputValue[] = [];
      for (const [j, value] of axis.values.entries()) {
        const field = `axes.${i}.values.${j}`;
        problems.push(...checker.problems(schema, { [axis.input]: value }).map((p) => ({ field, reason: p.reason })));
        const image = await resolveImageValues(inputs, { [axis.input]: value }, deps.files, () => field);
        problems.push(...image.problems);
        values.push((image.values[axis.input] ?? value) as InputValue);
      }
      out.push({ input: axis.input, values });
    }
    if (problems.length > 0) throw invalidFields('Some axis values are not valid', problems);
    return out;
  };

  return {
    create,
    /** The checks `create` starts with, storing nothing (a schedule's sweep, when it is made). */
    check: async (appId: string, body: unknown): Promise<void> => void (await plan(appId, body)),
    /** 404 unless the sweep exists (its event stream's check, without reading its cells). */
    exists: async (id: string): Promise<void> => void (await load(id)),
    get: async (id: string) => {
      const row = await load(id);
      return sweepView(row, await store.sweepRuns(id), queue);
    },
    list: async (query: { app?: string; limit: number; cursor?: string }) => {
      const page = await store.listSweeps({ ...(query.app !== undefined && { appId: query.app }), limit: query.limit, ...(query.cursor !== undefined && { cursor: query.cursor }) });
      return { items: page.items.map(sweepCreatedSummary), next_cursor: page.nextCursor };
    },
    /** Pending cells never run; running ones are interrupted. */
    cancel: async (id: string) => {
      await load(id);
      const live = await deps.runState.cancelSweep(id);
      // Last cell first: cancelling a cell a backend holds frees its slot, and the queue would
      // hand that slot to the next pending cell if that one were still waiting.
      for (const run of [...live].reverse()) await queue.cancel(run.promptId);
      return sweepView(await load(id), await store.sweepRuns(id), queue);
    },
    /** Failed cells run again (same inputs, so the same seeds), each under a new prompt id. */
    retry: async (id: string) => {
      await load(id);
      const retried = await deps.runState.retrySweep(id, randomUUID);
      deps.submitter.kick();
      return { retried: retried.length, ...sweepView(await load(id), await store.sweepRuns(id), queue) };
    },
    sheet: async (id: string, query: { output?: string; thumb?: number }) => {
      const row = await load(id);
      const body = sweepBodyOf(row);
      const output = query.output ?? body.app.outputs[0]?.node;
      if (output === undefined || !Object.hasOwn(body.app.prompt, output)) {
        throw badRequest('Unknown output node', `output is a node id of the app's workflow, got ${JSON.stringify(String(output).slice(0, 40))}`);
      }
      const layout = sheetLayout(body.axes, body.mode, row.count, query.thumb ?? 256);
      if (layout.width * layout.height > MAX_SHEET_PIXELS) throw badRequest('The sheet would be too large', `${layout.width}×${layout.height} pixels; ask for a smaller thumb`);
      const runs = await store.sweepRuns(id);
      return renderSheet(
        layout,
        runs.map((run) => ({ coords: run.coords as Record<string, InputValue>, status: statusOf(run, queue), load: () => firstImage(run, output) })),
      );
    },
  };

  async function firstImage(run: RunRow, node: string): Promise<Buffer | null> {
    const image = outputsOf(run).find((o) => o.node === node && o.kind === 'image');
    if (image === undefined || image.filename === null) return null;
    return deps.readOutput({ filename: image.filename, subfolder: image.subfolder ?? '', type: image.type ?? 'output' });
  }
}

export type SweepService = ReturnType<typeof createSweepService>;

function sweepCreatedSummary(row: SweepRow): Record<string, unknown> {
  const { status: _status, ...summary } = sweepCreated(row);
  return { ...summary, cancelled: row.cancelled, create_time: row.createTime };
}

/** The prompt of a sweep's cell, from the sweep's snapshot of its app. */
export function compileCell(sweep: SweepRow, run: RunRow): Readonly<Record<string, unknown>> {
  const body = sweepBodyOf(sweep);
  return compilePrompt(body.app.prompt, body.app.inputs, run.inputs as Record<string, InputValue>);
}
