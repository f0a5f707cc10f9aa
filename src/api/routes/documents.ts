import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { badRequest, invalidCollectionName, invalidId, notFound, preconditionFailed } from '../../errors.js';
import { etagOf, type DocumentRecord, type DocumentStore, type JsonScalar } from '../../store/index.js';
import { nestsDeeperThan } from '../../values.js';
import { docs, json } from '../../route-docs.js';
import { parseJsonBody } from '../json-body.js';
import { CollectionList, DocumentBody, DocumentPage, DocumentSchema } from '../schemas/documents.js';

const COLLECTION_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FIELD_RE = /^[A-Za-z0-9_-]{1,64}$/;
/**
 * Nesting limit for documents (MongoDB's). Deeper ones broke later, not here: SQLite's JSON
 * functions stop at 1000 levels, so one such document made every where-filtered list of its
 * collection fail, and past a few thousand levels JSON.stringify overflows the stack.
 */
const MAX_DEPTH = 100;

const COLLECTION = Type.String({ description: 'Collection name: ^[a-z0-9][a-z0-9_-]{0,63}$' });
const CollectionParams = Type.Object({ collection: COLLECTION });
const DocumentParams = Type.Object({ collection: COLLECTION, id: Type.String({ description: 'The document id (a UUID).' }) });
const IfMatch = Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'Write only if the document still has this ETag (or any, with *).' })) });
const WRITE_BODY = { body: DocumentBody, headers: IfMatch, consumes: ['application/json', 'application/merge-patch+json'] } as const;
const BAD_NAME = 'The collection name or the id is malformed';
const NO_DOCUMENT = 'No document with this id in this collection';
const ListQuerySchema = Type.Object(
  {
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: "The previous page's next_cursor." })),
  },
  // where.<field>=<value> filters are open-ended, checked in the handler.
  { additionalProperties: true },
);

const MERGE_PATCH = 'application/merge-patch+json';
const JSON_TYPE = 'application/json; charset=utf-8';

/** /automa/db: JSON documents in named collections. */
export function registerDocumentRoutes(app: FastifyInstance, deps: { documents: DocumentStore }): void {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const { documents } = deps;

  // RFC 7396 bodies are JSON; reuse Fastify's JSON parser (and its limits) for them.
  app.addContentTypeParser(MERGE_PATCH, { parseAs: 'string' }, parseJsonBody);

  const listCollections = docs('documents', 'List the collections, with their sizes', { responses: { 200: CollectionList } });
  routes.get('/automa/db', { schema: listCollections }, async () => ({ collections: await documents.collections() }));

  const drop = docs('documents', 'Drop a collection and its documents', {
    params: CollectionParams,
    responses: { 204: 'Dropped', 400: 'The name is malformed, or it is the default collection', 404: 'No such collection' },
  });
  routes.delete('/automa/db/:collection', { schema: drop }, async (request, reply) => {
    const collection = checkCollection(request.params.collection);
    if (collection === 'default') throw badRequest('The default collection cannot be dropped');
    if (!(await documents.dropCollection(collection))) throw notFound('Collection', collection);
    return reply.code(204).send();
  });

  const create = docs('documents', 'Add a document (the collection is made on first use)', {
    params: CollectionParams,
    // The handler checks the body itself: "Body must be a JSON object", the nesting limit.
    described: { body: DocumentBody },
    responses: {
      201: json(DocumentSchema, 'Stored, with its new id, create_time and update_time'),
      400: 'The collection name is malformed, or the body is not a JSON object or nests too deeply',
      413: 'The body is over --max-json-body-size',
    },
  });
  routes.post('/automa/db/:collection', { schema: create }, async (request, reply) => {
    const record = await documents.create(checkCollection(request.params.collection), checkObject(request.body));
    return sendRecord(reply.code(201), record);
  });

  // The two reads send the store's JSON text as it is: parsing each document only to serialise
  // it again was most of a page's cost.
  const list = docs('documents', 'List documents, newest first, a page at a time', {
    description: 'Filter with where.<field>=<value> (true, 12 and "quoted" keep their JSON type; other text is a string).',
    params: CollectionParams,
    querystring: ListQuerySchema,
    responses: { 200: DocumentPage, 400: 'A bad name, limit, cursor or filter' },
  });
  routes.get('/automa/db/:collection', { schema: list }, async (request, reply) => {
    const query = request.query;
    const page = await documents.listJson(checkCollection(request.params.collection), {
      order: query.order ?? 'desc',
      limit: query.limit ?? 50,
      ...(query.cursor !== undefined && { cursor: query.cursor }),
      where: whereFilters(query),
    });
    // Same text as JSON.stringify({ items, next_cursor }).
    return reply.type(JSON_TYPE).send(`{"items":[${page.items.join(',')}],"next_cursor":${JSON.stringify(page.nextCursor)}}`);
  });

  const getOne = docs('documents', 'One document', { params: DocumentParams, responses: { 200: DocumentSchema, 400: BAD_NAME, 404: NO_DOCUMENT } });
  routes.get('/automa/db/:collection/:id', { schema: getOne }, async (request, reply) => {
    const { collection, id } = checkDocumentParams(request.params);
    const record = await documents.getJson(collection, id);
    if (!record) throw notFound('Document', id);
    return reply.header('etag', etagOf(record.revision)).type(JSON_TYPE).send(record.json);
  });

  const replace = docs('documents', 'Replace a document', {
    params: DocumentParams,
    described: WRITE_BODY,
    responses: { 200: DocumentSchema, 400: `${BAD_NAME}, or the body is not a JSON object`, 404: NO_DOCUMENT, 412: 'If-Match does not match the current ETag' },
  });
  routes.put('/automa/db/:collection/:id', { schema: replace }, async (request, reply) => {
    const { collection, id } = checkDocumentParams(request.params);
    const body = checkObject(request.body);
    const record = await documents.replace(collection, id, body, await ifMatch(request, documents, collection, id));
    if (!record) throw notFound('Document', id);
    return sendRecord(reply, record);
  });

  const patch = docs('documents', 'Change a document with a JSON Merge Patch (RFC 7396)', {
    params: DocumentParams,
    described: WRITE_BODY,
    responses: { 200: DocumentSchema, 400: `${BAD_NAME}, or the body is not a JSON object`, 404: NO_DOCUMENT, 412: 'If-Match does not match the current ETag' },
  });
  routes.patch('/automa/db/:collection/:id', { schema: patch }, async (request, reply) => {
    const { collection, id } = checkDocumentParams(request.params);
    const patch = checkObject(request.body);
    const record = await documents.patch(collection, id, patch, await ifMatch(request, documents, collection, id));
    if (!record) throw notFound('Document', id);
    return sendRecord(reply, record);
  });

  const remove = docs('documents', 'Delete a document', { params: DocumentParams, responses: { 204: 'Deleted', 400: BAD_NAME, 404: NO_DOCUMENT } });
  routes.delete('/automa/db/:collection/:id', { schema: remove }, async (request, reply) => {
    const { collection, id } = checkDocumentParams(request.params);
    if (!(await documents.remove(collection, id))) throw notFound('Document', id);
    return reply.code(204).send();
  });
}

function sendRecord(reply: FastifyReply, record: DocumentRecord): FastifyReply {
  return reply.header('etag', etagOf(record.revision)).send(record.document);
}

function checkCollection(name: string): string {
  if (!COLLECTION_RE.test(name)) throw invalidCollectionName(name);
  return name;
}

function checkDocumentParams(params: { collection: string; id: string }): { collection: string; id: string } {
  const collection = checkCollection(params.collection);
  if (!UUID_RE.test(params.id)) throw invalidId(params.id);
  return { collection, id: params.id.toLowerCase() };
}

function checkObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('Body must be a JSON object', `got ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`);
  }
  if (nestsDeeperThan(body, MAX_DEPTH)) {
    throw badRequest('Body nests too deeply', `at most ${MAX_DEPTH} levels of objects and arrays`);
  }
  return body as Record<string, unknown>;
}

/**
 * If-Match → the revision the write must find. `*` only requires that the document exists;
 * a list of tags matches any of them. A tag that names no revision can never match: 412.
 */
async function ifMatch(
  request: FastifyRequest,
  documents: DocumentStore,
  collection: string,
  id: string,
): Promise<{ expectedRevision?: number }> {
  const header = request.headers['if-match'];
  if (header === undefined || header.trim() === '*') return {};
  const current = await documents.get(collection, id);
  if (!current) return {}; // the write answers 404
  const tags = header.split(',').map((t) => t.trim().replace(/^W\//, ''));
  if (tags.includes(etagOf(current.revision))) return { expectedRevision: current.revision };
  throw preconditionFailed(header, etagOf(current.revision));
}

/** `where.<field>=<value>`: JSON scalars (true, 12, "quoted") keep their type; other text is a string. */
function whereFilters(query: Record<string, unknown>): Record<string, JsonScalar> {
  const where: Record<string, JsonScalar> = {};
  for (const [key, raw] of Object.entries(query)) {
    if (key === 'order' || key === 'limit' || key === 'cursor') continue;
    if (!key.startsWith('where.')) throw badRequest('Unknown query parameter', key);
    const field = key.slice('where.'.length);
    if (!FIELD_RE.test(field)) throw badRequest('Invalid filter field', `${field} must match ${FIELD_RE.source}`);
    if (typeof raw !== 'string') throw badRequest('Each filter field may be given once', field);
    where[field] = parseScalar(raw);
  }
  return where;
}

function parseScalar(text: string): JsonScalar {
  if (text === 'true') return true;
  if (text === 'false') return false;
  // JSON's number grammar: "0123" (a zip code, an id) is not a JSON number, so it stays a string.
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'string') return parsed;
    } catch {
      // not a JSON string literal: use the text as given
    }
  }
  return text;
}
