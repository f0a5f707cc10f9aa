import type { BackendLink, ClusterView } from '../queue/index.js';

/** A backend as health, readiness and metrics report it. */
export interface BackendHealth {
  readonly name: string;
  readonly url: string;
  /** Its socket is open and it answers the /system_stats probe. */
  readonly reachable: boolean;
  /** Why it is not reachable (the connect failure, close code or failed probe); null while it is. */
  readonly lastError: string | null;
  /** ISO time it last answered; null if it never did. */
  readonly lastSeen: string | null;
  /** up, down, or draining (finishing its prompts, taking no new ones). */
  readonly state: 'up' | 'down' | 'draining';
  /** The gateway driving it: this one's id when alone, the lease holder's in a cluster (null: nobody yet). */
  readonly gateway: string | null;
}

export interface PoolHealth {
  /** Every backend the gateway has now, runtime-added ones included. Never throws, never waits. */
  states(): readonly BackendHealth[];
  /** Several gateways on one database: which are live and who drives what; null for a lone gateway. */
  cluster(): ClusterView | null;
  /** Check every backend now: resolves once each has tried to connect and, if up, answered a probe. */
  probeAll(): Promise<void>;
}

/**
 * Health as the pool's own links see it: the upstream socket plus the links' periodic probes
 * (with backoff), so there is one source of truth and a crash shows at once as the socket drops.
 */
export function createPoolHealth(links: () => readonly BackendLink[], cluster: () => ClusterView | null): PoolHealth {
  return {
    cluster,
    states: () => {
      const view = cluster();
      return links().map((link) => ({
        name: link.ref.name,
        url: link.ref.url,
        reachable: link.healthy,
        lastError: link.healthy ? null : link.lastError,
        lastSeen: link.lastSeen,
        state: link.draining ? 'draining' : link.healthy ? 'up' : 'down',
        gateway: view === null ? null : (view.holders.get(link.ref.name) ?? null),
      }));
    },
    probeAll: async () => {
      await Promise.all(links().map((link) => link.check()));
    },
  };
}
