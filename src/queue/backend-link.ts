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
import { hasFeature, parseNodeReplacements, validatePrompt, type NodeReplacements, type ObjectInfo } from '../upstream/protocol/index.js';
import { MODEL_FILE } from './models.js';
import type { PromptRun } from './prompt-run.js';
import { messageOf } from '../values.js';

export interface BackendLinkEvents {
  onUp(link: BackendLink): void;
  onDown(link: BackendLink, reason: string): void;
  onMessage(link: BackendLink, message: UpstreamMessage, raw: string): void;
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
  /**
   * Our clientId on this backend while we drive it: stable across our restarts, and the same on
   * every gateway of a cluster, so in-flight prompts reattach to whichever gateway drives it next.
   */
  readonly drivingClientId: string;
  /** The clientId of a gateway that only watches the backend (another gateway drives it). */
  readonly observingClientId: string;
  /**
   * Whether this gateway drives the backend: sends it prompts and follows their events. Always
   * true for a lone gateway; in a cluster, true while this gateway holds the backend's lease.
   */
  driven: boolean;
  /** Our clientId on the socket now: the driving one, or the observing one. */
  get clientId(): string {
    return this.driven ? this.drivingClientId : this.observingClientId;
  }
  /** Set while the socket reconnects under the other clientId: that close is not "down". */
  private switching = false;
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

  private readonly probeIntervalMs: number;

  constructor(
    ref: BackendRef,
    options: { instanceKey: string; capacity: number; logger: Logger; events: BackendLinkEvents; probeIntervalMs?: number; observer?: string },
  ) {
    this.ref = ref;
    this.probeIntervalMs = options.probeIntervalMs ?? 15_000;
    this.capacity = options.capacity;
    this.client = createBackendClient(ref);
    this.drivingClientId = `automa-${createHash('sha256').update(`${options.instanceKey}\0${ref.name}`).digest('hex').slice(0, 24)}`;
    this.observingClientId = `automa-watch-${createHash('sha256').update(`${options.instanceKey}\0${ref.name}\0${options.observer ?? ''}`).digest('hex').slice(0, 24)}`;
    // A cluster member starts watching and drives only once it holds the backend's lease.
    this.driven = options.observer === undefined;
    const { events } = options;
    this.onRecovered = () => events.onUp(this);
    this.socket = createBackendSocket(
      ref,
      () => this.clientId,
      {
        onOpen: () => {
          this.up = true;
          this.lastError = null;
          this.lastSeen = new Date().toISOString();
          this.probeFailures = 0;
          this.attempted();
          this.scheduleProbe();
          events.onUp(this);
        },
        onDown: (reason) => {
          const wasUp = this.up && !this.switching;
          this.switching = false;
          this.up = false;
          this.lastError = reason;
          this.runningId = null;
          // Later failures are logged by the gateway when a link goes down, and retried quietly.
          if (this.lastSeen === null && !this.triedOnce) options.logger.warn({ backend: ref.name, reason }, 'backend unreachable');
          this.attempted();
          if (wasUp) events.onDown(this, reason);
        },
        onMessage: (message, raw) => events.onMessage(this, message, raw),
        onBinary: (frame) => events.onBinary(this, frame),
      },
      { logger: options.logger },
    );
  }

  /** Free slots for new prompts; zero while down, draining, reconciling or driven by another gateway. */
  freeSlots(): number {
    if (!this.driven || !this.healthy || this.draining || this.reconciling) return 0;
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
      // Every output we accepted the prompt for must validate here: ComfyUI would answer 200 but
      // silently drop an output whose model file it lacks.
      const result = validatePrompt(record.prompt, info as ObjectInfo, { partialExecutionTargets: record.outputsToExecute });
      verdict = result.ok && Object.keys(result.nodeErrors).length === 0;
      if (this.verdicts.size > 10_000) this.verdicts.clear();
      this.verdicts.set(record.id, verdict);
    }
    return verdict;
  }

  setObjectInfo(info: Readonly<Record<string, unknown>>): void {
    this.objectInfo = info;
    this.verdicts.clear();
    this.models = knownModelFiles(info);
  }

  /**
   * Re-read some classes' object_info (their combos list files on the backend's disk, which may
   * have changed since the whole object_info was read). Failures leave the old info in place.
   */
  async refreshNodeInfo(classTypes: readonly string[]): Promise<void> {
    if (this.objectInfo === null || !this.healthy) return;
    // Short: a client is waiting for its POST /prompt answer.
    const fresh = await Promise.all(classTypes.map((classType) => this.client.nodeInfo(classType, 2_000).catch(() => ({}))));
    this.setObjectInfo(Object.assign({}, this.objectInfo, ...fresh) as Record<string, unknown>);
  }

  /** How many distinct model files the backend's combo inputs offer. */
  modelCount(): number {
    return this.models;
  }

  /** Last GET /system_stats answer (devices, versions), refreshed by the health probe. */
  systemStats: Record<string, unknown> | null = null;

  /** The ComfyUI version the backend reports (system.comfyui_version), or null before it answered. */
  get version(): string | null {
    const system = this.systemStats?.['system'];
    const version = system !== null && typeof system === 'object' ? (system as Record<string, unknown>)['comfyui_version'] : undefined;
    return typeof version === 'string' ? version : null;
  }

  /** The node replacements the backend registers (0.14+; empty for older ones or until read). */
  nodeReplacements: NodeReplacements = {};

  /** Read GET /node_replacements when the backend's version has it; failures keep what we had. */
  async refreshNodeReplacements(): Promise<void> {
    if (this.version === null || !hasFeature(this.version, 'nodeReplacements')) {
      this.nodeReplacements = {};
      return;
    }
    this.nodeReplacements = parseNodeReplacements(await this.client.nodeReplacements());
  }
  private models = 0;
  private readonly onRecovered: () => void;
  private probeTimer: NodeJS.Timeout | null = null;
  private probeFailures = 0;
  /** ISO time the backend last answered (socket opened or probe succeeded); null if never. */
  lastSeen: string | null = null;
  private triedOnce = false;
  private settleFirstAttempt: () => void = () => undefined;
  /** Settles when the first connection attempt has opened or failed. */
  private readonly firstAttempt = new Promise<void>((resolve) => (this.settleFirstAttempt = resolve));

  private attempted(): void {
    this.triedOnce = true;
    this.settleFirstAttempt();
  }

  /**
   * A socket can stay open while ComfyUI hangs: probe /system_stats while up, and keep the
   * backend out of placement while probes fail (with backoff), back in when one answers.
   */
  private scheduleProbe(): void {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    const delay = this.probeFailures === 0 ? this.probeIntervalMs : Math.min(60_000, this.probeIntervalMs * 2 ** this.probeFailures);
    this.probeTimer = setTimeout(() => void this.probe(), delay);
    this.probeTimer.unref();
  }

  async probe(): Promise<void> {
    try {
      this.systemStats = await this.client.systemStats();
      this.lastSeen = new Date().toISOString();
      const recovered = this.probeFailures > 0 && this.up;
      if (this.probeFailures > 0) this.lastError = null;
      this.probeFailures = 0;
      // Back in placement: reconcile (a hung ComfyUI may have lost prompts) and dispatch again.
      if (recovered) this.onRecovered();
    } catch (err) {
      this.probeFailures += 1;
      this.lastError = `health probe failed: ${messageOf(err)}`;
    }
    if (this.up) this.scheduleProbe();
  }

  /** Check now: once the first connection attempt has settled, probe the backend if its socket is up. */
  async check(): Promise<void> {
    await this.firstAttempt;
    if (this.up) await this.probe();
  }

  /** Up, answering probes, and not reconciling: may take prompts (draining aside). */
  get healthy(): boolean {
    return this.up && this.probeFailures === 0;
  }

  /** Model files of the last prompt this backend started: it likely still has them loaded. */
  recentModels: ReadonlySet<string> = new Set();

  start(): void {
    this.socket.start();
  }

  /**
   * Start or stop driving the backend (a cluster lease was taken or lost): the socket reconnects
   * under the other clientId, and opening reports the link up again, which reconciles it.
   */
  drive(driven: boolean): void {
    if (this.driven === driven) return;
    this.driven = driven;
    if (this.socket.connected) this.switching = true;
    this.socket.reconnect();
  }

  /** The socket looked fine but the backend evidently lost track of us: reconnect now. */
  reconnect(): void {
    this.socket.reconnect();
  }

  async stop(): Promise<void> {
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.socket.stop();
    await this.client.close();
  }
}

/** Distinct model file names offered by combo inputs of an object_info. */
function knownModelFiles(info: Readonly<Record<string, unknown>>): number {
  const files = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (MODEL_FILE.test(value)) files.add(value);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  for (const node of Object.values(info)) {
    const input = (node as { input?: unknown } | null)?.input;
    visit(input);
  }
  return files.size;
}
