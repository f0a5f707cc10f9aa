/**
 * What each ComfyUI backend is known to hold in its own input/temp/output folders, so an input
 * is uploaded to a backend once per content, not once per prompt.
 */

export interface BackendFileKey {
  /** Backend name as configured. */
  readonly backend: string;
  readonly type: 'input' | 'temp' | 'output';
  /** '/'-separated, '' for the folder itself. */
  readonly subfolder: string;
  readonly name: string;
}

export interface BackendFileStore {
  /** sha256 (hex) of the content the backend holds under that name, as far as we know. */
  get(key: BackendFileKey): Promise<string | undefined>;
  /** Record that the backend now holds `sha256` under that name (after a successful upload). */
  put(key: BackendFileKey, sha256: string): Promise<void>;
  /** Forget all a backend holds, e.g. when it was wiped or replaced; returns how many records went. */
  forgetBackend(backend: string): Promise<number>;
}
