/**
 * Small checks on parsed JSON values and thrown values, shared by every part of the service
 * (a leaf module like errors.ts: it imports nothing of ours).
 */

/** A JSON object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A thrown value's message, for logs and error details. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Whether objects and arrays nest more than `max` levels deep below (and counting) `root`.
 * Iterative, so that the check itself cannot overflow the stack on a hostile body.
 */
export function nestsDeeperThan(root: unknown, max: number): boolean {
  const pending: [value: unknown, depth: number][] = [[root, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, depth] = next;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > max) return true;
    for (const child of Object.values(value)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * Whether an object below `root` has an own "__proto__" key, or a "constructor" key holding an
 * object with "prototype": what Fastify's JSON parser refuses, for values parsed another way.
 */
export function hasPrototypeKey(root: unknown): boolean {
  const pending: unknown[] = [root];
  for (let value = pending.pop(); value !== undefined || pending.length > 0; value = pending.pop()) {
    if (typeof value !== 'object' || value === null) continue;
    if (Object.hasOwn(value, '__proto__')) return true;
    const ctor: unknown = Object.hasOwn(value, 'constructor') ? (value as { constructor: unknown }).constructor : undefined;
    if (typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype')) return true;
    for (const child of Object.values(value)) pending.push(child);
  }
  return false;
}
