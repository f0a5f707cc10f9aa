import type { LifecycleListener } from '../events/index.js';
import type { AppRow, AutomaEventViews, AutomaStore, RunEventType, RunRow } from '../store/index.js';
import type { Logger } from '../log.js';
import { runView, statusOf, type LiveQueue } from './run-view.js';
import { cellViews, sweepSummary } from './sweep-model.js';

/** sweep.completed lists every cell up to this many; a larger sweep's cells are read from GET (a webhook body stays small). */
export const MAX_EVENT_CELLS = 1_000;

/** The app's output nodes, first in a run's typed outputs (as GET /automa/runs/{id} orders them). */
const outputOrder = (app: AppRow | undefined): string[] => ((app?.body as { outputs?: { node: string }[] } | undefined)?.outputs ?? []).map((o) => o.node);

/**
 * What run and sweep events carry: the run as GET /automa/runs/{id} shows it, the sweep as GET
 * /automa/sweeps/{id} shows it without its cells (sweep.completed adds them, up to MAX_EVENT_CELLS).
 */
export function createRunEventViews(queue: LiveQueue & { runningIds(): string[] }): AutomaEventViews {
  return {
    run: (type, row, app) => {
      const view = runView(row, queue, outputOrder(app));
      // The queue calls started before it counts the prompt as running.
      return type === 'run.started' && view.status === 'queued' ? { ...view, status: 'running' } : view;
    },
    sweep: (type, sweep, counts, cells) => {
      const summary = sweepSummary(sweep, counts);
      if (type !== 'sweep.completed') return summary;
      if (sweep.count > MAX_EVENT_CELLS) return { ...summary, cells: null };
      const runs = cells();
      return { ...summary, cells: cellViews(sweep, runs, runs.map((run) => statusOf(run, queue))) };
    },
    runningPromptIds: () => queue.runningIds(),
  };
}

/** run.started and run.progress (coalesced by the recorder) for prompts that are runs' prompts. */
export function runLifecycleListener(deps: { store: AutomaStore; views: AutomaEventViews; logger: Logger }): LifecycleListener {
  const append = (promptId: string, type: RunEventType): void => {
    const data = (row: RunRow, app: AppRow | undefined) => deps.views.run(type, row, app);
    deps.store.appendLiveRunEvent(promptId, type, data).catch((err: unknown) => deps.logger.error({ err, promptId, type }, 'could not append a run event'));
  };
  return {
    started: (record) => append(record.id, 'run.started'),
    progress: (record) => append(record.id, 'run.progress'),
  };
}
