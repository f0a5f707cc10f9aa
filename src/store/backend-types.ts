/**
 * Runtime changes to the backend pool (POST/PATCH/DELETE /automa/backends), kept so a restart
 * comes back with the pool as it was left. Backends from --comfyui are the base; these rows add
 * backends, mark them draining, or remove configured ones.
 */
export interface BackendChange {
  readonly name: string;
  /** Set for backends added at runtime; null for a change to a configured backend. */
  readonly url: string | null;
  readonly draining: boolean;
  readonly removed: boolean;
}

export interface BackendChangeStore {
  list(): Promise<readonly BackendChange[]>;
  save(change: BackendChange): Promise<void>;
}
