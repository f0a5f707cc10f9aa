import type { FastifyRequest } from 'fastify';
import { forbiddenJsonKey, invalidJson } from '../errors.js';
import { hasPrototypeKey } from '../values.js';

const MAY_REACH_PROTOTYPE = /__proto__|constructor/;

/**
 * The JSON body parser of every route (Fastify's, with two differences): a malformed body's 400
 * says where the text is wrong (JSON.parse's message), and a "__proto__" key, or a "constructor"
 * key holding "prototype", is refused as such rather than reported as invalid JSON. Such keys are
 * refused because merge patches and object copies would turn them into an object's prototype.
 */
export function parseJsonBody(_request: FastifyRequest, body: string | Buffer, done: (err: Error | null, value?: unknown) => void): void {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.length === 0) return done(invalidJson('body is empty'));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return done(invalidJson((err as Error).message));
  }
  if (MAY_REACH_PROTOTYPE.test(text) && hasPrototypeKey(value)) return done(forbiddenJsonKey());
  done(null, value);
}
