import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { forbiddenJsonKey } from '../../errors.js';
import { mayHoldUnsafeIntegers, parseExactJson } from '../../json.js';
import { hasPrototypeKey } from '../../values.js';
import { parseJsonBody } from '../json-body.js';
import type { Gateway } from '../../queue/index.js';
import type { HistoryRecord } from '../../store/index.js';
import { docs, json } from '../../route-docs.js';
import { DeleteOrClear, HistorySchema, PromptBody, QueueRemaining, QueueSnapshotSchema, SubmitResultSchema } from '../schemas/gateway.js';

const InterruptBody = Type.Union([
  Type.Object({ prompt_id: Type.Optional(Type.String({ description: 'Interrupt this prompt only if it runs; without it, every running prompt.' })) }, { additionalProperties: true }),
  Type.Null(),
]);
const HistoryQuery = Type.Object({
  max_items: Type.Optional(Type.Integer({ minimum: 0 })),
  offset: Type.Optional(Type.Integer({ minimum: -1 })),
});
const BAD_BODY = 'The body does not have this shape (or is not JSON)';

const submit = docs('gateway', 'Queue a prompt', {
  description: "As ComfyUI's POST /prompt: the prompt is checked against the backends' object_info and stored durably before the answer.",
  described: { body: PromptBody },
  responses: {
    200: json(SubmitResultSchema, 'Queued'),
    400: "Refused, in ComfyUI's words: `error` and, for node problems, `node_errors` beside it",
    409: 'A prompt with this prompt_id exists',
    413: 'The body is over --max-upload-size',
  },
});
const remaining = docs('gateway', 'How many prompts are pending or running', { responses: { 200: QueueRemaining } });
const queue = docs('gateway', 'The running and pending prompts', { responses: { 200: QueueSnapshotSchema } });
const changeQueue = docs('gateway', 'Remove pending prompts (some, or all)', { body: DeleteOrClear, responses: { 200: 'Done (also when nothing matched)', 400: BAD_BODY } });
const interrupt = docs('gateway', 'Interrupt the running prompt(s)', { body: Type.Optional(InterruptBody), responses: { 200: 'Interrupted (also when nothing ran)', 400: BAD_BODY } });
const history = docs('gateway', 'Finished prompts with their outputs, newest first', {
  querystring: HistoryQuery,
  responses: { 200: HistorySchema, 400: 'max_items or offset is not a whole number in range' },
});
const historyOne = docs('gateway', "One prompt's history entry", { params: Type.Object({ prompt_id: Type.String() }), responses: { 200: HistorySchema } });
const changeHistory = docs('gateway', 'Remove history entries (some, or all)', { body: DeleteOrClear, responses: { 200: 'Done (also when nothing matched)', 400: BAD_BODY } });

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
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
      const text = String(body);
      if (text.trim() === '') return done(null, undefined);
      // Fastify's parser unless exactness is at stake: a seed past 2^53 must not be rounded.
      if (!mayHoldUnsafeIntegers(text)) return parseJsonBody(request, text, done);
      let value: unknown;
      try {
        value = parseExactJson(text);
      } catch {
        return parseJsonBody(request, text, done); // malformed: JSON.parse words the 400
      }
      // Refused as Fastify's parser refuses it, so the answer does not depend on the digits.
      if (hasPrototypeKey(value)) return done(forbiddenJsonKey());
      done(null, value);
    });
    registerRoutes(scope, gateway, deps.maxUploadSizeBytes);
  });
}

function registerRoutes(app: FastifyInstance, gateway: Gateway, maxUploadSizeBytes: number): void {
  for (const prefix of ['', '/api']) {
    const routes = app.withTypeProvider<TypeBoxTypeProvider>();

    // ComfyUI caps every body, /prompt included, at --max-upload-size.
    routes.post(`${prefix}/prompt`, { bodyLimit: maxUploadSizeBytes, schema: submit }, async (request) => {
      const usageSource = request.headers['comfy-usage-source'];
      return gateway.submit(request.body, { usageSource: typeof usageSource === 'string' ? usageSource : undefined });
    });
    routes.get(`${prefix}/prompt`, { schema: remaining }, async () => ({ exec_info: { queue_remaining: gateway.remaining() } }));
    routes.get(`${prefix}/queue`, { schema: queue }, async () => gateway.queue());

    routes.post(`${prefix}/queue`, { schema: changeQueue }, async (request, reply) => {
      const body = request.body;
      if (body.clear === true) await gateway.deletePending('all');
      if (body.delete) await gateway.deletePending(body.delete);
      return reply.code(200).send();
    });

    routes.post(`${prefix}/interrupt`, { schema: interrupt }, async (request, reply) => {
      const promptId = request.body?.prompt_id;
      await gateway.interrupt(typeof promptId === 'string' && promptId !== '' ? promptId : undefined);
      return reply.code(200).send();
    });

    routes.get(`${prefix}/history`, { schema: history }, async (request, reply) => {
      const { max_items: maxItems, offset } = request.query;
      // ComfyUI checks the cap after adding an entry, so max_items=0 from a given offset yields one.
      const cap = maxItems === 0 && offset !== undefined && offset >= 0 ? 1 : maxItems;
      return reply.type('application/json; charset=utf-8').send(await gateway.historyPageJson(cap ?? null, offset ?? null));
    });

    routes.get(`${prefix}/history/:prompt_id`, { schema: historyOne }, async (request, reply) => {
      const entry = await gateway.historyEntry(request.params.prompt_id);
      // As ComfyUI: unknown, pending and running prompts all answer {}.
      return reply.type('application/json; charset=utf-8').send(historyJson(entry ? [entry] : []));
    });

    routes.post(`${prefix}/history`, { schema: changeHistory }, async (request, reply) => {
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
