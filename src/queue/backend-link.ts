import { createHash } from 'node:crypto';
import type { Logger } from '../log.js';
import {
  createBackendClient,
  createBackendSocket,
  type BackendClient,
  type BackendRef,
  type BackendSocket,
  type UpstreamMessage,
} from '../upstream/index.js';
import type { PromptRecord } from '../store/index.js';
import { validatePrompt, type ObjectInfo } from '../upstream/protocol/index.js';
import type { PromptRun } from './prompt-run.js';

export interface BackendLinkEvents {
  onUp(link: BackendLink): void;
  onDown(link: BackendLink, reason: string): void;
  onMessage(link: BackendLink, message: UpstreamMessage): void;
  onBinary(link: BackendLink, frame: Buffer): void;
}

/**
 * Everything the queue knows about one backend: how to reach it, whether it is up, the node
 * classes it offers, and the prompts it holds for us (at most `capacity`: the running one plus
 * the prefetched ones), in the order we submitted them.
 */
export class BackendLink {
  readonly ref: BackendRef;
  readonly client: BackendClient;
  /** Our clientId on this backend: stable across our restarts so in-flight prompts reattach. */
  readonly clientId: string;
  readonly capacity: number;
  readonly inflight = new Map<string, PromptRun>();
  private readonly socket: BackendSocket;
  up = false;
  draining = false;
  lastError: string | null = 'not connected yet';
  objectInfo: Readonly<Record<string, unknown>> | null = null;
  /** The prompt the backend is executing now (from execution_start), for frames that don't name one. */
  runningId: string | null = null;
  /** Set while the backend's state is being compared with ours after a (re)connect. */
  reconciling = false;
  private readonly verdicts = new Map<string, boolean>();

  constructor(ref: BackendRef, options: { instanceKey: string; capacity: number; logger: Logger; events: BackendLinkEvents }) {
    this.ref = ref;
    this.capacity = options.capacity;
    this.client = createBackendClient(ref);
    this.clientId = `automa-${createHash('sha256').update(`${options.instanceKey}\0${ref.name}`).digest('hex').slice(0, 24)}`;
    const { events } = options;
    this.socket = createBackendSocket(
      ref,
      this.clientId,
      {
        onOpen: () => {
          this.up = true;
          this.lastError = null;
          events.onUp(this);
        },
        onDown: (reason) => {
          const wasUp = this.up;
          this.up = false;
          this.lastError = reason;
          this.runningId = null;
          if (wasUp) events.onDown(this, reason);
        },
        onMessage: (message) => events.onMessage(this, message),
        onBinary: (frame) => events.onBinary(this, frame),
      },
      { logger: options.logger },
    );
  }

  /** Free slots for new prompts; zero while down, draining or reconciling. */
  freeSlots(): number {
    if (!this.up || this.draining || this.reconciling) return 0;
    return Math.max(0, this.capacity - this.inflight.size);
  }

  /**
   * True when this backend can run the prompt: its /object_info accepts it the way ComfyUI's
   * validation would, which covers node classes and model files named in combo inputs. Unknown
   * object_info (never connected yet) counts as capable. Verdicts are cached per prompt until
   * the backend reports a new object_info.
   */
  canRun(record: PromptRecord): boolean {
    const info = this.objectInfo;
    if (info === null) return true;
    let verdict = this.verdicts.get(record.id);
    if (verdict === undefined) {
      verdict = validatePrompt(record.prompt, info as ObjectInfo).ok;
      if (this.verdicts.size > 10_000) this.verdicts.clear();
      this.verdicts.set(record.id, verdict);
    }
    return verdict;
  }

  setObjectInfo(info: Readonly<Record<string, unknown>>): void {
    this.objectInfo = info;
    this.verdicts.clear();
  }

  /** Model files of the last prompt this backend started: it likely still has them loaded. */
  recentModels: ReadonlySet<string> = new Set();

  start(): void {
    this.socket.start();
  }

  /** The socket looked fine but the backend evidently lost track of us: reconnect now. */
  reconnect(): void {
    this.socket.reconnect();
  }

  async stop(): Promise<void> {
    this.socket.stop();
    await this.client.close();
  }
}
