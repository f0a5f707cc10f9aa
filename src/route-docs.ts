import { Type, type TSchema } from '@sinclair/typebox';

/**
 * The areas of the API: every documented route names one, and the OpenAPI document lists them
 * in this order. A new area is one line here.
 */
export const API_TAGS = {
  gateway: { name: 'Gateway (ComfyUI API)', description: "ComfyUI's own API, answered by the gateway from its durable queue and backend pool; each route also under /api." },
  queue: { name: 'Queue', description: "The gateway's queue beyond ComfyUI's API: move a waiting prompt to the front." },
  files: { name: 'Files', description: "ComfyUI's upload and view routes, served from the gateway's own file tree." },
  proxy: { name: 'Proxy', description: "Requests passed to a ComfyUI backend as they are, ComfyUI's answer passed back unchanged." },
  backends: { name: 'Backends', description: 'The backend pool at runtime: list, add, drain and remove ComfyUI backends.' },
  apps: { name: 'Apps', description: 'Saved workflows as typed apps: inputs, JSON Schema, an OpenAPI operation per app.' },
  runs: { name: 'Runs and sweeps', description: "Runs of an app through the durable queue, sweeps over its inputs and their contact sheets." },
  workflows: { name: 'Workflows', description: 'UI workflows converted to API prompts, as the official frontend converts them.' },
  documents: { name: 'Documents', description: 'JSON documents in named collections, with ETags and conditional writes.' },
  events: { name: 'Events', description: 'The event log as Server-Sent Events, resumable by event id.' },
  webhooks: { name: 'Webhooks', description: 'Signed webhook subscriptions to the event log, and their delivery log.' },
  schedules: { name: 'Schedules', description: 'Prompts fired on a cron schedule or once at a given time.' },
  operations: { name: 'Operations', description: 'Health, readiness, metrics and this document.' },
} as const;

export type ApiTag = keyof typeof API_TAGS;

/** The methods a catch-all route takes (the proxies): documented once per path, as GET. */
export const ANY_METHOD = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] as const;

/** Schema key for the parts a handler checks itself: the document shows them, Fastify never validates them. */
export const DESCRIBED_KEY = 'x-described';
/** Schema key that marks a route taking every method the same way (documented once per path). */
export const ANY_METHOD_KEY = 'x-any-method';

/** The body of every error the service answers itself (ComfyUI's shape), shared by all routes' 4xx and 5xx. */
export const ErrorBodySchema = Type.Object(
  {
    error: Type.Object({
      type: Type.String({ description: 'The error code in lower snake case, e.g. not_found, invalid_field.' }),
      message: Type.String(),
      details: Type.String(),
      extra_info: Type.Record(Type.String(), Type.Unknown(), { description: 'More about the error, e.g. the field and the reason.' }),
    }),
  },
  { $id: 'ErrorBody', additionalProperties: true, description: 'ComfyUI-shaped error; a rejected prompt carries node_errors beside it.' },
);

/** A reply that is not JSON (an image, text, a stream): its media types and what they hold. */
export interface MediaResponse {
  readonly description: string;
  readonly content: Readonly<Record<string, { readonly schema: TSchema | Record<string, unknown> }>>;
}

/**
 * What a status answers: a JSON body schema (its `description` describes the reply), a media
 * reply, or a sentence alone: an empty reply below 400, the shared error body from 400 on.
 */
export type ResponseDoc = TSchema | MediaResponse | string;

/** Parts of the request a handler checks itself, in its own words: described, not validated. */
export interface DescribedParts {
  /** One schema for every media type the route takes, or one per type. */
  readonly body?: TSchema | { readonly content: Readonly<Record<string, { readonly schema: TSchema }>> };
  readonly querystring?: TSchema;
  readonly params?: TSchema;
  readonly headers?: TSchema;
  /** Body media types when not JSON (multipart forms). */
  readonly consumes?: readonly string[];
}

export interface RouteDocs {
  readonly description?: string;
  /** Validated by Fastify (a failure is our 400) and described. */
  readonly params?: TSchema;
  readonly querystring?: TSchema;
  readonly body?: TSchema;
  readonly headers?: TSchema;
  readonly described?: DescribedParts;
  /** Every status the route answers itself, with what it carries. */
  readonly responses: Readonly<Partial<Record<number | 'default', ResponseDoc>>>;
  /** The route takes every method alike (a proxy): the document lists it once per path. */
  readonly anyMethod?: boolean;
}

type Validated<D extends RouteDocs> = Pick<D, Extract<keyof D, 'params' | 'querystring' | 'body' | 'headers'>>;

/**
 * A route's `schema`: `docs('backends', 'Add a backend', { body: AddBody, responses: { 201: BackendView,
 * 409: 'A backend with this name exists' } })`. The params, querystring, body and headers given
 * here are validated as Fastify does and keep their types for the handler.
 *
 * Response schemas only describe: replies are written by the exact-integer JSON writer (see
 * app.ts), never by a serializer compiled from them, so they cannot drop or reshape a field.
 */
export function docs<const D extends RouteDocs>(tag: ApiTag, summary: string, d: D): Validated<D> & RouteSchemaDocs {
  const { responses, described, anyMethod, description, ...validated } = d;
  return {
    ...(validated as unknown as Validated<D>),
    summary,
    tags: [API_TAGS[tag].name],
    ...(description !== undefined && { description }),
    response: responseSchemas(responses),
    ...(described !== undefined && { [DESCRIBED_KEY]: described }),
    ...(anyMethod === true && { [ANY_METHOD_KEY]: true }),
  };
}

export interface RouteSchemaDocs {
  readonly summary: string;
  readonly tags: readonly string[];
  readonly description?: string;
  readonly response: Record<string, unknown>;
  readonly [DESCRIBED_KEY]?: DescribedParts;
  readonly [ANY_METHOD_KEY]?: true;
}

/** A JSON reply whose schema is `schema`, described by `description`. */
export const json = <T extends TSchema>(schema: T, description: string): T => ({ ...schema, description });

/** A reply of another media type: `media('text/plain', 'Prometheus text format')`. */
export function media(contentType: string | readonly string[], description: string, schema: Record<string, unknown> = { type: 'string' }): MediaResponse {
  const types = typeof contentType === 'string' ? [contentType] : contentType;
  return { description, content: Object.fromEntries(types.map((type) => [type, { schema }])) };
}

const STATUS_TEXT: Readonly<Record<string, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
};

function responseSchemas(responses: RouteDocs['responses']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, doc] of Object.entries(responses)) {
    if (doc === undefined) continue;
    if (typeof doc === 'string') {
      // 'null' is how @fastify/swagger writes a response without content.
      out[status] = status !== 'default' && Number(status) < 400 ? { type: 'null', description: doc } : { description: doc, ...Type.Ref(ErrorBodySchema) };
    } else if ('content' in doc && !('type' in doc)) {
      out[status] = doc;
    } else {
      // x-response-description: the reply's description, which @fastify/swagger keeps out of the schema.
      out[status] = (doc as TSchema).description !== undefined ? doc : { ...doc, 'x-response-description': STATUS_TEXT[status] ?? 'OK' };
    }
  }
  return out;
}
