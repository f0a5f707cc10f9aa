import type { IdempotencyClaim, IdempotencyKeyStore } from '../../store/index.js';

export type ClaimOutcome =
  | { readonly kind: 'claimed' }
  /** The key was used before with the same request: answer what it created (if it did). */
  | { readonly kind: 'replay'; readonly resultId: string }
  /** The key was used before with another request. */
  | { readonly kind: 'reused' };

/**
 * Claim an Idempotency-Key for a request. The claim is durable (SQLite) so a retry after a
 * restart still finds the first request's result; keys older than `maxAgeMs` are forgotten.
 */
export async function claimKey(keys: IdempotencyKeyStore, scope: string, key: string, claim: IdempotencyClaim, maxAgeMs: number): Promise<ClaimOutcome> {
  const result = await keys.claim(scope, key, claim, maxAgeMs);
  if (result.claimed) return { kind: 'claimed' };
  return result.existing.fingerprint === claim.fingerprint ? { kind: 'replay', resultId: result.existing.resultId } : { kind: 'reused' };
}

/** Idempotency-Key as sent: one header value, 1–255 printable characters; undefined when absent. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined | { problem: string } {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !/^[\x21-\x7e]{1,255}$/.test(value)) return { problem: 'must be 1 to 255 printable ASCII characters without spaces' };
  return value;
}
