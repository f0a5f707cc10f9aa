import { randomUUID } from 'node:crypto';
import { badRequest, conflict, invalidFields, isAppError, notFound } from '../errors.js';
import type { AutomaStore, RunRow, StoredRunStatus } from '../store/index.js';
import type { AppService } from './apps.js';
import { compilePrompt, resolveValues } from './compile.js';
import { answerFor, previousAnswer, type IdempotentRequest } from './idempotency.js';
import { resolveImageValues, type ImageFiles } from './image-inputs.js';
import { FINAL_STATUSES, type RunState } from './run-state.js';
import { runCreated, runView, statusOf, type LiveQueue } from './run-view.js';
import { subscribeFor, type OneOffWebhooks, type WebhookFields } from './run-webhooks.js';
import { runBodySchema } from './schema.js';
import type { QueuePort, Submitter } from './submitter.js';
import type { RunStatus } from './types.js';
import type { SchemaChecker } from './validate.js';

export interface RunServiceDeps {
  readonly store: AutomaStore;
  readonly apps: AppService;
  readonly runState: RunState;
  readonly submitter: Submitter;
  readonly queue: QueuePort & LiveQueue & { runningIds(): string[] };
  readonly files: ImageFiles;
  readonly checker: SchemaChecker;
  readonly webhooks: OneOffWebhooks;
}

export interface Answer {
  readonly status: number;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface RunListQuery {
  readonly app?: string;
  readonly sweep?: string;
  readonly status?: RunStatus;
  readonly limit: number;
  readonly cursor?: string;
}

export function createRunService(deps: RunServiceDeps) {
  const { store, queue } = deps;

  const load = async (id: string): Promise<RunRow> => {
    const row = await store.getRun(id);
    if (row === undefined) throw notFound('Run', id);
    return row;
  };

  /** Check, store, then submit under the stored prompt_id; a prompt the queue refuses leaves nothing behind. */
  const create = async (appId: string, body: unknown, idempotency: IdempotentRequest | null): Promise<Answer> => {
    const first = await previousAnswer(store, idempotency);
    if (first !== undefined) return { status: first.status, body: first.response };
    const app = await deps.apps.load(appId);
    deps.checker.check(runBodySchema(app.inputs), body ?? {}, 'Some inputs are not valid');
    const request = (body ?? {}) as { inputs?: Record<string, unknown>; client_id?: string } & WebhookFields;
    const images = await resolveImageValues(app.inputs, request.inputs ?? {}, deps.files, (name) => `inputs.${name}`);
    if (images.problems.length > 0) throw invalidFields('Some inputs are not valid', images.problems);
    const values = resolveValues(app.inputs, images.values);
    const id = randomUUID();
    const run = {
      id,
      appId,
      sweepId: null,
      cell: null,
      coords: null,
      promptId: randomUUID(),
      clientId: request.client_id ?? null,
      inputs: values,
      prompt: compilePrompt(app.body.prompt, app.inputs, values),
      createTime: Date.now(),
    };
    // Before the run is stored: its first event (run.queued, at submission) must find the endpoint.
    const webhook = await subscribeFor(deps.webhooks, request, { run: id });
    const answer = { ...runCreated(run), ...(webhook !== null && { webhook: webhook.answer }) };
    let row: RunRow;
    try {
      row = await deps.runState.createRun(run, answerFor(idempotency, 201, answer));
    } catch (error) {
      await webhook?.undo();
      const raced = isAppError(error) && error.status === 409 ? await previousAnswer(store, idempotency) : undefined;
      if (raced !== undefined) return { status: raced.status, body: raced.response };
      throw error;
    }
    const outcome = await deps.submitter.submit(row).catch(() => {
      // Not the prompt's fault (the store, say): the run is stored and the submitter retries it.
      deps.submitter.kick();
      return { ok: true as const };
    });
    if (!outcome.ok) {
      await deps.runState.discardRun(row.id);
      await webhook?.undo();
      throw outcome.error;
    }
    return { status: 201, body: answer };
  };

  return {
    create,
    /** The body checked against the app's schema, storing nothing (a schedule's run, when it is made). */
    check: async (appId: string, body: unknown): Promise<void> => {
      const app = await deps.apps.load(appId);
      deps.checker.check(runBodySchema(app.inputs), body ?? {}, 'Some inputs are not valid');
    },
    get: async (id: string) => {
      const row = await load(id);
      const app = await store.getApp(row.appId);
      const order = app === undefined ? [] : ((app.body as { outputs?: { node: string }[] }).outputs ?? []).map((o) => o.node);
      return runView(row, queue, order);
    },
    list: async (query: RunListQuery) => {
      const running = query.status === 'running' || query.status === 'queued' ? queue.runningIds() : [];
      const statuses: StoredRunStatus[] | undefined = query.status === undefined ? undefined : [query.status === 'running' ? 'queued' : query.status];
      const page = await store.listRuns({
        ...(query.app !== undefined && { appId: query.app }),
        ...(query.sweep !== undefined && { sweepId: query.sweep }),
        ...(statuses !== undefined && { statuses }),
        ...((query.status === 'running' || query.status === 'queued') && { promptIdsIn: { ids: running, inside: query.status === 'running' } }),
        limit: query.limit,
        ...(query.cursor !== undefined && { cursor: query.cursor }),
      });
      return { items: page.items.map((row) => runView(row, queue)), next_cursor: page.nextCursor };
    },
    /** Pending → never runs; running → interrupted. A finished run cannot be cancelled (409). */
    cancel: async (id: string) => {
      const row = await load(id);
      if (FINAL_STATUSES.has(statusOf(row, queue))) throw conflict('The run has finished', `status is ${row.status}`);
      const cancelled = row.submitted ? [] : await deps.runState.cancelUnsubmitted([row.id]);
      if (cancelled.length === 0) await queue.cancel(row.promptId);
      return runView(await load(id), queue);
    },
  };
}

export type RunService = ReturnType<typeof createRunService>;

/** `?status=` of GET /automa/runs. */
export function parseRunStatus(value: string | undefined): RunStatus | undefined {
  if (value === undefined) return undefined;
  if (!['queued', 'running', 'succeeded', 'failed', 'cancelled'].includes(value)) {
    throw badRequest('Unknown status', `status is one of queued, running, succeeded, failed, cancelled; got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return value as RunStatus;
}
