import type { PromptRecord } from '../store/index.js';
import { isRecord } from '../values.js';

/** Events ComfyUI keeps in a history entry's status.messages. */
const HISTORY_MESSAGES = new Set(['execution_start', 'execution_cached', 'execution_success', 'execution_error', 'execution_interrupted']);

/**
 * What we know of one prompt while a backend has it: where it is, whether it started, the node
 * it is on (for clients that reconnect), and what its history entry will need if the backend's
 * own entry cannot be read.
 */
export class PromptRun {
  readonly record: PromptRecord;
  readonly backend: string;
  readonly attempt: number;
  started = false;
  startTime: number | null = null;
  currentNode: string | null = null;
  /** Set once finishing began, so a late event and a reconciliation cannot finish it twice. */
  finishing = false;
  /** Set when a client asked to cancel it. */
  interruptRequested = false;
  /** The tail of this run's frames on their way to clients (see the gateway's relay). */
  relayed: Promise<void> = Promise.resolve();
  /**
   * The backend's verdict frames (execution_success/error/interrupted), held until our history
   * has the result: a client that reads /history on hearing one finds the entry there.
   */
  held: (() => void)[] = [];
  readonly messages: [string, Record<string, unknown>][] = [];
  readonly outputs: Record<string, Record<string, unknown>> = {};
  /** Outputs already copied into our store when `executed` came, by node: what the backend named, and our refs. */
  readonly collected = new Map<string, { readonly source: string; readonly result: Record<string, unknown> }>();
  /** The latest `progress` event (a sampler's steps), for clients that poll instead of listening. */
  step: { readonly node: string | null; readonly value: number; readonly max: number } | null = null;
  /** Nodes taken from cache, and nodes that began executing, in this attempt. */
  readonly cachedNodes = new Set<string>();
  readonly startedNodes = new Set<string>();

  constructor(record: PromptRecord, backend: string, attempt: number) {
    this.record = record;
    this.backend = backend;
    this.attempt = attempt;
  }

  get clientId(): string | null {
    return this.record.clientId;
  }

  /** Track an event of this prompt. */
  observe(type: string, data: Record<string, unknown>): void {
    if (type === 'execution_start') {
      // A fresh start (e.g. after a backend reconnect) restarts the message log.
      this.started = true;
      this.startTime ??= typeof data.timestamp === 'number' ? data.timestamp : Date.now();
      this.messages.length = 0;
      this.cachedNodes.clear();
      this.startedNodes.clear();
      this.step = null;
    }
    if (type === 'execution_cached' && Array.isArray(data.nodes)) for (const node of data.nodes) this.cachedNodes.add(String(node));
    if (type === 'executing' && typeof data.node === 'string') this.startedNodes.add(data.node);
    if (type === 'progress' && typeof data.value === 'number' && typeof data.max === 'number') {
      this.step = { node: typeof data.node === 'string' ? data.node : this.currentNode, value: data.value, max: data.max };
    }
    if (HISTORY_MESSAGES.has(type)) this.messages.push([type, data]);
    if (type === 'executing') this.currentNode = typeof data.node === 'string' ? data.node : null;
    if (type === 'executed' && typeof data.node === 'string' && isRecord(data.output)) {
      this.outputs[data.node] = data.output;
    }
  }

  /** How far it got: nodes done (cached, or executed before the current one) of all, and the current node's steps. */
  progress(): RunProgress {
    const total = Object.keys(this.record.prompt).length;
    const executed = Math.max(0, this.startedNodes.size - (this.currentNode === null ? 0 : 1));
    const step = this.step !== null && this.step.node === this.currentNode ? this.step : null;
    return { node: this.currentNode, nodes_done: Math.min(total, this.cachedNodes.size + executed), nodes_total: total, step };
  }

  /** The terminal event seen so far, if any. */
  outcome(): 'completed' | 'failed' | 'interrupted' | null {
    for (const [type] of this.messages) {
      if (type === 'execution_success') return 'completed';
      if (type === 'execution_error') return 'failed';
      if (type === 'execution_interrupted') return 'interrupted';
    }
    return null;
  }
}

/** A running prompt's progress as the queue saw it in the backend's events. */
export interface RunProgress {
  readonly node: string | null;
  readonly nodes_done: number;
  readonly nodes_total: number;
  readonly step: { readonly value: number; readonly max: number } | null;
}

