import type { Logger } from '../log.js';
import type { PromptRecord, PromptStore } from '../store/index.js';
import type { BackendLink } from './backend-link.js';
import type { Dispatcher } from './dispatcher.js';
import type { Finisher } from './finisher.js';
import type { PendingQueue } from './pending-queue.js';
import type { PromptFiles } from './ports.js';
import { PromptRun } from './prompt-run.js';

export interface Reconciler {
  /** A prompt the store says a backend holds (found at start-up): wait for that backend's word. */
  adopt(link: BackendLink, record: PromptRecord): void;
  /** The backend (re)connected: compare what it has with what we think it has. */
  reconcile(link: BackendLink): Promise<void>;
  /** The backend went down: if it stays down, move its prompts to backends that can run them. */
  scheduleFailover(link: BackendLink): void;
  stop(): void;
}

export interface ReconcilerDeps {
  readonly store: PromptStore;
  readonly pending: PendingQueue;
  readonly links: readonly BackendLink[];
  readonly logger: Logger;
  readonly failoverAfterMs: number;
  readonly finisher: Finisher;
  readonly dispatcher: Dispatcher;
  readonly files: PromptFiles;
}

/**
 * Makes our records and a backend's memory agree after anything that could have split them:
 * our restart (even kill -9), the backend's restart, or a dropped socket. Per prompt we hold
 * for the backend: still in its queue → reattach; in its history → collect the result; neither
 * → it was lost, so it goes back to our queue (attempts counted, capped by the dispatcher).
 */
export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const { links, logger } = deps;
  const failoverTimers = new Map<BackendLink, NodeJS.Timeout>();
  // Stopping closes the links, which reports them down: that must not schedule failovers.
  let stopped = false;

  const refreshObjectInfo = async (link: BackendLink): Promise<void> => {
    try {
      link.setObjectInfo(await link.client.objectInfo());
    } catch (err) {
      logger.warn({ err, backend: link.ref.name }, 'could not read object_info');
    }
  };

  /** One pass: the backend's queue and history compared with what we think it holds. */
  const reconcileOnce = async (link: BackendLink): Promise<void> => {
    const timer = failoverTimers.get(link);
    if (timer) clearTimeout(timer);
    failoverTimers.delete(link);
    try {
      await Promise.all([refreshObjectInfo(link), link.probe()]);
      // The version comes with the probe's /system_stats; what the backend offers depends on it.
      await link.refreshNodeReplacements().catch((err: unknown) => logger.warn({ err, backend: link.ref.name }, 'could not read node_replacements'));
      // A backend another gateway drives: its queue is that gateway's to compare.
      if (!link.driven) return;
      // Queue first, then history: a prompt absent from the queue can only be finished (in
      // history) or lost, and a history read after the queue read cannot miss it.
      const queue = await link.client.queue();
      const running = new Set(queue.running);
      const present = new Set([...queue.running, ...queue.pending]);
      let lost = false;
      for (const run of [...link.inflight.values()]) {
        const id = run.record.id;
        if (present.has(id)) {
          if (running.has(id)) {
            run.started = true;
            link.runningId = id;
          }
          continue;
        }
        const entry = await link.client.history(id);
        if (entry) await deps.finisher.finish(link, run, entry);
        else {
          logger.warn({ promptId: id, backend: link.ref.name }, 'backend lost the prompt; requeueing');
          lost = true;
          await deps.dispatcher.requeue(link, run);
        }
      }
      // A backend that lost prompts restarted; its input folder may be gone too.
      if (lost) await deps.files.forgetBackend(link.ref.name);
      await dropOrphans(link, present);
      logger.info({ backend: link.ref.name, inflight: link.inflight.size }, 'backend up and reconciled');
    } catch (err) {
      logger.warn({ err, backend: link.ref.name }, 'reconciliation failed; reconnecting');
      link.reconnect();
    }
  };

  /**
   * Passes over one backend never overlap. A second connection while a pass runs (in a cluster,
   * the switch from watching to driving right after the first) gets a pass of its own after it;
   * two at once would each take the other's dispatches for lost prompts and requeue them.
   */
  const passes = new Map<BackendLink, Promise<void>>();
  const again = new Set<BackendLink>();
  const reconcile = (link: BackendLink): Promise<void> => {
    const running = passes.get(link);
    if (running) {
      again.add(link);
      return running;
    }
    const run = (async () => {
      link.reconciling = true;
      try {
        do {
          again.delete(link);
          await reconcileOnce(link);
        } while (again.has(link));
      } finally {
        link.reconciling = false;
        passes.delete(link);
        deps.dispatcher.schedule();
      }
    })();
    passes.set(link, run);
    return run;
  };

  /**
   * Prompts the backend holds under our clientId that we moved elsewhere or already finished
   * (e.g. after a failover) must not run twice: take them out of its queue.
   */
  const dropOrphans = async (link: BackendLink, present: ReadonlySet<string>): Promise<void> => {
    const orphans: string[] = [];
    for (const id of present) {
      if (link.inflight.has(id)) continue;
      const record = await deps.store.get(id);
      if (record && !(record.state === 'submitted' && record.backend === link.ref.name)) orphans.push(id);
    }
    if (orphans.length === 0) return;
    logger.info({ backend: link.ref.name, orphans }, 'removing prompts that now belong elsewhere');
    await link.client.deletePending(orphans);
    await Promise.all(orphans.map((id) => link.client.interrupt(id)));
  };

  const scheduleFailover = (link: BackendLink): void => {
    if (stopped || failoverTimers.has(link) || link.inflight.size === 0) return;
    const timer = setTimeout(() => {
      failoverTimers.delete(link);
      if (link.up) return;
      for (const run of [...link.inflight.values()]) {
        const elsewhere = links.some((other) => other !== link && !other.draining && other.canRun(run.record));
        if (!elsewhere) continue;
        deps.dispatcher.requeue(link, run).catch((err: unknown) => logger.error({ err, promptId: run.record.id }, 'failover requeue failed'));
      }
    }, deps.failoverAfterMs);
    timer.unref();
    failoverTimers.set(link, timer);
  };

  return {
    adopt: (link, record) => {
      link.inflight.set(record.id, new PromptRun(record, link.ref.name, record.attempts));
      // A backend that never comes back after our restart never reports "down": start its clock now.
      scheduleFailover(link);
    },
    reconcile,
    scheduleFailover,
    stop: () => {
      stopped = true;
      for (const timer of failoverTimers.values()) clearTimeout(timer);
      failoverTimers.clear();
    },
  };
}
