import fsp from 'node:fs/promises';
import type { FileService } from '../files/index.js';
import type { LifecycleListener } from '../events/index.js';
import type { Logger } from '../log.js';
import type { Gateway } from '../queue/index.js';
import { IDEMPOTENCY_TTL_MS, type AutomaStore, type RunRow, type SweepRow } from '../store/index.js';
import { createAppService, type AppService } from './apps.js';
import { createConvertReader } from './convert-reader.js';
import { poolInfoOf } from './pool-info.js';
import { createRunEventViews, runLifecycleListener } from './run-events.js';
import { createRunState } from './run-state.js';
import type { OneOffWebhooks } from './run-webhooks.js';
import { createRunService, type RunService } from './runs.js';
import { createSubmitter, type Submitter } from './submitter.js';
import { compileCell, createSweepService, type SweepService } from './sweeps.js';
import { createSchemaChecker, type SchemaChecker } from './validate.js';
import type { WorkflowReader } from './workflow-import.js';

/** App views, the app's OpenAPI document and the run/sweep answers, for the routes. */
export { appView, appSummary, type App } from './app-model.js';
export { appOpenApi } from './openapi.js';
export { parseRunStatus, type Answer } from './runs.js';
export { idempotentRequest } from './idempotency.js';
export { isApiPrompt, type WorkflowReader, type ImportedWorkflow } from './workflow-import.js';
export type { InputBinding, RunStatus } from './types.js';
export type { OneOffWebhooks } from './run-webhooks.js';
export { MAX_EVENT_CELLS } from './run-events.js';

/** What workflow apps use of the gateway: its public queue interface, as any client would. */
export type AutomationGateway = Pick<Gateway, 'submitMany' | 'cancel' | 'isRunning' | 'runningIds' | 'progress' | 'objectInfo' | 'links'>;

export interface AutomationDeps {
  readonly store: AutomaStore;
  readonly gateway: AutomationGateway;
  readonly files: Pick<FileService, 'holds' | 'stage' | 'discard' | 'uploadImage' | 'maxUploadBytes' | 'view'>;
  readonly logger: Logger;
  readonly maxSweepRuns: number;
  /** One-off endpoints for the `webhook_url` of runs and sweeps. */
  readonly webhooks: OneOffWebhooks;
  /** UI-format, App Mode and PNG imports; the converter's by default. */
  readonly reader?: WorkflowReader;
}

export interface Automation {
  readonly apps: AppService;
  readonly runs: RunService;
  readonly sweeps: SweepService;
  readonly submitter: Submitter;
  /** JSON Schema checks (Ajv 2020), for the routes' own bodies. */
  readonly checker: SchemaChecker;
  /** run.started and run.progress: give it to the event log's lifecycle recorder (`follow`). */
  readonly lifecycle: LifecycleListener;
  /** Submit the runs a previous process stored but did not hand to the queue; prune old Idempotency-Key answers. */
  start(): Promise<void>;
  stop(): void;
}

const MAX_CACHED_SWEEPS = 16;

/** Workflow apps, runs, sweeps and contact sheets on top of the gateway's durable queue. */
export function createAutomation(deps: AutomationDeps): Automation {
  const { store, gateway, logger } = deps;
  const checker = createSchemaChecker();
  const runState = createRunState(store);
  // Every run and sweep event from here on carries these views (the store appends them).
  const views = createRunEventViews(gateway);
  store.useEventViews(views);
  const apps = createAppService({ store, pool: () => poolInfoOf(gateway), reader: deps.reader ?? createConvertReader() });
  // Sweep cells are stored without a prompt: each is compiled from its sweep's snapshot when submitted.
  const sweepCache = new Map<string, SweepRow>();
  const compile = async (run: RunRow): Promise<Readonly<Record<string, unknown>>> => {
    if (run.sweepId === null) throw new Error(`run ${run.id} has no prompt and no sweep`);
    let sweep = sweepCache.get(run.sweepId);
    if (sweep === undefined) {
      sweep = await store.getSweep(run.sweepId);
      if (sweep === undefined) throw new Error(`sweep ${run.sweepId} of run ${run.id} is missing`);
      if (sweepCache.size >= MAX_CACHED_SWEEPS) sweepCache.clear();
      sweepCache.set(run.sweepId, sweep);
    }
    return compileCell(sweep, run);
  };
  const submitter = createSubmitter({ store, queue: gateway, runState, logger: logger.child({ module: 'automation' }), compile });
  const runs = createRunService({ store, apps, runState, submitter, queue: gateway, files: deps.files, checker, webhooks: deps.webhooks });
  const readOutput = async (ref: { filename: string; subfolder: string; type: string }): Promise<Buffer | null> => {
    try {
      const result = await deps.files.view(ref);
      if (result.kind === 'file') return await fsp.readFile(result.path);
      if (result.kind === 'bytes') return result.body;
      const chunks: Buffer[] = [];
      for await (const chunk of result.body) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch {
      return null;
    }
  };
  const sweeps = createSweepService({ store, apps, runState, submitter, queue: gateway, files: deps.files, readOutput, checker, maxSweepRuns: deps.maxSweepRuns, webhooks: deps.webhooks });
  let pruneTimer: NodeJS.Timeout | null = null;
  const prune = () => store.pruneAnswers(Date.now() - IDEMPOTENCY_TTL_MS).catch((err: unknown) => logger.error({ err }, 'could not prune Idempotency-Key answers'));

  return {
    apps,
    runs,
    sweeps,
    submitter,
    checker,
    lifecycle: runLifecycleListener({ store, views, logger }),
    start: async () => {
      await prune();
      pruneTimer = setInterval(() => void prune(), 60 * 60 * 1000);
      pruneTimer.unref();
      submitter.kick();
    },
    stop: () => {
      if (pruneTimer !== null) clearInterval(pruneTimer);
      submitter.stop();
    },
  };
}
