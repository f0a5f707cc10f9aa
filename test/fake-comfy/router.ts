/**
 * Route matching as aiohttp does it for ComfyUI: each route bare and under /api (unless it is
 * /api-only or internal), GET also answering HEAD, 405 for a known path with another method,
 * "404: Not Found" otherwise, and "500 Internal Server Error" for anything a handler throws.
 */
import { compareVersions, parseComfyVersion, type ComfyVersion } from '../../src/upstream/protocol/index.js';
import type { FakeContext, Route } from './context.js';
import { BodyTooLarge, methodNotAllowed, notFound, serverError, tooLarge, type Reply, type RequestContext } from './http.js';

interface Match {
  readonly route: Route;
  readonly params: Record<string, string>;
}

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith('{') && w.endsWith('}')) {
      if (g === '') return undefined;
      params[w.slice(1, -1)] = decodeURIComponent(g);
    } else if (w !== g) return undefined;
  }
  return params;
}

const existsIn = (route: Route, version: string): boolean =>
  route.since === undefined || compareVersions(parseComfyVersion(version) as ComfyVersion, parseComfyVersion(route.since) as ComfyVersion) >= 0;

function candidates(routes: readonly Route[], path: string, version: string): Match[] {
  const out: Match[] = [];
  for (const route of routes) {
    if (!existsIn(route, version)) continue;
    const direct = matchPath(route.path, path);
    if (direct) out.push({ route, params: direct });
    else if (route.mirrored && path.startsWith('/api/')) {
      const viaApi = matchPath(route.path, path.slice(4));
      if (viaApi) out.push({ route, params: viaApi });
    }
  }
  return out;
}

export function createRouter(routes: readonly Route[]) {
  return async (fake: FakeContext, request: Omit<RequestContext, 'params'>): Promise<Reply> => {
    const matches = candidates(routes, request.path, fake.version);
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    const match = matches.find((m) => m.route.method === method);
    if (!match) {
      if (matches.length === 0) return notFound();
      return methodNotAllowed([...new Set(matches.flatMap((m) => (m.route.method === 'GET' ? ['GET', 'HEAD'] : [m.route.method])))]);
    }
    try {
      return await match.route.handler(fake, { ...request, params: match.params });
    } catch (error) {
      if (error instanceof BodyTooLarge) return tooLarge(error);
      return serverError();
    }
  };
}
