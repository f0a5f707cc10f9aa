/**
 * Responses checked against the Comfy API v2 contract (../shared/comfy-api-v2/openapi.yaml) with
 * Ajv: the status must be one the operation documents, and a JSON body must match its schema.
 * OpenAPI 3.0's `nullable` is turned into JSON Schema's `null` type; nothing else is changed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

const SHARED = process.env['AUTOMA_SHARED_DIR'] ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared');
const spec = parse(fs.readFileSync(path.join(SHARED, 'comfy-api-v2/openapi.yaml'), 'utf8')) as OpenApi;

interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, ResponseSpec> }>>;
  components: { responses: Record<string, ResponseSpec>; schemas: Record<string, unknown> };
}
interface ResponseSpec {
  $ref?: string;
  content?: Record<string, { schema?: unknown }>;
}

/** `nullable: true` → `anyOf [schema, null]`, recursively. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) if (key !== 'nullable' && key !== 'example') out[key] = toJsonSchema(value);
  return (node as { nullable?: unknown }).nullable === true ? { anyOf: [out, { type: 'null' }] } : out;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
for (const format of ['int64', 'double', 'binary']) ajv.addFormat(format, true);
ajv.addSchema({ $id: 'openapi', components: toJsonSchema(spec.components) });

const compiled = new Map<string, ValidateFunction>();
function validatorFor(ref: string): ValidateFunction {
  let validate = compiled.get(ref);
  if (validate === undefined) {
    validate = ajv.compile({ $ref: `openapi${ref}` });
    compiled.set(ref, validate);
  }
  return validate;
}

/** The schema `$ref` (or inline schema) of an operation's response for `status`, or undefined. */
function responseOf(route: string, method: string, status: number): ResponseSpec {
  const operation = spec.paths[route]?.[method.toLowerCase()];
  assert.ok(operation, `the contract has no ${method} ${route}`);
  let response = operation.responses[String(status)];
  assert.ok(response, `${method} ${route} does not document status ${status}`);
  if (response.$ref !== undefined) response = spec.components.responses[response.$ref.split('/').at(-1) ?? ''];
  assert.ok(response);
  return response;
}

/** Assert that `body` is what the contract says `method route` answers with `status`. */
export function assertContract(route: string, method: string, status: number, body: unknown): void {
  const response = responseOf(route, method, status);
  const json = response.content?.['application/json']?.schema as { $ref?: string } | undefined;
  if (json === undefined) return;
  let validate: ValidateFunction;
  if (json.$ref !== undefined) validate = validatorFor(json.$ref);
  else {
    const key = `${method} ${route} ${status}`;
    validate = compiled.get(key) ?? ajv.compile(toJsonSchema(json) as object);
    compiled.set(key, validate);
  }
  assert.ok(validate(body), `${method} ${route} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 2000)}`);
}

/** Assert an SSE frame's data matches the schema the contract's x-sse-events names for it. */
export function assertEventContract(event: string, data: unknown): void {
  const events = spec.paths['/api/v2/jobs/{id}/events']?.get as unknown as { 'x-sse-events': Record<string, { schema: string }> };
  const entry = events['x-sse-events'][event];
  assert.ok(entry, `the contract has no SSE event ${event}`);
  const validate = validatorFor(entry.schema);
  assert.ok(validate(data), `SSE ${event}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(data).slice(0, 2000)}`);
}

export interface V2Response<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/**
 * A fetch against the gateway whose answer is checked against the contract: `route` is the
 * contract's path template (`/api/v2/jobs/{id}`), `url` the concrete path.
 */
export async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  route: string,
  url: string,
  init: { json?: unknown; body?: FormData; headers?: Record<string, string> } = {},
): Promise<V2Response<T>> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | FormData | undefined = init.body;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  }
  const response = await fetch(base + url, { method, headers, body });
  const text = await response.text();
  const parsed = text === '' ? null : (JSON.parse(text) as unknown);
  assertContract(route, method, response.status, parsed);
  return { status: response.status, body: parsed as T, headers: response.headers };
}
