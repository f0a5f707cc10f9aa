import type { preValidationAsyncHookHandler } from 'fastify';
import { invalidField } from '../errors.js';

/**
 * Fastify's validator drops body fields its schema does not name (removeAdditional); for bodies
 * where an unknown field means the client expects something we do not do (a `secret` of its own,
 * a misspelt `cron`), this refuses them instead, before validation strips them.
 */
export function refuseUnknownFields(schema: { readonly properties: Readonly<Record<string, unknown>> }): preValidationAsyncHookHandler {
  const known = new Set(Object.keys(schema.properties));
  return async (request) => {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
    const unknown = Object.keys(body).find((key) => !known.has(key));
    if (unknown !== undefined) throw invalidField(unknown.slice(0, 100), `is not a field of this request (known: ${[...known].join(', ')})`);
  };
}
