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
  readonly messages: [string, Record<string, unknown>][] = [];
  readonly outputs: Record<string, Record<string, unknown>> = {};
  /** Outputs already copied into our store when `executed` came, by node: what the backend named, and our refs. */
  readonly collected = new Map<string, { readonly source: string; readonly result: Record<string, unknown> }>();

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
    }
    if (HISTORY_MESSAGES.has(type)) this.messages.push([type, data]);
    if (type === 'executing') this.currentNode = typeof data.node === 'string' ? data.node : null;
    if (type === 'executed' && typeof data.node === 'string' && isRecord(data.output)) {
      this.outputs[data.node] = data.output;
    }
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

