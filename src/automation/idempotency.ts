import { createHash } from 'node:crypto';
import { badRequest, idempotencyKeyReused } from '../errors.js';
import { IDEMPOTENCY_TTL_MS, type AutomaStore, type IdempotentAnswer } from '../store/index.js';

const KEY = /^[\x21-\x7e]{1,255}$/;

export interface IdempotentRequest {
  readonly scope: string;
  readonly key: string;
  readonly bodyHash: string;
}

/** The request's Idempotency-Key (printable ASCII, at most 255 characters), or null without one. */
export function idempotentRequest(header: unknown, scope: string, body: unknown): IdempotentRequest | null {
  if (header === undefined) return null;
  if (typeof header !== 'string' || !KEY.test(header)) throw badRequest('Invalid Idempotency-Key header', 'use 1 to 255 printable ASCII characters, e.g. a UUID');
  return { scope, key: header, bodyHash: createHash('sha256').update(canonicalJson(body)).digest('hex') };
}

/** The first answer to this key, if it is still live; 422 when the key came with another body. */
export async function previousAnswer(store: AutomaStore, request: IdempotentRequest | null): Promise<IdempotentAnswer | undefined> {
  if (request === null) return undefined;
  const found = await store.findAnswer(request.scope, request.key, Date.now() - IDEMPOTENCY_TTL_MS);
  if (found !== undefined && found.bodyHash !== request.bodyHash) throw idempotencyKeyReused(request.key);
  return found;
}

export function answerFor(request: IdempotentRequest | null, status: number, response: Readonly<Record<string, unknown>>): IdempotentAnswer | undefined {
  return request === null ? undefined : { ...request, status, response, createTime: Date.now() };
}

/** JSON with object keys sorted, so the same body hashes the same whatever its key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
