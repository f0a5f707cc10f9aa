import type { ClientEvents, ClientMessage } from '../../queue/index.js';

/** What the queue's live events tell about one running prompt (lost on restart; the store has the rest). */
export interface LiveProgress {
  /** Nodes finished or taken from the cache. */
  readonly done: ReadonlySet<string>;
  readonly currentNode: string | null;
  readonly step: number | null;
  readonly steps: number | null;
  /** `executed` outputs so far, by node, already pointing at the gateway's copies. */
  readonly outputs: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
}

export type TrackerListener = (promptId: string | null) => void;

/**
 * Follows the gateway's client events (it is teed into the queue's ClientEvents) to know, per
 * prompt, the node it is on, its sampler steps and the outputs it committed — the live part of a
 * v2 job. Listeners hear the prompt id that changed, or null when the queue as a whole changed
 * (positions move, a pending job may have been cancelled).
 */
export interface JobTracker extends ClientEvents {
  progress(promptId: string): LiveProgress | undefined;
  /** Returns the unsubscribe function. */
  listen(listener: TrackerListener): () => void;
  /** Tell listeners a job changed in a way no queue event shows (a cancel was asked for). */
  touch(promptId: string): void;
}

interface MutableProgress {
  done: Set<string>;
  currentNode: string | null;
  step: number | null;
  steps: number | null;
  outputs: Map<string, Readonly<Record<string, unknown>>>;
}

/** Finished prompts' live state is kept this long after the end, for late readers; then the store answers. */
const KEEP_FINISHED = 200;

export function createJobTracker(): JobTracker {
  const live = new Map<string, MutableProgress>();
  const finished: string[] = [];
  const listeners = new Set<TrackerListener>();
  const notify = (promptId: string | null): void => {
    for (const listener of listeners) listener(promptId);
  };
  const stateOf = (id: string): MutableProgress => {
    let state = live.get(id);
    if (state === undefined) {
      state = { done: new Set(), currentNode: null, step: null, steps: null, outputs: new Map() };
      live.set(id, state);
    }
    return state;
  };
  const finish = (id: string): void => {
    finished.push(id);
    while (finished.length > KEEP_FINISHED) live.delete(finished.shift() ?? '');
  };

  const observe = (message: ClientMessage): void => {
    const id = message.data.prompt_id;
    if (typeof id !== 'string') return;
    const { data } = message;
    switch (message.type) {
      case 'execution_start':
        live.set(id, { done: new Set(), currentNode: null, step: null, steps: null, outputs: new Map() });
        break;
      case 'execution_cached':
        if (Array.isArray(data.nodes)) for (const node of data.nodes) if (typeof node === 'string') stateOf(id).done.add(node);
        break;
      case 'executing': {
        const state = stateOf(id);
        if (state.currentNode !== null && state.currentNode !== data.node) state.done.add(state.currentNode);
        state.currentNode = typeof data.node === 'string' ? data.node : null;
        state.step = null;
        state.steps = null;
        // `executing {node: null}` comes after the history entry is durable: the job has ended.
        if (data.node === null) finish(id);
        break;
      }
      case 'progress':
        if (typeof data.value === 'number' && typeof data.max === 'number') {
          const state = stateOf(id);
          state.step = data.value;
          state.steps = data.max;
        }
        break;
      case 'executed':
        if (typeof data.node === 'string' && typeof data.output === 'object' && data.output !== null) {
          const state = stateOf(id);
          state.outputs.set(data.node, data.output as Record<string, unknown>);
          state.done.add(data.node);
        }
        break;
      case 'execution_success':
      case 'execution_error':
      case 'execution_interrupted':
        break;
      default:
        return;
    }
    notify(id);
  };

  return {
    send: (_target, message) => observe(message),
    sendBinary: () => undefined,
    queueChanged: () => notify(null),
    progress: (id) => live.get(id),
    touch: (id) => notify(id),
    listen: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
