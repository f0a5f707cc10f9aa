import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { stringifyExactJson } from '../../json.js';
import type { Gateway } from '../../queue/index.js';
import { docs, media } from '../../route-docs.js';
import { PROXIED_RESPONSES } from '../../proxy/index.js';
import { OpenObject } from '../schemas/gateway.js';

/**
 * /object_info from the gateway's cache: ComfyUI rebuilds it on every call (~300 ms on a CPU
 * box); we serialise each backend report once and answer with the same bytes until it changes.
 * Before any backend has reported, the request goes to the default backend like other routes.
 */
export function registerObjectInfoRoutes(
  app: FastifyInstance,
  deps: { gateway: Gateway; passThrough: (request: FastifyRequest, reply: FastifyReply) => void },
): void {
  const cache = new WeakMap<object, { json: Buffer; etag: string; perClass: Map<string, string> }>();
  const cached = (info: Readonly<Record<string, unknown>>) => {
    let entry = cache.get(info);
    if (!entry) {
      // Kept as bytes: sending the ~400 KB string re-encoded it to UTF-8 on every request (6× slower).
      const json = Buffer.from(stringifyExactJson(info));
      entry = { json, etag: `"${createHash('sha1').update(json).digest('base64url')}"`, perClass: new Map() };
      cache.set(info, entry);
    }
    return entry;
  };

  // Before a backend reported, the default backend answers (or its failure: 502, 504).
  const { 502: unreachable, 504: slow } = PROXIED_RESPONSES;
  const all = docs('gateway', 'Every node class the pool knows, with its inputs and outputs', {
    description: "The union of the backends' object_info, cached (ETag, If-None-Match) until one changes.",
    responses: { 200: OpenObject('Node class → its definition'), 304: 'Unchanged since the ETag sent in If-None-Match', 502: unreachable, 504: slow },
  });
  const one = docs('gateway', 'One node class', {
    params: Type.Object({ node_class: Type.String() }),
    responses: { 200: OpenObject('{node_class: its definition}, or {} for an unknown class'), 502: unreachable, 504: slow },
  });
  for (const prefix of ['', '/api']) {
    app.get(`${prefix}/object_info`, { schema: all }, async (request, reply) => {
      const info = deps.gateway.objectInfo();
      if (info === null) return deps.passThrough(request, reply);
      const entry = cached(info);
      if (request.headers['if-none-match'] === entry.etag) return reply.code(304).send();
      return reply.header('etag', entry.etag).type('application/json; charset=utf-8').send(entry.json);
    });
    app.get<{ Params: { node_class: string } }>(`${prefix}/object_info/:node_class`, { schema: one }, async (request, reply) => {
      const info = deps.gateway.objectInfo();
      if (info === null) return deps.passThrough(request, reply);
      const entry = cached(info);
      const name = request.params.node_class;
      let json = entry.perClass.get(name);
      if (json === undefined) {
        // As ComfyUI: an unknown class answers {} with 200.
        json = Object.hasOwn(info, name) ? stringifyExactJson({ [name]: info[name] }) : '{}';
        entry.perClass.set(name, json);
      }
      return reply.type('application/json; charset=utf-8').send(json);
    });
  }
}
