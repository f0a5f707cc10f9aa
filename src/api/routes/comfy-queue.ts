import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { mayHoldUnsafeIntegers, parseExactJson } from '../../json.js';
import type { Gateway } from '../../queue/index.js';
import type { HistoryRecord } from '../../store/index.js';

const DeleteOrClear = Type.Object(
  { clear: Type.Optional(Type.Boolean()), delete: Type.Optional(Type.Array(Type.String(), { maxItems: 10_000 })) },
  { additionalProperties: true },
);
const InterruptBody = Type.Union([Type.Object({ prompt_id: Type.Optional(Type.String()) }, { additionalProperties: true }), Type.Null()]);
const HistoryQuery = Type.Object({
  max_items: Type.Optional(Type.Integer({ minimum: 0 })),
  offset: Type.Optional(Type.Integer({ minimum: -1 })),
});

/**
 * ComfyUI's queue and history routes, answered from our durable queue. Registered twice, bare
 * and under /api, as ComfyUI registers them.
 */
export function registerComfyQueueRoutes(app: FastifyInstance, deps: { gateway: Gateway; maxUploadSizeBytes: number }): void {
  const { gateway } = deps;
  void app.register(async (scope) => {
    // ComfyUI reads these bodies with request.json() whatever their Content-Type: its own example
    // scripts post JSON labelled application/x-www-form-urlencoded (urllib's default), and
    // clients post /interrupt with a JSON Content-Type and no body at all (read as {}).
    const parseJson = scope.getDefaultJsonParser('error', 'error');
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
      const text = String(body);
      if (text.trim() === '') return done(null, undefined);
      // Fastify's parser unless exactness is at stake: a seed past 2^53 must not be rounded.
      if (!mayHoldUnsafeIntegers(text)) return parseJson(request, text, done);
      let value: unknown;
      try {
        value = parseExactJson(text);
      } catch {
        return parseJson(request, text, done); // malformed: Fastify's parser words the 400
      }
      done(null, value);
    });
    registerRoutes(scope, gateway, deps.maxUploadSizeBytes);
  });
}

function registerRoutes(app: FastifyInstance, gateway: Gateway, maxUploadSizeBytes: number): void {
  for (const prefix of ['', '/api']) {
    const routes = app.withTypeProvider<TypeBoxTypeProvider>();

    // ComfyUI caps every body, /prompt included, at --max-upload-size.
    routes.post(`${prefix}/prompt`, { bodyLimit: maxUploadSizeBytes }, async (request) => {
      const usageSource = request.headers['comfy-usage-source'];
      return gateway.submit(request.body, { usageSource: typeof usageSource === 'string' ? usageSource : undefined });
    });
    routes.get(`${prefix}/prompt`, async () => ({ exec_info: { queue_remaining: gateway.remaining() } }));
    routes.get(`${prefix}/queue`, async () => gateway.queue());

    routes.post(`${prefix}/queue`, { schema: { body: DeleteOrClear } }, async (request, reply) => {
      const body = request.body;
      if (body.clear === true) await gateway.deletePending('all');
      if (body.delete) await gateway.deletePending(body.delete);
      return reply.code(200).send();
    });

    routes.post(`${prefix}/interrupt`, { schema: { body: Type.Optional(InterruptBody) } }, async (request, reply) => {
      const promptId = request.body?.prompt_id;
      await gateway.interrupt(typeof promptId === 'string' && promptId !== '' ? promptId : undefined);
      return reply.code(200).send();
    });

    routes.get(`${prefix}/history`, { schema: { querystring: HistoryQuery } }, async (request, reply) => {
      const { max_items: maxItems, offset } = request.query;
      // ComfyUI checks the cap after adding an entry, so max_items=0 from a given offset yields one.
      const cap = maxItems === 0 && offset !== undefined && offset >= 0 ? 1 : maxItems;
      return reply.type('application/json; charset=utf-8').send(await gateway.historyPageJson(cap ?? null, offset ?? null));
    });

    routes.get(`${prefix}/history/:prompt_id`, { schema: { params: Type.Object({ prompt_id: Type.String() }) } }, async (request, reply) => {
      const entry = await gateway.historyEntry(request.params.prompt_id);
      // As ComfyUI: unknown, pending and running prompts all answer {}.
      return reply.type('application/json; charset=utf-8').send(historyJson(entry ? [entry] : []));
    });

    routes.post(`${prefix}/history`, { schema: { body: DeleteOrClear } }, async (request, reply) => {
      const body = request.body;
      if (body.clear === true) await gateway.deleteHistory('all');
      if (body.delete) await gateway.deleteHistory(body.delete);
      // As ComfyUI (and POST /queue): a body asking for nothing is a 200 that changes nothing.
      return reply.code(200).send();
    });
  }
}

/** Entries are stored as JSON text: the page is assembled without parsing them again. */
function historyJson(entries: readonly HistoryRecord[]): string {
  return `{${entries.map((e) => `${JSON.stringify(e.id)}:${e.entryJson}`).join(',')}}`;
}
