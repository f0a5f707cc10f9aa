/**
 * First path segments of ComfyUI's routes (PROTOCOL.md), bare or under /api. The gateway serves
 * them at our root, so nothing else (the web app's files, say) may claim these names.
 */
export const COMFY_ROUTE_ROOTS: ReadonlySet<string> = new Set([
  'api',
  'ws',
  'internal',
  'prompt',
  'queue',
  'history',
  'interrupt',
  'free',
  'view',
  'view_metadata',
  'upload',
  'object_info',
  'system_stats',
  'models',
  'embeddings',
  'extensions',
  'features',
  'users',
  'userdata',
  'v2',
  'settings',
  'i18n',
  'workflow_templates',
]);

/** Our own first segments beside ComfyUI's: the automa API, metrics and the transparent proxy. */
export const SERVICE_ROUTE_ROOTS: ReadonlySet<string> = new Set(['automa', 'metrics', 'comfyui']);

/** True when a first path segment belongs to an API (ours or ComfyUI's), compared case-insensitively. */
export function isApiRoot(segment: string): boolean {
  const name = segment.toLowerCase();
  return COMFY_ROUTE_ROOTS.has(name) || SERVICE_ROUTE_ROOTS.has(name);
}
