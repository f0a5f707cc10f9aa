import { badRequest, conflict, notFound } from '../errors.js';
import type { BackendChange, BackendChangeStore } from '../store/index.js';
import type { BackendRef } from '../upstream/index.js';
import type { BackendLink } from './backend-link.js';

/** A backend as GET /automa/backends shows it. */
export interface BackendView {
  readonly name: string;
  readonly url: string;
  readonly state: 'up' | 'down' | 'draining';
  readonly running: readonly string[];
  readonly prefetched: readonly string[];
  readonly last_error: string | null;
  /** The ComfyUI version it reports (system_stats.system.comfyui_version); null until it answered. */
  readonly comfyui_version: string | null;
  readonly devices: readonly unknown[];
  readonly system: Record<string, unknown> | null;
  readonly node_classes: number;
  readonly models_known: number;
}

export interface BackendPool {
  /** The live links, in configuration order; the array itself is updated in place. */
  readonly links: BackendLink[];
  /** Build the pool from --comfyui plus the changes stored at runtime. */
  load(): Promise<void>;
  add(ref: BackendRef): Promise<BackendLink>;
  setDraining(name: string, draining: boolean): Promise<BackendLink>;
  /** Drain, then drop once idle: 'removed' now, or 'draining' until its prompts finish. */
  remove(name: string): Promise<'removed' | 'draining'>;
  /** Drop drained links that were asked to go and have nothing left. */
  collectIdle(): Promise<void>;
  find(name: string): BackendLink | undefined;
  view(link: BackendLink): BackendView;
}

export interface BackendPoolDeps {
  readonly configured: readonly BackendRef[];
  readonly changes: BackendChangeStore;
  readonly makeLink: (ref: BackendRef) => BackendLink;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * The set of backends behind the gateway, changeable at runtime. Every change is stored before
 * it is acknowledged, so the pool survives restarts as it was left.
 */
export function createBackendPool(deps: BackendPoolDeps): BackendPool {
  const links: BackendLink[] = [];
  const leaving = new Set<BackendLink>();
  const find = (name: string): BackendLink | undefined => links.find((l) => l.ref.name === name);
  const changeOf = (link: BackendLink, patch: Partial<BackendChange>): BackendChange => ({
    name: link.ref.name,
    // null: as configured. A configured name re-added at runtime elsewhere keeps its new URL.
    url: deps.configured.some((b) => b.name === link.ref.name && b.url === link.ref.url) ? null : link.ref.url,
    draining: link.draining,
    removed: false,
    ...patch,
  });

  const drop = async (link: BackendLink): Promise<void> => {
    links.splice(links.indexOf(link), 1);
    leaving.delete(link);
    await deps.changes.save(changeOf(link, { removed: true }));
    await link.stop();
  };

  return {
    links,
    load: async () => {
      const changes = new Map((await deps.changes.list()).map((c) => [c.name, c]));
      const refs = deps.configured.map((ref) => {
        const url = changes.get(ref.name)?.url;
        return url === null || url === undefined ? ref : { name: ref.name, url };
      });
      for (const change of changes.values()) {
        if (change.url !== null && !refs.some((r) => r.name === change.name)) refs.push({ name: change.name, url: change.url });
      }
      for (const ref of refs) {
        const change = changes.get(ref.name);
        if (change?.removed) continue;
        const link = deps.makeLink(ref);
        link.draining = change?.draining ?? false;
        links.push(link);
      }
    },
    add: async (ref) => {
      if (!NAME_RE.test(ref.name)) throw badRequest('Invalid backend name', `must match ${NAME_RE.source}`);
      let url: URL;
      try {
        url = new URL(ref.url);
      } catch {
        throw badRequest('Invalid backend URL', ref.url);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badRequest('Backend URL must be http(s)', ref.url);
      if (find(ref.name)) throw conflict('A backend with this name exists', ref.name);
      const link = deps.makeLink({ name: ref.name, url: url.href.replace(/\/+$/, '') });
      await deps.changes.save(changeOf(link, {}));
      links.push(link);
      link.start();
      return link;
    },
    setDraining: async (name, draining) => {
      const link = find(name);
      if (!link) throw notFound('Backend', name);
      await deps.changes.save(changeOf(link, { draining }));
      link.draining = draining;
      if (!draining) leaving.delete(link);
      return link;
    },
    remove: async (name) => {
      const link = find(name);
      if (!link) throw notFound('Backend', name);
      if (link.inflight.size === 0) {
        await drop(link);
        return 'removed';
      }
      // Stored as removed now: after a restart it stays gone, and the prompts it held are
      // requeued (at-least-once) rather than waiting on a backend nobody wants any more.
      await deps.changes.save(changeOf(link, { draining: true, removed: true }));
      link.draining = true;
      leaving.add(link);
      return 'draining';
    },
    collectIdle: async () => {
      for (const link of [...leaving]) if (link.inflight.size === 0) await drop(link);
    },
    find,
    view: (link) => {
      const runs = [...link.inflight.values()];
      const stats = link.systemStats;
      return {
        name: link.ref.name,
        url: link.ref.url,
        state: link.draining ? 'draining' : link.healthy ? 'up' : 'down',
        running: runs.filter((r) => r.started).map((r) => r.record.id),
        prefetched: runs.filter((r) => !r.started).map((r) => r.record.id),
        last_error: link.lastError,
        comfyui_version: link.version,
        devices: Array.isArray(stats?.devices) ? stats.devices : [],
        system: stats && typeof stats.system === 'object' && stats.system !== null ? (stats.system as Record<string, unknown>) : null,
        node_classes: link.objectInfo === null ? 0 : Object.keys(link.objectInfo).length,
        models_known: link.modelCount(),
      };
    },
  };
}
