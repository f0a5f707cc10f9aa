import { conflict, isAppError, type AppError } from '../errors.js';
import type { QueueSnapshot, SubmitResult } from '../contract/index.js';
import type { Logger } from '../log.js';
import type { BackendChangeStore, FinishedState, GatewayPresence, HistoryRecord, HistoryRetention, JobQuery, PromptRecord, PromptStore } from '../store/index.js';
import type { BackendRef, UpstreamMessage } from '../upstream/index.js';
import { mergeNodeReplacements, type NodeReplacements } from '../upstream/protocol/index.js';
import { BackendLink } from './backend-link.js';
import { createBackendPool, type BackendView } from './backend-pool.js';
import { createDispatcher } from './dispatcher.js';
import { createFinisher } from './finisher.js';
import { backendOffers, FILE_CHECKED_CLASSES, namedInputFiles } from './input-files.js';
import { jobDetail, jobSummary, type JobSummary } from './jobs.js';
import { modelFiles } from './models.js';
import { mergeObjectInfos, withCurrentNodeFields } from './object-info-union.js';
import { createPendingQueue } from './pending-queue.js';
import type { ClientEvents, LifecycleEvents, PromptFiles } from './ports.js';
import type { PromptRun, RunProgress } from './prompt-run.js';
import { isRecord } from '../values.js';
import { promptTuple } from './tuples.js';
import { createReconciler } from './reconciler.js';
import { createClusterSync, type ClusterOptions, type ClusterSync } from './cluster-sync.js';
import { createWithdrawals } from './withdrawals.js';
import { createMoveToFront, type MoveResult } from './move-to-front.js';
import { checkPromptDepth, prepareSubmission, type Submission } from './submission.js';
import { targetForBinary, targetForEvent } from './targets.js';

export interface GatewayOptions {
  readonly store: PromptStore;
  /** Backends from the configuration; runtime changes come from `backendChanges`. */
  readonly backends: readonly BackendRef[];
  readonly backendChanges: BackendChangeStore;
  readonly files: PromptFiles;
  readonly events: ClientEvents;
  /** Where started, progress and backend up/down/draining go (the event log). */
  readonly lifecycle?: LifecycleEvents;
  readonly logger: Logger;
  /** Names this gateway instance to backends (its clientId there derives from it). */
  readonly instanceKey: string;
  /** Prompts a backend may hold beyond the running one. */
  readonly prefetch: number;
  /** Dispatch attempts before a prompt fails for good. */
  readonly maxAttempts: number;
  /** How long a backend may stay down before its prompts move to other capable backends. */
  readonly failoverAfterMs: number;
  readonly retention: HistoryRetention;
  /** Set when several gateways share the database: leases, global numbers, relayed events. */
  readonly cluster?: ClusterOptions;
  /** Told once per prompt that reaches history, with its run time on the backend. */
  readonly onFinished?: (state: FinishedState, runSeconds: number | null) => void;
}

export type { SubmitResult, QueueSnapshot };

export interface ClusterView {
  readonly gateway: string;
  readonly gateways: readonly GatewayPresence[];
  /** backend name → the gateway driving it. */
  readonly holders: ReadonlyMap<string, string>;
}


export interface Gateway {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** POST /prompt; `usageSource` is the request's Comfy-Usage-Source header. */
  submit(body: unknown, request?: { readonly usageSource?: string | undefined }): Promise<SubmitResult>;
  /** GET /node_replacements: what the pool's backends register (default backend first). */
  nodeReplacements(): NodeReplacements;
  /**
   * POST /prompt for several bodies at once (a sweep's runs): each is checked exactly as submit
   * checks it, the accepted ones are stored in one transaction. Each gets its result or its error.
   */
  submitMany(bodies: readonly unknown[], request?: { readonly usageSource?: string | undefined }): Promise<readonly (SubmitResult | AppError)[]>;
  /** Pending + running, as ComfyUI's queue_remaining counts. */
  remaining(): number;
  /** Prompts waiting (ours or prefetched by a backend) and executing now. */
  counts(): { pending: number; running: number };
  queue(): QueueSnapshot;
  /** POST /queue {delete|clear}: drop prompts that have not started. */
  deletePending(ids: readonly string[] | 'all'): Promise<void>;
  /**
   * Pause: prompts keep being accepted and stored, but none is handed to a backend until resumed;
   * the ones backends already hold finish. Not stored: a restart starts unpaused.
   */
  setPaused(paused: boolean): void;
  paused(): boolean;
  /** POST /interrupt: the named prompt if it is running, else every running prompt. */
  interrupt(promptId?: string): Promise<void>;
  /** POST /api/jobs/{id}/cancel: pending → never runs, running → interrupted, else a no-op (false). */
  cancel(id: string): Promise<{ cancelled: boolean }>;
  /** Make a prompt waiting in our queue the next to run; not moved if a backend holds it already. */
  moveToFront(id: string): Promise<MoveResult>;
  /** The node a client's running prompt is on (for a socket that connects mid-run). */
  currentNodeFor(clientId: string): string | null;
  /** Whether a prompt is executing right now (vs. waiting). */
  isRunning(id: string): boolean;
  /** The ids of the prompts executing right now. */
  runningIds(): string[];
  /** How far a running prompt got (nodes done, the current node's steps); null unless it is running. */
  progress(id: string): RunProgress | null;
  /** GET /history's body for this page (see PromptStore.historyPageJson). */
  historyPageJson(maxItems: number | null, offset: number | null): Promise<Buffer>;
  historyEntry(id: string): Promise<HistoryRecord | undefined>;
  deleteHistory(ids: readonly string[] | 'all'): Promise<void>;
  jobs(query: Omit<JobQuery, 'runningIds'>): Promise<{ jobs: readonly JobSummary[]; total: number }>;
  job(id: string): Promise<Record<string, unknown> | undefined>;
  /** Every node class any backend offers (described by the first to offer it, combo choices from all); null before any reported. */
  objectInfo(): Readonly<Record<string, unknown>> | null;
  readonly links: readonly BackendLink[];
  /** With --database shared by several gateways: this one's id, the live ones, who drives which backend. */
  cluster(): ClusterView | null;
  backends(): readonly BackendView[];
  backend(name: string): BackendView | undefined;
  addBackend(ref: BackendRef): Promise<BackendView>;
  setDraining(name: string, draining: boolean): Promise<BackendView>;
  removeBackend(name: string): Promise<'removed' | 'draining'>;
}

/**
 * The durable queue in front of the backends: accepts prompts (ComfyUI's POST /prompt rules),
 * keeps them in the store, hands each backend at most `1 + prefetch` at a time, routes their
 * events to the right clients, and records each result in history before telling the client.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { store, logger } = options;
  let sync: ClusterSync | null = null;
  // In a cluster, what clients should see also goes to the sockets on the other gateways.
  const events: ClientEvents = {
    send: (target, message, raw) => (sync?.clientEvents ?? options.events).send(target, message, raw),
    sendBinary: (target, frame) => (sync?.clientEvents ?? options.events).sendBinary(target, frame),
    queueChanged: (count) => (sync?.clientEvents ?? options.events).queueChanged(count),
  };
  const pending = createPendingQueue();
  let counter = 0;
  let paused = false;
  let pruneTimer: NodeJS.Timeout | null = null;

  const makeLink = (ref: BackendRef): BackendLink =>
    new BackendLink(ref, {
      instanceKey: options.instanceKey,
      capacity: 1 + options.prefetch,
      logger,
      ...(options.cluster && { observer: options.cluster.gatewayId }),
      events: {
        onUp: (link) => {
          // In a cluster the gateway driving a backend speaks for it (one event, not one per gateway).
          if (link.driven) options.lifecycle?.backend(link.ref.name, 'up', {});
          void reconciler.reconcile(link);
        },
        onDown: (link, reason) => {
          logger.warn({ backend: link.ref.name, reason, inflight: link.inflight.size }, 'backend down');
          if (link.driven) options.lifecycle?.backend(link.ref.name, 'down', { reason });
          reconciler.scheduleFailover(link);
        },
        onMessage: (link, message, raw) => onMessage(link, message, raw),
        onBinary: (link, frame) => onBinary(link, frame),
      },
    });
  const pool = createBackendPool({
    configured: options.backends,
    changes: options.backendChanges,
    makeLink,
    holderOf: (name) => sync?.holders().get(name) ?? null,
  });
  const { links } = pool;

  let union: { sources: readonly (Readonly<Record<string, unknown>> | null)[]; info: Readonly<Record<string, unknown>> | null } = {
    sources: [],
    info: null,
  };
  /** Rebuilt only when some backend reported a new object_info, so callers can cache by identity. */
  const unionObjectInfo = (): Readonly<Record<string, unknown>> | null => {
    const sources = links.map((l) => l.objectInfo);
    if (sources.length === union.sources.length && sources.every((s, i) => s === union.sources[i])) return union.info;
    const known = sources.filter((s): s is Readonly<Record<string, unknown>> => s !== null);
    const merged = known.length === 0 ? null : known.length === 1 ? (known[0] ?? null) : mergeObjectInfos(known);
    const info = merged === null ? null : withCurrentNodeFields(merged);
    union = { sources, info };
    return info;
  };

  // In a cluster the pending queue is the whole cluster's, and other gateways' backends hold the rest.
  const remaining = (): number => pending.size + links.reduce((n, link) => n + link.inflight.size, 0) + (sync?.elsewhereCount() ?? 0);
  const findRun = (id: string): { link: BackendLink; run: PromptRun } | undefined => {
    for (const link of links) {
      const run = link.inflight.get(id);
      if (run) return { link, run };
    }
    return undefined;
  };

  const finisher = createFinisher({
    store,
    files: options.files,
    events,
    logger,
    remaining,
    ...(options.onFinished && { onFinished: options.onFinished }),
    afterFinish: () => {
      dispatcher.schedule();
      pool.collectIdle().catch((err: unknown) => logger.error({ err }, 'could not drop a drained backend'));
    },
  });
  const dispatcher = createDispatcher({
    store,
    files: options.files,
    pending,
    links,
    logger,
    maxAttempts: options.maxAttempts,
    finisher,
  });
  const withdrawals = createWithdrawals({ store, pending, links, dispatcher, events, remaining, findRun });
  const moveToFront = createMoveToFront({ store, pending, dispatcher, events, remaining });
  const reconciler = createReconciler({
    store,
    pending,
    links,
    logger,
    failoverAfterMs: options.failoverAfterMs,
    finisher,
    dispatcher,
    files: options.files,
  });
  if (options.cluster) {
    sync = createClusterSync({
      cluster: options.cluster,
      prompts: store,
      pending,
      links,
      reconciler,
      dispatcher,
      events: options.events,
      remaining,
      logger,
      isInFlightHere: (id) => findRun(id) !== undefined,
      reloadPool: async () => {
        if (!(await pool.reload())) return;
        dispatcher.schedule();
        await sync?.leaseNow();
      },
      onRequest: async (kind, ids) => {
        if (kind === 'delete') return withdrawals.deletePending(ids);
        const targets = ids === 'all' ? runningHere() : ids;
        for (const id of targets) {
          const found = findRun(id);
          if (!found) continue;
          if (kind === 'cancel') await withdrawals.cancel(id);
          else if (found.run.started) await dispatcher.interruptRun(found.link, found.run);
        }
      },
    });
  }
  const runningHere = (): string[] => links.flatMap((link) => [...link.inflight.values()].filter((r) => r.started).map((r) => r.record.id));
  /** Here and, in a cluster, on other gateways' backends: a prompt running there is in_progress here, not pending. */
  const runningIds = (): string[] => [...runningHere(), ...(sync === null ? [] : sync.elsewhere().filter((r) => sync?.runningElsewhere(r.id)).map((r) => r.id))];
  const isRunning = (id: string): boolean => findRun(id)?.run.started === true || sync?.runningElsewhere(id) === true;

  function onMessage(link: BackendLink, message: UpstreamMessage, raw: string): void {
    if (message.type === 'status' || message.type === 'feature_flags') return; // ours are our own
    const promptId = typeof message.data.prompt_id === 'string' ? message.data.prompt_id : link.runningId;
    const run = promptId === null ? undefined : link.inflight.get(promptId);
    if (!run || run.finishing) return;
    if (message.type === 'execution_start') {
      link.runningId = run.record.id;
      const models = modelFiles(run.record.prompt);
      if (models.length > 0) link.recentModels = new Set(models);
      // A restart after a reconnect is the same run going on: one started event per prompt.
      if (!run.started) {
        sync?.announceStarted(run.record.id);
        options.lifecycle?.started(run.record, link.ref.name, typeof message.data.timestamp === 'number' ? message.data.timestamp : Date.now());
      }
    }
    if (message.type === 'progress' && typeof message.data.value === 'number' && typeof message.data.max === 'number') {
      const node = typeof message.data.node === 'string' ? message.data.node : null;
      options.lifecycle?.progress(run.record, link.ref.name, { value: message.data.value, max: message.data.max, node });
    }
    if (message.type === 'executing' && message.data.node === null) {
      relay(link, run, () => finisher.finish(link, run));
      return;
    }
    run.observe(message.type, message.data);
    const target = targetForEvent(message.type, run.clientId);
    const { node, output } = message.data;
    if (message.type === 'executed' && typeof node === 'string' && isRecord(output)) {
      // Clients load /view as soon as they see `executed` (the ComfyUI frontend does), so the
      // files it names become ours first; the frames behind it wait their turn.
      relay(link, run, async () => {
        const collected = await options.files.collectOutputs(link.ref, { [node]: output }).catch((err: unknown) => {
          logger.warn({ err, promptId: run.record.id, backend: link.ref.name }, 'could not collect outputs on executed');
          return { [node]: output };
        });
        const result = collected[node] ?? output;
        run.collected.set(node, { source: JSON.stringify(output), result });
        events.send(target, { type: message.type, data: { ...message.data, output: result } });
      });
      return;
    }
    if (VERDICTS.has(message.type)) {
      run.held.push(() => events.send(target, message, raw));
      return;
    }
    relay(link, run, () => events.send(target, message, raw));
  }

  /**
   * Frames of one backend go out in the order it sent them, even when one needs I/O first: a
   * prompt's result is in history before the client hears of the next one (as from ComfyUI).
   */
  const relays = new WeakMap<BackendLink, Promise<void>>();
  function relay(link: BackendLink, run: PromptRun, step: () => void | Promise<void>): void {
    const next = (relays.get(link) ?? Promise.resolve())
      .then(step)
      .catch((err: unknown) => logger.error({ err, promptId: run.record.id }, 'could not relay a frame'));
    relays.set(link, next);
    run.relayed = next;
  }

  function onBinary(link: BackendLink, frame: Buffer): void {
    const promptId = frame.length >= 4 && frame.readUInt32BE(0) === 4 ? metadataPromptId(frame) : link.runningId;
    const run = promptId === null ? undefined : link.inflight.get(promptId);
    if (!run || run.finishing) return;
    relay(link, run, () => events.sendBinary(targetForBinary(run.clientId), frame));
  }

  /**
   * The files a prompt's LoadImage nodes name that we hold. A name neither we nor any backend's
   * cached object_info know makes the backends list their input folders again first: a file may
   * have been put there directly (through /comfyui/upload/image, say) since they were read.
   */
  async function inputFilesWeHold(body: unknown): Promise<Set<string>> {
    const owned = new Set<string>();
    const names = namedInputFiles(isRecord(body) ? body.prompt : undefined);
    if (names.length === 0 || links.every((link) => link.objectInfo === null)) return owned;
    await Promise.all(names.map(async (name) => (await options.files.holds(name)) && owned.add(name)));
    const unknown = names.some((name) => !owned.has(name) && !links.some((link) => backendOffers(link.objectInfo, name)));
    if (unknown) await Promise.all(links.map((link) => link.refreshNodeInfo(FILE_CHECKED_CLASSES)));
    return owned;
  }

  async function submitMany(bodies: readonly unknown[], request?: { readonly usageSource?: string | undefined }): Promise<(SubmitResult | AppError)[]> {
    const results: (SubmitResult | AppError)[] = [];
    const accepted: { index: number; submission: Submission; number: number }[] = [];
    // First what needs I/O (which files we hold; it may refresh the backends' object_info) ...
    const checked: { index: number; body: unknown; ownedInputs: Set<string> }[] = [];
    for (const [index, body] of bodies.entries()) {
      try {
        checkPromptDepth(body);
        checked.push({ index, body, ownedInputs: await inputFilesWeHold(body) });
      } catch (error) {
        if (!isAppError(error)) throw error;
        results[index] = error;
      }
    }
    // ... then one synchronous pass against one view of the pool: numbers stay distinct, and the
    // object_info list and replacement table are built once per batch, not once per prompt.
    // A cluster's numbers come from the database, so every gateway's are distinct and increasing.
    const clusterNumbers = sync === null ? null : await sync.numbers(checked.length);
    const objectInfos = links.flatMap((l) => (l.objectInfo === null ? [] : [l.objectInfo]));
    const replacements = mergeNodeReplacements(links.map((l) => l.nodeReplacements));
    for (const [k, { index, body, ownedInputs }] of checked.entries()) {
      try {
        const taken = clusterNumbers?.[k] ?? counter;
        const submission = prepareSubmission(body, { counter: taken, now: Date.now(), objectInfos, ownedInputs, replacements, usageSource: request?.usageSource });
        counter = taken + 1;
        accepted.push({ index, submission, number: taken });
      } catch (error) {
        if (!isAppError(error)) throw error;
        results[index] = error;
      }
    }
    const records = accepted.length === 0 ? [] : await store.insertMany(accepted.map((a) => a.submission.record));
    accepted.forEach(({ index, submission }, k) => {
      const record = records[k];
      if (record === null || record === undefined) {
        results[index] = conflict('A prompt with this prompt_id already exists', submission.record.id);
        return;
      }
      pending.add(record);
      results[index] = { prompt_id: record.id, number: record.number, node_errors: submission.nodeErrors };
    });
    // A lone duplicate prompt_id gives its number back when nobody has taken a later one meanwhile.
    const only = accepted.length === 1 ? accepted[0] : undefined;
    if (sync === null && only !== undefined && records[0] === null && counter === only.number + 1) counter = only.number;
    if (records.some((r) => r !== null)) {
      events.queueChanged(remaining());
      dispatcher.schedule();
    }
    return results;
  }

  return {
    links,
    start: async () => {
      await pool.load();
      for (const record of await store.unfinished()) {
        // In a cluster a backend's prompts are adopted by whichever gateway takes its lease.
        const link = record.state === 'submitted' && sync === null ? links.find((l) => l.ref.name === record.backend) : undefined;
        // ... as long as some gateway can drive it (all share one backend list): a prompt held by
        // a backend since removed goes back to the queue, as a lone gateway's does.
        if (record.state === 'submitted' && sync !== null && links.some((l) => l.ref.name === record.backend)) continue;
        if (link) reconciler.adopt(link, record);
        else pending.add(record);
      }
      counter = await store.lastSeq();
      await store.pruneHistory(options.retention, Date.now());
      pruneTimer = setInterval(() => {
        store.pruneHistory(options.retention, Date.now()).catch((err: unknown) => logger.error({ err }, 'history pruning failed'));
      }, 60_000);
      pruneTimer.unref();
      // Leases first: the backends this gateway drives connect under the driving clientId at once.
      await sync?.start();
      for (const link of links) link.start();
    },
    stop: async () => {
      await sync?.stop();
      if (pruneTimer) clearInterval(pruneTimer);
      reconciler.stop();
      dispatcher.stop();
      await Promise.all(links.map((link) => link.stop()));
    },
    submit: async (body, request) => {
      const [result] = await submitMany([body], request);
      if (result === undefined || isAppError(result)) throw result ?? new Error('no submit result');
      return result;
    },
    submitMany,
    nodeReplacements: () => mergeNodeReplacements(links.map((l) => l.nodeReplacements)),
    remaining,
    setPaused: (value) => {
      if (value === paused) return;
      paused = value;
      logger.info({ paused }, paused ? 'queue paused' : 'queue resumed');
      dispatcher.setPaused(paused);
    },
    paused: () => paused,
    counts: () => {
      let running = 0;
      for (const link of links) for (const run of link.inflight.values()) if (run.started) running += 1;
      return { pending: remaining() - running, running };
    },
    queue: () => {
      const running: PromptRecord[] = [];
      const waiting: PromptRecord[] = [...pending.values()];
      for (const link of links) {
        for (const run of link.inflight.values()) (run.started ? running : waiting).push(run.record);
      }
      // Another gateway's backends: running or about to, as far as this gateway can tell.
      running.push(...(sync?.elsewhere() ?? []));
      waiting.sort((a, b) => a.number - b.number || a.seq - b.seq);
      return { queue_running: running.map(promptTuple), queue_pending: waiting.map(promptTuple) };
    },
    deletePending: async (ids) => {
      await withdrawals.deletePending(ids);
      // Started or not, prompts another gateway sent to its backends are that gateway's to take back.
      if (sync !== null) await sync.request('delete', ids === 'all' ? 'all' : ids.filter((id) => findRun(id) === undefined));
    },
    interrupt: async (promptId) => {
      if (sync !== null && (promptId === undefined || findRun(promptId) === undefined)) await sync.request('interrupt', promptId === undefined ? 'all' : [promptId]);
      const targets = links.flatMap((link) =>
        [...link.inflight.values()]
          .filter((run) => run.started && (promptId === undefined || run.record.id === promptId))
          .map((run) => ({ link, run })),
      );
      await Promise.all(targets.map(({ link, run }) => dispatcher.interruptRun(link, run)));
    },
    cancel: async (id) => {
      const local = await withdrawals.cancel(id);
      if (local.cancelled || sync === null || findRun(id) !== undefined) return local;
      const record = await store.get(id);
      if (record?.state !== 'submitted') return local;
      await sync.request('cancel', [id]);
      return { cancelled: true };
    },
    moveToFront,
    currentNodeFor: (clientId) => {
      for (const link of links) {
        for (const run of link.inflight.values()) {
          if (run.started && run.clientId === clientId && run.currentNode !== null) return run.currentNode;
        }
      }
      return null;
    },
    isRunning,
    runningIds,
    progress: (id) => {
      const found = findRun(id);
      return found?.run.started === true ? found.run.progress() : null;
    },
    historyPageJson: (maxItems, offset) => store.historyPageJson(maxItems, offset),
    historyEntry: (id) => store.history(id),
    deleteHistory: async (ids) => void (await store.deleteHistory(ids)),
    jobs: async (query) => {
      const running = new Set(runningIds());
      const { rows, total } = await store.jobs({ ...query, runningIds: [...running] });
      return { jobs: rows.map((row) => jobSummary(row, running.has(row.record.id))), total };
    },
    job: async (id) => {
      const row = await store.job(id);
      return row ? jobDetail(row, isRunning(id)) : undefined;
    },
    objectInfo: () => unionObjectInfo(),
    cluster: () =>
      sync === null || options.cluster === undefined ? null : { gateway: options.cluster.gatewayId, gateways: sync.gateways(), holders: sync.holders() },
    backends: () => links.map(pool.view),
    backend: (name) => {
      const link = pool.find(name);
      return link ? pool.view(link) : undefined;
    },
    addBackend: async (ref) => {
      const link = await pool.add(ref);
      sync?.announcePool();
      await sync?.leaseNow();
      return pool.view(link);
    },
    setDraining: async (name, draining) => {
      const view = pool.view(await pool.setDraining(name, draining));
      sync?.announcePool();
      options.lifecycle?.backend(name, draining ? 'draining' : view.state === 'down' ? 'down' : 'up', { draining });
      dispatcher.schedule();
      return view;
    },
    removeBackend: async (name) => {
      const outcome = await pool.remove(name);
      sync?.announcePool();
      return outcome;
    },
  };
}

/** The backend's last word on a prompt: sent on once the result is in our history (the finisher does). */
const VERDICTS = new Set(['execution_success', 'execution_error', 'execution_interrupted']);

/** prompt_id from a type-4 preview frame's JSON metadata, or null. */
function metadataPromptId(frame: Buffer): string | null {
  if (frame.length < 8) return null;
  const length = frame.readUInt32BE(4);
  if (frame.length < 8 + length) return null;
  try {
    const metadata = JSON.parse(frame.subarray(8, 8 + length).toString('utf8')) as { prompt_id?: unknown };
    return typeof metadata.prompt_id === 'string' ? metadata.prompt_id : null;
  } catch {
    return null;
  }
}
