import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { invalidField } from '../../errors.js';
import type { Gateway } from '../../queue/index.js';
import { docs, json } from '../../route-docs.js';

const Params = Type.Object({ prompt_id: Type.String({ maxLength: 100, description: 'The prompt id (a lowercase UUID).' }) });
const Moved = json(
  Type.Object({
    moved: Type.Boolean({ description: 'False when the prompt is not waiting in our queue (a backend holds it already, it runs or it has finished, or no such prompt).' }),
    number: Type.Optional(Type.Number({ description: "The prompt's priority number now, as /queue shows it." })),
  }),
  'Whether the prompt moved',
);
const front = docs('queue', 'Move a waiting prompt to the front of the queue', {
  description:
    "ComfyUI sets the order only at submit time (`front: true` on POST /prompt); this moves a prompt already queued: it gets a number below every other waiting prompt's and is the next dispatched. " +
    'Prompts a backend has already taken (running, or prefetched with --prefetch) keep their place.',
  params: Params,
  responses: { 200: Moved, 400: 'The prompt id is not a lowercase UUID' },
});
const PROMPT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** POST /automa/queue/{prompt_id}/front: the gateway's queue beyond ComfyUI's API. */
export function registerQueueFrontRoute(app: FastifyInstance, deps: { gateway: Gateway }): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  routes.post('/automa/queue/:prompt_id/front', { schema: front }, async (request) => {
    const id = request.params.prompt_id;
    if (!PROMPT_ID.test(id)) throw invalidField('prompt_id', 'must be a lowercase UUID', id);
    return deps.gateway.moveToFront(id);
  });
}
