import type { BackendLink } from '../queue/index.js';
import type { BackendHealth, BackendMonitor } from '../upstream/index.js';

/** A backend as health, readiness and metrics report it. */
export interface PoolBackendHealth extends BackendHealth {
  /** The gateway's link to it: up (socket open, probes answered), down, or draining. */
  readonly state: 'up' | 'down' | 'draining';
}

/** The backend monitor's interface, answering for the pool. */
export interface PoolHealth extends BackendMonitor {
  states(): readonly PoolBackendHealth[];
}

/**
 * Health as the pool sees it: every backend the gateway has now (runtime-added ones included,
 * removed ones left out), with its link state. A backend counts as reachable when its link is
 * up or its HTTP answers the monitor's probe (its socket may just be reconnecting); while it
 * is not, the probe's error says why, as it names the network failure. Before the gateway has
 * its links, the monitor answers alone.
 */
export function createPoolHealth(monitor: BackendMonitor, links: () => readonly BackendLink[] | undefined): PoolHealth {
  return {
    states: () => {
      const probes = new Map(monitor.states().map((probe) => [`${probe.name} ${probe.url}`, probe]));
      const pool = links();
      if (pool === undefined) return monitor.states().map((probe) => ({ ...probe, state: probe.reachable ? 'up' : 'down' }));
      return pool.map((link): PoolBackendHealth => {
        const probe = probes.get(`${link.ref.name} ${link.ref.url}`);
        const reachable = link.healthy || probe?.reachable === true;
        return {
          name: link.ref.name,
          url: link.ref.url,
          reachable,
          lastError: reachable ? null : (probe?.lastError ?? link.lastError),
          lastSeen: probe?.lastSeen ?? null,
          state: link.draining ? 'draining' : link.healthy ? 'up' : 'down',
        };
      });
    },
    probeAll: () => monitor.probeAll(),
    start: () => monitor.start(),
    stop: () => monitor.stop(),
  };
}
