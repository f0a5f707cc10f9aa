import type { preValidationAsyncHookHandler } from 'fastify';
import { invalidField } from '../errors.js';

type JsonType = 'null' | 'boolean' | 'string' | 'number' | 'integer' | 'array' | 'object';

/** The JSON types a property schema allows at its top level (`type`, or each `anyOf` branch's); undefined when it does not say. */
function typesOf(schema: unknown): Set<JsonType> | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const { type, anyOf } = schema as { type?: JsonType | JsonType[]; anyOf?: unknown[] };
  if (typeof type === 'string') return new Set([type]);
  if (Array.isArray(type)) return new Set(type);
  if (!Array.isArray(anyOf)) return undefined;
  const all = new Set<JsonType>();
  for (const branch of anyOf) {
    const types = typesOf(branch);
    if (types === undefined) return undefined;
    for (const t of types) all.add(t);
  }
  return all;
}

function fits(value: unknown, types: ReadonlySet<JsonType>): boolean {
  if (value === null) return types.has('null');
  if (Array.isArray(value)) return types.has('array');
  if (typeof value === 'number') return types.has('number') || (types.has('integer') && Number.isInteger(value));
  return types.has(typeof value as JsonType);
}

/**
 * Fastify's validator drops body fields its schema does not name (removeAdditional); for bodies
 * where an unknown field means the client expects something we do not do (a `secret` of its own,
 * a misspelt `cron`), this refuses them instead, before validation strips them. It also refuses a
 * known field of the wrong JSON type, which the validator would otherwise coerce (coerceTypes
 * 'array': `"events": "x"` stored as `["x"]`, `"enabled": "false"` as false).
 */
export function refuseUnknownFields(schema: { readonly properties: Readonly<Record<string, unknown>> }): preValidationAsyncHookHandler {
  const known = new Set(Object.keys(schema.properties));
  const expected = new Map(Object.entries(schema.properties).flatMap(([key, property]) => {
    const types = typesOf(property);
    return types === undefined ? [] : [[key, types] as const];
  }));
  return async (request) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
    const unknown = Object.keys(body).find((key) => !known.has(key));
    if (unknown !== undefined) throw invalidField(unknown.slice(0, 100), `is not a field of this request (known: ${[...known].join(', ')})`);
    for (const [key, value] of Object.entries(body)) {
      const types = expected.get(key);
      if (types !== undefined && !fits(value, types)) throw invalidField(key, `must be ${[...types].join(' or ')}`);
    }
  };
}
