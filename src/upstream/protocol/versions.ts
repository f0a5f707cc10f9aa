/**
 * ComfyUI versions and the behaviours that changed between them. The gateway speaks the newest
 * version it knows to its clients; a backend's own version (system_stats.system.comfyui_version)
 * decides what the gateway must bridge for it.
 */

/** The version whose API the gateway presents, whatever its backends run. */
export const GATEWAY_COMFY_VERSION = '0.33.0';

/** The versions the fake ComfyUI and the recordings cover. */
export const RECORDED_COMFY_VERSIONS = ['0.8.0', '0.33.0'] as const;

/** [major, minor, patch]; missing parts are 0. */
export type ComfyVersion = readonly [number, number, number];

/**
 * "0.33.0", "v0.8", "0.26.1-rc1" → [0, 33, 0]…; null when no leading number can be read (a
 * backend that does not report its version, or reports something unreadable).
 */
export function parseComfyVersion(text: unknown): ComfyVersion | null {
  if (typeof text !== 'string') return null;
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text.trim());
  if (!match) return null;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: ComfyVersion, b: ComfyVersion): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/**
 * The first ComfyUI version with each behaviour the gateway or the fake must know about, from
 * ComfyUI's changelog and source; the recordings (0.8.0, 0.33.0) confirm each side.
 */
export const COMFY_FEATURES = {
  /** Interrupted jobs report status `cancelled` in /api/jobs (was `failed`). */
  cancelledJobStatus: '0.9.0',
  /** Unknown or missing class_type → `missing_node_type` with extra_info (was `invalid_prompt`). */
  missingNodeType: '0.12.0',
  /** GET /node_replacements, and the rewrite of replaced classes before validation. */
  nodeReplacements: '0.14.0',
  /** Graph cycles → node error `dependency_cycle` (was a RecursionError). */
  dependencyCycle: '0.20.0',
  /** A client prompt_id must be a canonical lowercase UUID (else 400 invalid_prompt_id). */
  promptIdMustBeUuid: '0.25.0',
  /** The Comfy-Usage-Source header is copied into extra_data.comfy_usage_source. */
  usageSourceHeader: '0.25.0',
  /** POST /api/jobs/{id}/cancel and POST /api/jobs/cancel. */
  jobCancelRoutes: '0.26.0',
  /** /api/jobs items carry previewable_outputs_count. */
  previewableOutputsCount: '0.32.0',
  /**
   * value_not_in_list details print the value with repr() (`5`, `'bogus'`); earlier versions
   * quoted str() of it. Seen first in the 0.33.0 recordings.
   */
  notInListRepr: '0.33.0',
} as const;

export type ComfyFeature = keyof typeof COMFY_FEATURES;

/**
 * Whether `version` has `feature`. An unknown version (null) counts as the gateway's own: a
 * ComfyUI too old to report its version predates everything here, but one that reports
 * something unreadable is more likely newer than older.
 */
export function hasFeature(version: ComfyVersion | string | null | undefined, feature: ComfyFeature): boolean {
  const parsed = typeof version === 'string' ? parseComfyVersion(version) : version ?? null;
  const since = parseComfyVersion(COMFY_FEATURES[feature]) as ComfyVersion;
  return compareVersions(parsed ?? (parseComfyVersion(GATEWAY_COMFY_VERSION) as ComfyVersion), since) >= 0;
}
