import type { Logger } from '../log.js';
import type { FinishedState, PromptStore } from '../store/index.js';
import type { UpstreamHistoryEntry } from '../upstream/index.js';
import type { BackendLink } from './backend-link.js';
import type { ClientEvents, PromptFiles } from './ports.js';
import type { PromptRun } from './prompt-run.js';
import { targetForEvent } from './targets.js';
import { promptTuple } from './tuples.js';

export interface Finisher {
  /** The backend finished the prompt: collect outputs, write history, then tell the client. */
  finish(link: BackendLink, run: PromptRun, known?: UpstreamHistoryEntry): Promise<void>;
  /** The prompt cannot run (rejected by the backend, too many attempts): record it as failed. */
  fail(link: BackendLink | null, run: PromptRun, reason: { type: string; message: string }): Promise<void>;
}

export interface FinisherDeps {
  readonly store: PromptStore;
  readonly files: PromptFiles;
  readonly events: ClientEvents;
  readonly logger: Logger;
  readonly remaining: () => number;
  readonly afterFinish: () => void;
  /** Told once per prompt that reaches history (metrics). */
  readonly onFinished?: (state: FinishedState, runSeconds: number | null) => void;
}

interface HistoryStatus {
  status_str: string;
  completed: boolean;
  messages: unknown[];
}

/**
 * Ends runs. The order matters to clients: the history entry is durable before `status` and
 * `executing {node: null}` go out, because clients read /history/{id} on that message.
 */
export function createFinisher(deps: FinisherDeps): Finisher {
  const { store, events, logger } = deps;

  const conclude = async (
    link: BackendLink | null,
    run: PromptRun,
    state: FinishedState,
    entry: Record<string, unknown>,
    before: () => void,
  ): Promise<void> => {
    const id = run.record.id;
    let recorded = false;
    try {
      recorded = await store.finish(id, { state, endTime: Date.now(), startTime: run.startTime, entry });
    } catch (err) {
      // The run stays in flight (finishing) so nothing claims it twice; a restart reconciles it.
      logger.error({ err, promptId: id }, 'could not record a finished prompt');
      return;
    }
    if (link) {
      link.inflight.delete(id);
      if (link.runningId === id) link.runningId = null;
    }
    if (recorded) {
      deps.onFinished?.(state, run.startTime === null ? null : (Date.now() - run.startTime) / 1000);
      before();
      events.queueChanged(deps.remaining());
      events.send(targetForEvent('executing', run.clientId), { type: 'executing', data: { node: null, prompt_id: id } });
    } else {
      events.queueChanged(deps.remaining());
    }
    deps.afterFinish();
  };

  /** Copy outputs not already copied when their `executed` frame came (no file is fetched twice). */
  const collectRemaining = async (
    link: BackendLink,
    run: PromptRun,
    outputs: Record<string, Record<string, unknown>>,
  ): Promise<Record<string, Record<string, unknown>>> => {
    const missing: Record<string, Record<string, unknown>> = {};
    for (const [node, output] of Object.entries(outputs)) {
      if (run.collected.get(node)?.source !== JSON.stringify(output)) missing[node] = output;
    }
    const fresh = Object.keys(missing).length === 0 ? {} : await deps.files.collectOutputs(link.ref, missing);
    return Object.fromEntries(
      Object.entries(outputs).map(([node, output]) => [node, fresh[node] ?? run.collected.get(node)?.result ?? output]),
    );
  };

  return {
    finish: async (link, run, known) => {
      if (run.finishing) return;
      run.finishing = true;
      const id = run.record.id;
      const upstream =
        known ??
        (await link.client.history(id).catch((err: unknown) => {
          logger.warn({ err, promptId: id }, 'backend history unreadable');
          return undefined;
        }));
      const outputs = upstream?.outputs ?? run.outputs;
      const status = statusOf(upstream, run);
      const collected = await collectRemaining(link, run, outputs).catch((err: unknown) => {
        logger.warn({ err, promptId: id, backend: link.ref.name }, 'could not collect outputs; keeping backend references');
        return outputs;
      });
      const entry = { prompt: promptTuple(run.record), outputs: collected, status, meta: upstream?.meta ?? {} };
      await conclude(link, run, classify(status), entry, () => {
        for (const send of run.held.splice(0)) send();
      });
      // The backend's copy of the entry is no longer needed; ours is the durable one.
      link.client.deleteHistory([id]).catch(() => undefined);
      logger.info({ promptId: id, backend: link.ref.name, state: classify(status) }, 'prompt finished');
    },
    fail: async (link, run, reason) => {
      if (run.finishing) return;
      run.finishing = true;
      const id = run.record.id;
      const data = {
        prompt_id: id,
        node_id: null,
        node_type: null,
        executed: [],
        exception_message: reason.message,
        exception_type: reason.type,
        traceback: [],
        current_inputs: {},
        current_outputs: {},
        timestamp: Date.now(),
      };
      const status: HistoryStatus = { status_str: 'error', completed: false, messages: [['execution_error', data]] };
      const entry = { prompt: promptTuple(run.record), outputs: {}, status, meta: {} };
      await conclude(link, run, 'failed', entry, () => events.send(targetForEvent('execution_error', run.clientId), { type: 'execution_error', data }));
      logger.warn({ promptId: id, reason: reason.message }, 'prompt failed without running');
    },
  };
}

function statusOf(upstream: UpstreamHistoryEntry | undefined, run: PromptRun): HistoryStatus {
  const given = upstream?.status;
  if (given && typeof given.status_str === 'string' && Array.isArray(given.messages)) {
    return { status_str: given.status_str, completed: given.completed === true, messages: given.messages };
  }
  const outcome = run.outcome();
  return { status_str: outcome === 'completed' ? 'success' : 'error', completed: outcome === 'completed', messages: run.messages };
}

function classify(status: HistoryStatus): FinishedState {
  if (status.status_str === 'success') return 'completed';
  const interrupted = status.messages.some((m) => Array.isArray(m) && m[0] === 'execution_interrupted');
  return interrupted ? 'interrupted' : 'failed';
}
