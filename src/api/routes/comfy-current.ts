import type { FastifyInstance, FastifyReply } from 'fastify';
import { request } from 'undici';
import type { Gateway } from '../../queue/index.js';
import { gatewayFeatureFlags } from '../../upstream/protocol/index.js';
import { docs } from '../../route-docs.js';
import { AssetsDisabledSchema, OpenObject } from '../schemas/gateway.js';

export interface CurrentComfyDeps {
  readonly gateway: Gateway;
  readonly maxUploadSizeBytes: number;
  /** The default backend's base URL (its /features names its installed extensions), or null. */
  readonly defaultBackendUrl: string | null;
}

/** Short: the frontend loads /features with the page, and a hung backend must not hold it up. */
const FEATURES_TIMEOUT_MS = 3_000;

const ASSETS_DISABLED = {
  error: {
    code: 'SERVICE_DISABLED',
    message: 'Assets system is disabled. Start the server with --enable-assets to use this feature.',
    details: {},
  },
};

/**
 * The parts of ComfyUI 0.33's API the gateway answers for the whole pool, whatever version each
 * backend runs: GET /features (0.33's flags, plus the extension flags the default backend
 * reports), GET /node_replacements (what the pool's 0.14+ backends register; the gateway applies
 * them itself), and the assets API, off as in a default 0.33 install (503, ComfyUI's body).
 */
export function registerCurrentComfyRoutes(app: FastifyInstance, deps: CurrentComfyDeps): void {
  const features = docs('gateway', "The server's feature flags", {
    description: "ComfyUI 0.33's flags, plus the extension flags the default backend reports.",
    responses: { 200: OpenObject('Feature name → value') },
  });
  const replacements = docs('gateway', 'Node replacements the pool registers', {
    description: "What the pool's 0.14+ backends register; the gateway applies them to prompts itself.",
    responses: { 200: OpenObject('Old node class → its replacements') },
  });
  const assets = docs('gateway', 'The assets API (off, as in a default ComfyUI install)', { anyMethod: true, responses: { 503: AssetsDisabledSchema } });
  for (const prefix of ['', '/api']) {
    app.get(`${prefix}/features`, { schema: features }, async () => gatewayFeatureFlags(deps.maxUploadSizeBytes, await backendFeatures(deps.defaultBackendUrl)));
    app.get(`${prefix}/node_replacements`, { schema: replacements }, async () => deps.gateway.nodeReplacements());
  }
  // As in ComfyUI, the assets routes exist only under /api.
  const disabled = async (_request: unknown, reply: FastifyReply) => reply.code(503).send(ASSETS_DISABLED);
  for (const url of ['/api/assets', '/api/assets/*', '/api/tags']) {
    app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'], url, schema: assets, handler: disabled });
  }
}

/** The default backend's /features, or {} when it has none (0.8 has one too) or does not answer. */
async function backendFeatures(url: string | null): Promise<Record<string, unknown>> {
  if (url === null) return {};
  try {
    const response = await request(`${url}/features`, { signal: AbortSignal.timeout(FEATURES_TIMEOUT_MS) });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return {};
    }
    const body = (await response.body.json()) as unknown;
    return body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
