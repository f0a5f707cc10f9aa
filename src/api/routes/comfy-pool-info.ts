import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { backendUnavailable } from '../../errors.js';
import type { BackendLink } from '../../queue/index.js';
import { compareVersions, GATEWAY_COMFY_VERSION, parseComfyVersion, type ComfyVersion } from '../../upstream/protocol/index.js';
import { isRecord } from '../../values.js';
import { docs, media } from '../../route-docs.js';
import { NameList, SystemStatsSchema } from '../schemas/gateway.js';

export interface PoolInfoDeps {
  /** The pool's live backends, in pool order. */
  readonly links: () => readonly BackendLink[];
  /** The default backend (the first --comfyui): its answer comes first and gives /system_stats its `system`. */
  readonly defaultName: string | undefined;
}

interface Answer {
  readonly name: string;
  readonly status: number;
  readonly contentType: string | undefined;
  readonly text: string;
}

/**
 * These are small, fast answers that ComfyUI's frontend loads with the page: one hung backend
 * must not hold the page up, so a backend that does not answer in time is left out.
 */
const ANSWER_TIMEOUT_MS = 5_000;

/**
 * The pool seen as one ComfyUI: `/system_stats` lists every backend's devices (each tagged with
 * `backend`), and `/models`, `/models/{folder}` and `/embeddings` are unions over the backends that
 * are up (default backend first, then new names in pool order).
 */
export function registerPoolInfoRoutes(app: FastifyInstance, deps: PoolInfoDeps): void {
  const ask = async (path: string): Promise<Answer[]> => {
    const links = deps.links().filter((link) => link.up);
    links.sort((a, b) => Number(b.ref.name === deps.defaultName) - Number(a.ref.name === deps.defaultName));
    const answers = await Promise.all(links.map((link) => askOne(link, path)));
    return answers.filter((answer): answer is Answer => answer !== null);
  };

  const NONE_UP = 'No backend answered';
  const systemStats = docs('gateway', 'System and devices of the whole pool', {
    description: "The default backend's system (its version raised to the one the gateway speaks), and every backend's devices, each tagged with `backend`.",
    responses: { 200: SystemStatsSchema, 502: NONE_UP },
  });
  const models = docs('gateway', 'Model folders, over the backends that are up', { responses: { 200: NameList, 502: NONE_UP } });
  const embeddings = docs('gateway', 'Embeddings, over the backends that are up', { responses: { 200: NameList, 502: NONE_UP } });
  const folder = docs('gateway', 'The models in one folder, over the backends that are up', {
    params: Type.Object({ folder: Type.String() }),
    responses: { 200: NameList, 404: media('*/*', "No backend has this folder: ComfyUI's answer, passed on", {}), 502: NONE_UP },
  });
  for (const prefix of ['', '/api']) {
    app.get(`${prefix}/system_stats`, { schema: systemStats }, async () => {
      const answers = parsed(await ask('/system_stats'), '/system_stats').filter((a): a is { name: string; body: Record<string, unknown> } => isRecord(a.body));
      const first = answers[0];
      if (!first) throw backendUnavailable(deps.defaultName ?? 'pool', 'no backend answered GET /system_stats');
      const devices = answers.flatMap(({ name, body }) =>
        Array.isArray(body.devices) ? body.devices.map((device: unknown) => (isRecord(device) ? { ...device, backend: name } : device)) : [],
      );
      return { ...first.body, system: currentSystem(first.body.system), devices };
    });
    app.get(`${prefix}/models`, { schema: models }, async () => union(parsed(await ask('/models'), '/models')));
    app.get(`${prefix}/embeddings`, { schema: embeddings }, async () => union(parsed(await ask('/embeddings'), '/embeddings')));
    app.get<{ Params: { folder: string } }>(`${prefix}/models/:folder`, { schema: folder }, async (request, reply) => {
      const answers = await ask(`/models/${encodeURIComponent(request.params.folder)}`);
      const found = answers.filter((a) => a.status === 200);
      const refusal = answers[0];
      // No backend has this folder: answer as ComfyUI does (its 404), body and all.
      if (found.length === 0 && refusal !== undefined) {
        if (refusal.contentType !== undefined) void reply.header('content-type', refusal.contentType);
        return reply.code(refusal.status).send(refusal.text);
      }
      return union(parsed(found, '/models/{folder}'));
    });
  }
}

async function askOne(link: BackendLink, path: string): Promise<Answer | null> {
  try {
    const response = await request(`${link.ref.url}${path}`, { signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
    const contentType = response.headers['content-type'];
    return {
      name: link.ref.name,
      status: response.statusCode,
      contentType: Array.isArray(contentType) ? contentType[0] : contentType,
      text: await response.body.text(),
    };
  } catch {
    // Unreachable or too slow: its share of the union is missing until it answers again.
    return null;
  }
}

/**
 * The default backend's `system` as ComfyUI 0.33 reports it: an older backend's version is
 * raised to the one the gateway speaks (clients decide what to call from it), and the fields 0.33
 * added are filled from what the older one reports: `comfy_package_versions` from its required
 * frontend and templates versions, `deploy_environment` as unknown.
 */
function currentSystem(system: unknown): unknown {
  if (!isRecord(system)) return system;
  const version = parseComfyVersion(system.comfyui_version);
  const older = version === null || compareVersions(version, parseComfyVersion(GATEWAY_COMFY_VERSION) as ComfyVersion) < 0;
  const packages = Array.isArray(system.comfy_package_versions)
    ? system.comfy_package_versions
    : [
        { name: 'comfyui-frontend-package', installed: null, required: system.required_frontend_version ?? null },
        { name: 'comfyui-workflow-templates', installed: system.installed_templates_version ?? null, required: system.required_templates_version ?? null },
      ];
  const { python_version: python, pytorch_version: pytorch, embedded_python: embedded, argv, ...head } = system;
  return {
    ...head,
    ...(older && { comfyui_version: GATEWAY_COMFY_VERSION }),
    comfy_package_versions: packages,
    python_version: python,
    pytorch_version: pytorch,
    embedded_python: embedded,
    deploy_environment: typeof system.deploy_environment === 'string' ? system.deploy_environment : 'unknown',
    argv,
  };
}

/** The JSON bodies of the 200 answers; throws 502 when there are none. */
function parsed(answers: readonly Answer[], what: string): { name: string; body: unknown }[] {
  const bodies: { name: string; body: unknown }[] = [];
  for (const answer of answers) {
    if (answer.status !== 200) continue;
    try {
      bodies.push({ name: answer.name, body: JSON.parse(answer.text) as unknown });
    } catch {
      // A body that is not JSON contributes nothing.
    }
  }
  if (bodies.length === 0) throw backendUnavailable('pool', `no backend answered GET ${what}`);
  return bodies;
}

/** Every string the backends listed, once, in first-seen order. */
function union(bodies: readonly { body: unknown }[]): string[] {
  const seen = new Set<string>();
  for (const { body } of bodies) {
    if (!Array.isArray(body)) continue;
    for (const item of body) if (typeof item === 'string') seen.add(item);
  }
  return [...seen];
}
