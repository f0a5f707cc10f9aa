import { randomUUID } from 'node:crypto';

/**
 * NOTIFY payloads are capped (PostgreSQL refuses 8000 bytes and more), but a gateway's messages
 * are not: an `execution_error` with its traceback, an `executed` naming many files, a preview
 * image. A long payload goes as numbered parts, sent in one statement (one transaction, so they
 * arrive together and in order), and is put back together on the other side.
 */

/** Room for a part's header under PostgreSQL's limit. */
export const MAX_PART_BYTES = 7_800;
/** Parts start with this; whole messages are JSON and start with `{`. */
const PREFIX = '~part:';
/** A message whose parts did not all come (a dropped connection) is forgotten after this. */
const INCOMPLETE_TTL_MS = 30_000;

/** `payload` as it goes out: itself when it fits, else parts `~part:<id>:<n>:<of>:<bytes>`. */
export function splitPayload(payload: string): string[] {
  const bytes = Buffer.from(payload, 'utf8');
  if (bytes.length <= MAX_PART_BYTES) return [payload];
  const pieces: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(bytes.length, start + MAX_PART_BYTES);
    // Never cut inside a UTF-8 sequence: each part must be valid text for the server.
    while (end < bytes.length && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
    pieces.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
  }
  const id = randomUUID();
  return pieces.map((piece, n) => `${PREFIX}${id}:${n}:${pieces.length}:${piece}`);
}

/** Reassembles parts; hands whole payloads (as received, or joined) to `deliver`. */
export function createPayloadJoiner(deliver: (payload: string) => void): (received: string) => void {
  const partial = new Map<string, { parts: (string | undefined)[]; count: number; since: number }>();
  return (received) => {
    if (!received.startsWith(PREFIX)) {
      deliver(received);
      return;
    }
    const header = /^~part:([0-9a-f-]{36}):(\d+):(\d+):/.exec(received);
    if (header === null) return;
    const [prefix, id = '', nText = '', ofText = ''] = header;
    const n = Number(nText);
    const of = Number(ofText);
    if (!(n < of)) return;
    const now = Date.now();
    for (const [key, entry] of partial) if (now - entry.since > INCOMPLETE_TTL_MS) partial.delete(key);
    let entry = partial.get(id);
    if (entry === undefined) {
      entry = { parts: new Array<string | undefined>(of), count: 0, since: now };
      partial.set(id, entry);
    }
    if (entry.parts[n] === undefined) {
      entry.parts[n] = received.slice(prefix.length);
      entry.count += 1;
    }
    if (entry.count === of) {
      partial.delete(id);
      deliver(entry.parts.join(''));
    }
  };
}
