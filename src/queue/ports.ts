import type { PromptGraph, PromptRecord } from '../store/index.js';
import type { BackendRef } from '../upstream/index.js';
import type { Target } from './targets.js';

/** A JSON event as clients receive it. */
export interface ClientMessage {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * Where the queue sends what clients should see. The WebSocket hub implements it; the queue
 * decides targets (ComfyUI's rules), the hub owns sockets and per-client frame formats.
 */
export interface ClientEvents {
  /** `raw`: the message's JSON text when it is relayed unchanged, so it is not serialised again. */
  send(target: Target, message: ClientMessage, raw?: string): void;
  /** A binary frame as the backend sent it (type 1, 3 or 4); the hub converts per client. */
  sendBinary(target: Target, frame: Buffer): void;
  /** Our queue changed: broadcast `status` with this queue_remaining. */
  queueChanged(remaining: number): void;
}

/** What the queue needs from the gateway's file store. */
export interface PromptFiles {
  /** Upload every input file the prompt names that the backend lacks. */
  ensureInputsOnBackend(backend: BackendRef, prompt: PromptGraph): Promise<void>;
  /** Copy output files from the backend into our store; returns outputs pointing at our copies. */
  collectOutputs(
    backend: BackendRef,
    outputs: Record<string, Record<string, unknown>>,
  ): Promise<Record<string, Record<string, unknown>>>;
  /** True when we hold the file a LoadImage-style input names (`x.png`, `sub/x.png`, `x.png [output]`). */
  holds(reference: string): Promise<boolean>;
  /** The backend may have lost its disk state (it lost prompts): upload inputs again from now on. */
  forgetBackend(backend: string): Promise<void>;
}


/**
 * Lifecycle changes that live only in memory (a prompt started, its progress, a backend's link),
 * for the event log. The durable ones (queued, finished, cancelled) the store appends itself.
 */
export interface LifecycleEvents {
  started(record: PromptRecord, backend: string, startTime: number): void;
  progress(record: PromptRecord, backend: string, progress: { value: number; max: number; node: string | null }): void;
  backend(name: string, state: 'up' | 'down' | 'draining', detail: Readonly<Record<string, unknown>>): void;
}
