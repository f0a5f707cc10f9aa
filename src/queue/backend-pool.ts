import { conflict, invalidField, notFound } from '../errors.js';
import type { BackendChange, BackendChangeStore } from '../store/index.js';
import type { BackendRef } from '../upstream/index.js';
import type { BackendLink } from './backend-link.js';
import type { BackendView } from '../contract/index.js';

/** A backend as GET /automa/backends shows it (the shape is shared with web/). */
export type { BackendView };

export interface BackendPool {
  /** The live links, in configuration order; the array itself is updated in place. */
  readonly links: BackendLink[];
  /** Build the pool from --comfyui plus the changes stored at runtime. */
  load(): Promise<void>;
  /**
   * Follow changes stored by another process on the same database (another gateway): backends
   * added there start here, removed ones go (once idle here), drain flags follow. True when
   * anything changed.
   */
  reload(): Promise<boolean>;
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
  /** In a cluster, the gateway holding a backend's lease (null: none, or no cluster). */
  readonly holderOf: (name: string) => string | null;
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

  // Changes take turns: a reload reading the stored changes while an add is between its write
  // and its push would start a second link of the same name.
  let turn: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(step: () => Promise<T>): Promise<T> => {
    const next = turn.then(step);
    turn = next.catch(() => undefined);
    return next;
  };

  /** The backends the configuration and the stored changes make, in order, with their drain flag. */
  const wanted = async (): Promise<{ ref: BackendRef; draining: boolean }[]> => {
    const changes = new Map((await deps.changes.list()).map((c) => [c.name, c]));
    const refs = deps.configured.map((ref) => {
      const url = changes.get(ref.name)?.url;
      return url === null || url === undefined ? ref : { name: ref.name, url };
    });
    for (const change of changes.values()) {
      if (change.url !== null && !refs.some((r) => r.name === change.name)) refs.push({ name: change.name, url: change.url });
    }
    return refs.filter((ref) => !changes.get(ref.name)?.removed).map((ref) => ({ ref, draining: changes.get(ref.name)?.draining ?? false }));
  };

  return {
    links,
    load: async () => {
      for (const { ref, draining } of await wanted()) {
        const link = deps.makeLink(ref);
        link.draining = draining;
        links.push(link);
      }
    },
    reload: () =>
      exclusive(async () => {
        const target = await wanted();
        let changed = false;
        for (const link of [...links]) {
          const want = target.find((w) => w.ref.name === link.ref.name && w.ref.url === link.ref.url);
          if (want === undefined) {
            // Removed (or moved to another URL) elsewhere: the change is stored; it goes once idle here.
            if (!leaving.has(link)) changed = true;
            link.draining = true;
            leaving.add(link);
          } else if (leaving.has(link) || link.draining !== want.draining) {
            // Drained or undrained elsewhere, or added back there while it was leaving here.
            leaving.delete(link);
            link.draining = want.draining;
            changed = true;
          }
        }
        for (const { ref, draining } of target) {
          if (links.some((l) => l.ref.name === ref.name && l.ref.url === ref.url)) continue;
          // A name that moved to a new URL waits for its old link to go first.
          if (find(ref.name)) continue;
          const link = deps.makeLink(ref);
          link.draining = draining;
          links.push(link);
          link.start();
          changed = true;
        }
        for (const link of [...leaving]) {
          if (link.inflight.size > 0 || target.some((w) => w.ref.name === link.ref.name && w.ref.url === link.ref.url)) continue;
          links.splice(links.indexOf(link), 1);
          leaving.delete(link);
          await link.stop();
        }
        return changed;
      }),
    add: (ref) =>
      exclusive(async () => {
        // The URL first: without a name, the name is the URL's host, so a bad URL makes a bad name.
        let url: URL;
        try {
          url = new URL(ref.url);
        } catch {
          throw invalidField('url', 'not a URL (expected http://host:port or https://…)', ref.url);
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          throw invalidField('url', `not an http(s) URL (the scheme is ${url.protocol.slice(0, -1)})`, ref.url);
        }
        if (!NAME_RE.test(ref.name)) throw invalidField('name', `must match ${NAME_RE.source}`, ref.name);
        if (find(ref.name)) throw conflict('A backend with this name exists', ref.name);
        const link = deps.makeLink({ name: ref.name, url: url.href.replace(/\/+$/, '') });
        await deps.changes.save(changeOf(link, {}));
        links.push(link);
        link.start();
        return link;
      }),
    setDraining: (name, draining) =>
      exclusive(async () => {
        const link = find(name);
        if (!link) throw notFound('Backend', name);
        await deps.changes.save(changeOf(link, { draining }));
        link.draining = draining;
        if (!draining) leaving.delete(link);
        return link;
      }),
    remove: (name) =>
      exclusive(async () => {
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
      }),
    collectIdle: () =>
      exclusive(async () => {
        for (const link of [...leaving]) if (link.inflight.size === 0) await drop(link);
      }),
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
        gateway: deps.holderOf(link.ref.name),
      };
    },
  };
}
