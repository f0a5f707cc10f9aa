import type { Logger } from '../log.js';
import type { ClusterMessage, ClusterStore, GatewayPresence, PromptRecord, PromptStore } from '../store/index.js';
import type { BackendLink } from './backend-link.js';
import type { Dispatcher } from './dispatcher.js';
import type { PendingQueue } from './pending-queue.js';
import type { ClientEvents, ClientMessage } from './ports.js';
import type { Reconciler } from './reconciler.js';
import type { Target } from './targets.js';

export interface ClusterOptions {
  readonly store: ClusterStore;
  /** This gateway's name among the others (unique per process sharing the database). */
  readonly gatewayId: string;
  /** Where this gateway listens, shown to the others (health). */
  readonly address: string | null;
  /** How long a backend's lease lasts without renewal: a dead gateway's backends move after it. */
  readonly leaseTtlMs: number;
}

export interface ClusterSyncDeps {
  readonly cluster: ClusterOptions;
  readonly prompts: PromptStore;
  readonly pending: PendingQueue;
  readonly links: readonly BackendLink[];
  readonly reconciler: Reconciler;
  readonly dispatcher: Dispatcher;
  /** The local WebSocket hub. */
  readonly events: ClientEvents;
  /** Unfinished prompts in the cluster as this gateway knows them now (ComfyUI's queue_remaining). */
  readonly remaining: () => number;
  readonly logger: Logger;
  /** Prompts of ours in flight (to keep them out of the pending copy). */
  readonly isInFlightHere: (id: string) => boolean;
  /** Another gateway changed the pool (added, drained, removed a backend): follow the stored changes. */
  readonly reloadPool: () => Promise<void>;
  /** Another gateway asks us to act on a prompt we hold. */
  readonly onRequest: (kind: 'cancel' | 'interrupt' | 'delete', ids: readonly string[] | 'all') => Promise<void>;
}

export interface ClusterSync {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Prompts other gateways' backends hold (with the pending copy and our own in flight: queue_remaining). */
  elsewhereCount(): number;
  /** Submitted prompts on backends other gateways drive, in run order. */
  elsewhere(): readonly PromptRecord[];
  /** `count` priority numbers unique across the cluster. */
  numbers(count: number): Promise<readonly number[]>;
  /** ClientEvents that reach sockets on every gateway. */
  readonly clientEvents: ClientEvents;
  /** Ask the gateway holding these prompts to act on them. */
  request(kind: 'cancel' | 'interrupt' | 'delete', ids: readonly string[] | 'all'): Promise<void>;
  /** backend name → the gateway driving it. */
  holders(): ReadonlyMap<string, string>;
  /** Tell the other gateways a prompt began running on a backend this one drives. */
  announceStarted(id: string): void;
  /** Whether a prompt another gateway's backend holds has begun running (not just prefetched). */
  runningElsewhere(id: string): boolean;
  /** Tell the other gateways this one changed the pool (the change is stored). */
  announcePool(): void;
  /** A lease round now (a backend was added here): it is driven at once, not a round later. */
  leaseNow(): Promise<void>;
  gateways(): readonly GatewayPresence[];
}

/** How often the pending copy is compared with the table even when no notification came. */
const RESYNC_MS = 5_000;
/** Notifications of a burst of inserts (a sweep) are answered by one read. */
const REFRESH_DEBOUNCE_MS = 15;
/**
 * Binary frames bigger than this (base64) stay on the gateway that got them: previews are
 * best-effort, and a 512 px preview is tens of KB (a few notifications).
 */
const MAX_RELAYED_BINARY = 1_000_000;

/**
 * One gateway among several on one database. Keeps this gateway's pending queue a copy of the
 * table's pending rows (prompt notifications, plus a periodic re-read), drives the backends whose
 * leases it holds (taking a fair share, adopting a dead gateway's), relays client events to the
 * sockets on other gateways, forwards cancel/interrupt to the gateway holding the prompt, and
 * follows pool changes made on other gateways.
 */
export function createClusterSync(deps: ClusterSyncDeps): ClusterSync {
  const { cluster, prompts, pending, links, logger } = deps;
  const { store, gatewayId, leaseTtlMs } = cluster;
  const startedAt = Date.now();
  // A dead gateway's backends are taken at most one round after its leases expire.
  const roundMs = Math.max(200, Math.min(2_000, Math.floor(leaseTtlMs / 3)));
  let live: readonly GatewayPresence[] = [];
  let holders = new Map<string, string>();
  let leaseTimer: NodeJS.Timeout | null = null;
  let resyncTimer: NodeJS.Timeout | null = null;
  let refreshTimer: NodeJS.Timeout | null = null;
  let refreshing: Promise<void> | null = null;
  let refreshAgain = false;
  let lastRenewal = Date.now();
  let stopped = false;
  const unsubscribe: (() => void)[] = [];
  let publishing: Promise<void> = Promise.resolve();

  const publish = (kind: string, body: Readonly<Record<string, unknown>>): void => {
    // One after another: WebSocket frames of a prompt must arrive in the order they were sent.
    publishing = publishing
      .then(() => store.publish({ from: gatewayId, kind, body }))
      .catch((err: unknown) => logger.warn({ err, kind }, 'could not tell the other gateways'));
  };

  const clientEvents: ClientEvents = {
    send: (target, message, raw) => {
      deps.events.send(target, message, raw);
      if (target.kind !== 'none') publish('ws', { target, raw: raw ?? JSON.stringify(message) });
    },
    sendBinary: (target, frame) => {
      deps.events.sendBinary(target, frame);
      const data = frame.toString('base64');
      if (target.kind !== 'none' && data.length <= MAX_RELAYED_BINARY) publish('wsb', { target, data });
    },
    queueChanged: (remaining) => {
      lastTold = remaining;
      deps.events.queueChanged(remaining);
    },
  };

  /** Prompts other gateways sent to backends they drive, by id (queue views list them as running). */
  const elsewhere = new Map<string, PromptRecord>();
  /** Of those, the ones their gateway said began running (the table says submitted either way). */
  const startedElsewhere = new Set<string>();
  /** Prompts that became pending or submitted since the last read, with the number they were told with. */
  const changed = new Map<string, number | undefined>();
  let fullRead = true;

  /** Put a row read from the store where it belongs here; `since`: the pending clock before the read. */
  const place = (record: PromptRecord, since: number): void => {
    if (deps.isInFlightHere(record.id)) return;
    // Taken out here while the read was under way (dispatched, cancelled, deleted): the row is older news.
    if (pending.removedSince(record.id, since)) return;
    // Held by a backend no gateway has any more (removed): back to the queue, as after a restart
    // (the dispatcher requeues it in the store before claiming it; one gateway wins the claim).
    if (record.state === 'submitted' && !links.some((l) => l.ref.name === record.backend)) {
      elsewhere.delete(record.id);
      pending.add(record);
      return;
    }
    // Moved to the front elsewhere: the copy takes its new place.
    if (pending.get(record.id)?.number !== record.number) pending.remove(record.id);
    if (record.state === 'pending') pending.add(record);
    else pending.remove(record.id);
    if (record.state === 'submitted') elsewhere.set(record.id, record);
    else forget(record.id);
  };
  const forget = (id: string): void => {
    elsewhere.delete(id);
    startedElsewhere.delete(id);
  };

  /** The whole table's unfinished rows: the pending copy and the count start over from them. */
  const readAll = async (): Promise<void> => {
    const since = pending.clock;
    // Only what was here before the read can be judged gone by it (a prompt added meanwhile is newer).
    const before = new Set(pending.ids());
    const rows = await prompts.unfinished();
    const live = new Set(rows.map((r) => r.id));
    for (const id of before) if (!live.has(id)) pending.remove(id);
    elsewhere.clear();
    for (const id of startedElsewhere) if (!live.has(id)) startedElsewhere.delete(id);
    for (const record of rows) place(record, since);
  };

  /**
   * Just the rows named since the last read that this gateway does not already hold as they are
   * (its own submissions and claims), in one read.
   */
  const readChanged = async (): Promise<void> => {
    const ids = [...changed].filter(([id, number]) => !deps.isInFlightHere(id) && (number === undefined || pending.get(id)?.number !== number)).map(([id]) => id);
    changed.clear();
    const since = pending.clock;
    for (const record of await store.unfinishedAmong(ids)) place(record, since);
  };

  /** The queue_remaining this gateway's clients were last told. */
  let lastTold = -1;
  const refresh = async (): Promise<void> => {
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        refreshAgain = false;
        if (fullRead) {
          fullRead = false;
          changed.clear();
          await readAll();
        } else await readChanged();
      } while (refreshAgain && !stopped);
    })().finally(() => {
      refreshing = null;
    });
    await refreshing;
    deps.dispatcher.schedule();
    // Other gateways' changes: this gateway's clients hear of them too (its own were told at once).
    const remaining = deps.remaining();
    if (remaining !== lastTold) clientEvents.queueChanged(remaining);
  };
  const scheduleRefresh = (): void => {
    if (refreshTimer || stopped) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      refresh().catch((err: unknown) => logger.warn({ err }, 'could not re-read the queue'));
    }, REFRESH_DEBOUNCE_MS);
  };

  const onMessage = (message: ClusterMessage): void => {
    if (message.from === gatewayId || stopped) return;
    const body = message.body;
    switch (message.kind) {
      case 'prompt': {
        // Gone from pending (claimed, cancelled, deleted): drop it now so no dispatch pass here
        // tries it; new pending rows arrive through the (debounced) re-read.
        if (typeof body.id === 'string') {
          if (body.state === 'pending' || body.state === 'submitted') changed.set(body.id, body.state === 'pending' && typeof body.number === 'number' ? body.number : undefined);
          else forget(body.id);
          if (body.state !== 'pending') pending.remove(body.id);
        }
        scheduleRefresh();
        return;
      }
      case 'ws':
        if (typeof body.raw === 'string') {
          const parsed = JSON.parse(body.raw) as ClientMessage;
          deps.events.send(body.target as Target, parsed, body.raw);
        }
        return;
      case 'wsb':
        if (typeof body.data === 'string') deps.events.sendBinary(body.target as Target, Buffer.from(body.data, 'base64'));
        return;
      case 'started':
        if (typeof body.id === 'string') startedElsewhere.add(body.id);
        return;
      case 'backends':
        reloadPool();
        return;
      case 'cancel':
      case 'interrupt':
      case 'delete': {
        const ids = body.ids === 'all' ? 'all' : Array.isArray(body.ids) ? body.ids.filter((id): id is string => typeof id === 'string') : [];
        deps.onRequest(message.kind, ids).catch((err: unknown) => logger.warn({ err, kind: message.kind }, 'could not act for another gateway'));
        return;
      }
      default:
        return;
    }
  };

  // Reloads take turns; one asked for while another runs happens after it (it may have read too early).
  let reloading: Promise<void> = Promise.resolve();
  const reloadPool = (): void => {
    reloading = reloading
      .then(() => (stopped ? undefined : deps.reloadPool()))
      .catch((err: unknown) => logger.warn({ err }, 'could not follow a change of the pool'));
  };

  const held = (): BackendLink[] => links.filter((link) => link.driven);

  /** Start driving a backend: the prompts the store says it holds become ours to follow. */
  const adopt = async (link: BackendLink): Promise<void> => {
    const rows = await prompts.unfinished();
    for (const record of rows) {
      if (record.state !== 'submitted' || record.backend !== link.ref.name || link.inflight.has(record.id)) continue;
      pending.remove(record.id);
      forget(record.id);
      deps.reconciler.adopt(link, record);
    }
    logger.info({ backend: link.ref.name, gateway: gatewayId, inflight: link.inflight.size }, 'driving backend');
    link.drive(true);
  };

  /** Stop driving: whatever it holds is the next holder's (it reconciles them as a restart would). */
  const letGo = (link: BackendLink, why: string): void => {
    logger.warn({ backend: link.ref.name, gateway: gatewayId, why }, 'no longer driving backend');
    link.inflight.clear();
    link.drive(false);
  };

  const leaseRound = async (): Promise<void> => {
    live = await store.heartbeat({ id: gatewayId, address: cluster.address, startedAt }, leaseTtlMs);
    const kept = new Set(await store.renew(gatewayId, leaseTtlMs));
    lastRenewal = Date.now();
    for (const link of held()) if (!kept.has(link.ref.name)) letGo(link, 'lease taken over');
    // A backend removed from the pool (here or on another gateway) is not held any longer.
    for (const name of kept) if (!links.some((link) => link.ref.name === name)) await store.release(name, gatewayId);
    const fairShare = Math.ceil(links.length / Math.max(1, live.length));
    let mine = held().length;
    for (const link of links) {
      if (link.driven || mine >= fairShare) continue;
      // The statement itself decides (free, expired, or ours), by the database's clock.
      if (await store.acquire(link.ref.name, gatewayId, leaseTtlMs)) {
        mine += 1;
        await adopt(link);
      }
    }
    // A gateway that came back (or joined) gets its share: while this one drives two more than
    // the least loaded live gateway, it hands over one backend per round.
    const leases = await store.leases();
    const load = new Map(live.map((g) => [g.id, 0]));
    for (const lease of leases) if (load.has(lease.holder)) load.set(lease.holder, (load.get(lease.holder) ?? 0) + 1);
    const least = Math.min(...load.values());
    if (mine > least + 1) {
      // An idle one if any; else a busy one: its next holder reattaches its prompts as after a restart.
      const mineNow = held();
      const handed = mineNow.find((link) => link.inflight.size === 0) ?? mineNow[0];
      if (handed) {
        letGo(handed, 'handing over to balance the cluster');
        await store.release(handed.ref.name, gatewayId);
      }
    }
    holders = new Map((await store.leases()).map((l) => [l.backend, l.holder]));
  };

  // Rounds never overlap: the timer's and leaseNow's take turns.
  let round: Promise<void> = Promise.resolve();
  const nextRound = (): Promise<void> => (round = round.catch(() => undefined).then(leaseRound));

  const leaseTick = (): void => {
    nextRound()
      .catch((err: unknown) => {
        logger.warn({ err }, 'could not renew backend leases');
        // Past the TTL another gateway may be driving them: stop before two do.
        if (Date.now() - lastRenewal > leaseTtlMs) for (const link of held()) letGo(link, 'leases could not be renewed');
      })
      .finally(() => {
        if (stopped) return;
        leaseTimer = setTimeout(leaseTick, roundMs);
        leaseTimer.unref();
      });
  };

  return {
    clientEvents,
    start: async () => {
      unsubscribe.push(await store.subscribe(onMessage));
      unsubscribe.push(
        store.onMissed(() => {
          fullRead = true;
          scheduleRefresh();
          reloadPool();
        }),
      );
      await refresh();
      await nextRound();
      leaseTimer = setTimeout(leaseTick, roundMs);
      leaseTimer.unref();
      resyncTimer = setInterval(() => {
        fullRead = true;
        scheduleRefresh();
        reloadPool();
      }, RESYNC_MS);
      resyncTimer.unref();
    },
    stop: async () => {
      stopped = true;
      if (leaseTimer) clearTimeout(leaseTimer);
      if (resyncTimer) clearInterval(resyncTimer);
      if (refreshTimer) clearTimeout(refreshTimer);
      for (const fn of unsubscribe) fn();
      await publishing;
      await reloading;
      // Leaving hands our backends over now, not a TTL from now.
      await store.leave(gatewayId).catch((err: unknown) => logger.warn({ err }, 'could not hand over backend leases'));
    },
    elsewhereCount: () => elsewhere.size,
    elsewhere: () => [...elsewhere.values()].filter((r) => !deps.isInFlightHere(r.id)).sort((a, b) => a.number - b.number || a.seq - b.seq),
    numbers: (count) => store.nextNumbers(count),
    request: async (kind, ids) => {
      if (ids !== 'all' && ids.length === 0) return;
      publish(kind, { ids });
      await publishing;
    },
    holders: () => holders,
    announcePool: () => publish('backends', {}),
    announceStarted: (id) => publish('started', { id }),
    runningElsewhere: (id) => startedElsewhere.has(id) && elsewhere.has(id),
    leaseNow: () => nextRound(),
    gateways: () => live,
  };
}
