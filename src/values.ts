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
