import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { appOpenApi, appSummary, appView, type Automation, type InputBinding } from '../../automation/index.js';
import { badRequest, bodyTooLarge, invalidFields, invalidId } from '../../errors.js';
import { docs, json } from '../../route-docs.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IdParams = Type.Object({ id: Type.String() });
const PageQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), cursor: Type.Optional(Type.String({ maxLength: 200 })) });

/** The body of an import or a workflow replace (JSON, or multipart fields beside the `file` part). */
const ImportBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    workflow: { type: 'object' },
    inputs: {
      type: 'array',
      maxItems: 200,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'node', 'input'],
        properties: {
          name: { type: 'string' },
          node: { type: ['string', 'integer'] },
          input: { type: 'string', minLength: 1 },
          type: { enum: ['int', 'float', 'string', 'boolean', 'enum', 'image', 'seed'] },
          label: { type: 'string', maxLength: 200 },
          description: { type: 'string', maxLength: 2000 },
          default: { type: ['string', 'number', 'boolean'] },
          min: { type: 'number' },
          max: { type: 'number' },
          step: { type: 'number', exclusiveMinimum: 0 },
          multiline: { type: 'boolean' },
        },
      },
    },
    outputs: { type: 'array', maxItems: 100, items: { type: ['string', 'integer'] } },
  },
} as const;

/** ImportBody as OpenAPI 3.0 writes it (a boolean exclusiveMinimum); the route checks the body itself. */
const IMPORT_BODY_DOC = JSON.parse(
  JSON.stringify(ImportBody).replace('"exclusiveMinimum":0', '"minimum":0,"exclusiveMinimum":true'),
) as Record<string, unknown>;

/** An app, a run or a sweep as the API shows it (its fields are described in the README). */
const Open = (description: string) => json(Type.Object({}, { additionalProperties: true }), description);
const Page = (description: string) =>
  json(Type.Object({ items: Type.Array(Type.Object({}, { additionalProperties: true })), next_cursor: Type.Union([Type.String(), Type.Null()]) }), description);
const NOT_FOUND = 'No app with this id';
const BAD_ID = 'The id is not a UUID';
const importDocs = (summary: string, status: 200 | 201) =>
  docs('apps', summary, {
    described: {
      body: { content: { 'application/json': { schema: Type.Unsafe(IMPORT_BODY_DOC) }, 'multipart/form-data': { schema: Type.Object({ file: Type.String({ format: 'binary' }) }) } } },
      consumes: ['application/json', 'multipart/form-data'],
    },
    responses: {
      [status]: Open('The app: id, name, inputs, outputs, schema (JSON Schema 2020-12 of a run body), example'),
      400: 'The workflow or the inputs are not valid (each problem listed), or a node class no backend has',
      ...(status === 200 && { 404: NOT_FOUND }),
      413: 'The file is too large',
      503: 'No backend has reported its node definitions yet',
    },
  });

export const checkUuid = (id: string): string => {
  if (!UUID_RE.test(id)) throw invalidId(id);
  return id.toLowerCase();
};

/** /automa/apps: import a workflow as an app, read its schema and OpenAPI document, rename, replace, delete. */
export function registerAutomaAppRoutes(app: FastifyInstance, deps: { automation: Automation; version: string; maxFileBytes: number }): void {
  const { apps } = deps.automation;
  void app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: deps.maxFileBytes, fieldSize: deps.maxFileBytes, files: 1, fields: 10, parts: 20 } });
    const routes = scope.withTypeProvider<TypeBoxTypeProvider>();

    routes.post('/automa/apps', { schema: importDocs('Import a workflow (API, UI, App Mode or PNG) as an app', 201) }, async (request, reply) => {
      const form = await importForm(request, deps.maxFileBytes, deps.automation);
      if (form.name === undefined) throw invalidFields('The app is not valid', [{ field: 'name', reason: 'is required' }]);
      const created = await apps.importApp({ ...form, name: form.name });
      return reply.code(201).header('location', `/automa/apps/${created.id}`).send(appView(created));
    });

    routes.get('/automa/apps', { schema: docs('apps', 'List the apps', { querystring: PageQuery, responses: { 200: Page('A page of apps, newest first'), 400: 'Bad paging' } }) }, async (request) => {
      const page = await apps.list(request.query.limit ?? 50, request.query.cursor);
      return { items: page.items.map(appSummary), next_cursor: page.nextCursor };
    });

    const oneApp = docs('apps', 'One app, with the JSON Schema of its run body and an example', {
      params: IdParams,
      responses: { 200: Open('The app'), 400: BAD_ID, 404: NOT_FOUND },
    });
    routes.get('/automa/apps/:id', { schema: oneApp }, async (request) => appView(await apps.load(checkUuid(request.params.id))));

    const appDocument = docs('apps', "The app as one OpenAPI operation, for client generators", {
      params: IdParams,
      responses: { 200: Open('An OpenAPI 3.1 document'), 400: BAD_ID, 404: NOT_FOUND },
    });
    routes.get('/automa/apps/:id/openapi.json', { schema: appDocument }, async (request) =>
      appOpenApi(await apps.load(checkUuid(request.params.id)), deps.version),
    );

    const rename = docs('apps', 'Rename an app', {
      params: IdParams,
      described: { body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }) },
      responses: { 200: Open('The app'), 400: 'The name is missing or too long', 404: NOT_FOUND },
    });
    routes.patch('/automa/apps/:id', { schema: rename }, async (request) => {
      const body = request.body as { name?: unknown } | undefined;
      if (typeof body?.name !== 'string' || body.name.trim() === '' || body.name.length > 200) {
        throw invalidFields('The app is not valid', [{ field: 'name', reason: 'must be a non-empty string of at most 200 characters' }]);
      }
      return appView(await apps.rename(checkUuid(request.params.id), body.name));
    });

    routes.put('/automa/apps/:id/workflow', { schema: { params: IdParams, ...importDocs("Replace an app's workflow (inputs re-bound or reported broken)", 200) } }, async (request) => {
      const id = checkUuid(request.params.id);
      const { name: _name, ...form } = await importForm(request, deps.maxFileBytes, deps.automation);
      return appView(await apps.replaceWorkflow(id, form));
    });

    const remove = docs('apps', 'Delete an app (its runs stay in history)', { params: IdParams, responses: { 204: 'Deleted', 400: BAD_ID, 404: NOT_FOUND } });
    routes.delete('/automa/apps/:id', { schema: remove }, async (request, reply) => {
      await apps.remove(checkUuid(request.params.id));
      return reply.code(204).send();
    });
  });
}

interface ImportForm {
  name?: string;
  source: { json: unknown } | { png: Buffer };
  inputs?: InputBinding[];
  outputs?: string[];
}

/** A JSON body `{name, workflow, inputs?, outputs?}`, or a form with a `file` part (.json or .png) and those as fields. */
async function importForm(request: FastifyRequest, maxFileBytes: number, automation: Automation): Promise<ImportForm> {
  let body: Record<string, unknown>;
  let file: Buffer | undefined;
  if (request.isMultipart()) {
    body = {};
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer().catch(() => undefined);
        if (bytes === undefined || part.file.truncated) throw bodyTooLarge(maxFileBytes);
        if (part.fieldname === 'file') file = bytes;
      } else if (typeof part.value === 'string') {
        body[part.fieldname] = part.fieldname === 'name' ? part.value : parseField(part.fieldname, part.value);
      }
    }
    if (file === undefined) throw invalidFields('The app is not valid', [{ field: 'file', reason: 'send the workflow (.json) or a ComfyUI picture (.png) in the multipart field "file"' }]);
  } else {
    const given = request.body;
    if (typeof given !== 'object' || given === null || Array.isArray(given)) throw badRequest('Body must be a JSON object');
    body = given as Record<string, unknown>;
    if (!('workflow' in body)) throw invalidFields('The app is not valid', [{ field: 'workflow', reason: 'is required' }]);
  }
  automation.checker.check(ImportBody, body, 'The app is not valid');
  const source = file === undefined ? { json: body.workflow } : file.subarray(0, 8).equals(PNG_SIGNATURE) ? { png: file } : { json: parseField('file', file.toString('utf8')) };
  const inputs = body.inputs as (InputBinding & { node: string | number })[] | undefined;
  const outputs = body.outputs as (string | number)[] | undefined;
  return {
    ...(typeof body.name === 'string' && { name: body.name }),
    source,
    ...(inputs !== undefined && { inputs: inputs.map((b) => ({ ...b, node: String(b.node) })) }),
    ...(outputs !== undefined && { outputs: outputs.map(String) }),
  };
}

function parseField(field: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw invalidFields('The app is not valid', [{ field, reason: `is not valid JSON (${(error as Error).message})` }]);
  }
}
