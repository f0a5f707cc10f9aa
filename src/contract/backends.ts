/** A backend as GET /automa/backends shows it. */
export interface BackendView {
  readonly name: string;
  readonly url: string;
  readonly state: 'up' | 'down' | 'draining';
  /** Prompt ids the backend runs now. */
  readonly running: readonly string[];
  /** Prompt ids handed to it ahead of time (--prefetch), waiting in its own queue. */
  readonly prefetched: readonly string[];
  readonly last_error: string | null;
  /** The ComfyUI version it reports (system_stats.system.comfyui_version); null until it answered. */
  readonly comfyui_version: string | null;
  /** ComfyUI's /system_stats `devices`, as the backend reported them. */
  readonly devices: readonly unknown[];
  readonly system: Record<string, unknown> | null;
  readonly node_classes: number;
  readonly models_known: number;
  /**
   * With several gateways on one database: the gateway driving it (its `--gateway-id`), null
   * while none does. Null for a lone gateway. `running` and `prefetched` are that gateway's to show.
   */
  readonly gateway: string | null;
}

/** GET /automa/backends */
export interface BackendList {
  readonly backends: readonly BackendView[];
}

/** POST /automa/backends: `name` defaults to the URL's host. */
export interface AddBackendBody {
  readonly name?: string;
  readonly url: string;
}

/** PATCH /automa/backends/{name} */
export interface PatchBackendBody {
  readonly draining: boolean;
}
