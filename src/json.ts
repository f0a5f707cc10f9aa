/**
 * JSON text ⇄ values, with integers beyond 2^53 kept exact (as bigint).
 *
 * ComfyUI is Python: its ints are unbounded, seeds go up to 2^64-1, and scripts send such seeds.
 * JSON.parse would round them, so the backend would run, and history would record, a different
 * seed than the client asked for. Plain JSON.parse / JSON.stringify stay the fast path: the exact
 * parser runs only when the text has a 16-digit run, the exact writer only when a bigint is met.
 * Both exact paths use the runtime's own number source text (JSON.parse's reviver context and
 * JSON.rawJSON), never a marker inside the data: any string a client sends comes back unchanged.
 */
import { parseJson } from './upstream/protocol/python-json.js';

const LONG_DIGIT_RUN = /\d{16}/;

/** False when the text cannot hold an integer beyond 2^53 (it has no run of 16 digits). */
export function mayHoldUnsafeIntegers(text: string): boolean {
  return LONG_DIGIT_RUN.test(text);
}

/** JSON.parse, except that integers outside the safe range come back as exact bigints. Throws SyntaxError. */
export function parseExactJson(text: string): unknown {
  return mayHoldUnsafeIntegers(text) ? parseJson(text) : JSON.parse(text);
}

/** JSON.stringify for JSON-shaped values, writing bigints as the integers they are. */
export function stringifyExactJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    // "Do not know how to serialize a BigInt"; anything else (a cycle) fails again below.
    if (!(error instanceof TypeError)) throw error;
  }
  return JSON.stringify(value, writeBigInt);
}

function writeBigInt(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? JSON.rawJSON(value.toString()) : value;
}
