/**
 * JSON as ComfyUI (Python) reads and writes it.
 *
 * Python ints are unbounded: object_info carries seeds up to 2^64-1 and clients send such seeds
 * back. JSON.parse would round them, so integers beyond Number.MAX_SAFE_INTEGER become bigint.
 * Python's json.dumps writes `", "` / `": "` separators, escapes every non-ASCII character, and
 * writes floats with a ".0"; {@link PyFloat} marks the few numbers ComfyUI sends as floats.
 */

export type JsonValue = null | boolean | number | bigint | string | PyFloat | JsonValue[] | { [key: string]: JsonValue };

/** A number that Python holds as a float, so json.dumps writes `1.0` rather than `1`. */
export class PyFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

const INTEGER_SOURCE = /^-?\d+$/;

export interface ParseOptions {
  /**
   * Return numbers written with a "." or an exponent as {@link PyFloat}, as Python's json.loads
   * makes them floats: ComfyUI prints them back with ".0" (e.g. "max of 10.0" in a 400 body).
   */
  readonly keepFloats?: boolean;
}

/**
 * Parse JSON text; integers outside the safe range come back as bigint. Throws SyntaxError.
 * The reviver reads each number's own source text (ES2025 JSON.parse source access), so nothing in
 * the data, not even a string that looks like a marker or a number, is ever reinterpreted.
 */
export function parseJson(text: string, options: ParseOptions = {}): JsonValue {
  const keepFloats = options.keepFloats === true;
  return JSON.parse(text, (_key: string, value: unknown, context?: JSONReviverContext) => {
    if (typeof value !== 'number' || context?.source === undefined) return value;
    if (!Number.isSafeInteger(value) && INTEGER_SOURCE.test(context.source)) return BigInt(context.source);
    if (keepFloats && !INTEGER_SOURCE.test(context.source)) return new PyFloat(value);
    return value;
  }) as JsonValue;
}

/** Python's json.dumps(value) with default arguments. */
export function stringifyPython(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      return pyNumber(value);
    case 'string':
      return pyJsonString(value);
    case 'object':
      if (Array.isArray(value)) return `[${value.map(stringifyPython).join(', ')}]`;
      return `{${Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${pyJsonString(k)}: ${stringifyPython(v)}`)
        .join(', ')}}`;
    default:
      return 'null';
  }
}

/** A JS number as Python would print it: integral values as ints (JSON cannot tell 1.0 from 1). */
function pyNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(n)) return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
  return pyFloatRepr(n);
}

/** repr(float): shortest round-trip digits, exponent form below 1e-4 or from 1e16 on. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const [mantissa = '0', expText = '0'] = n.toExponential().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= 16) {
    const frac = digits.slice(1);
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${digits[0]}${frac ? `.${frac}` : ''}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${whole}.${frac || '0'}`;
}

/** A JSON string literal with ensure_ascii=True: everything outside printable ASCII is \uXXXX. */
function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `${out}"`;
}

/** A deep copy of parsed JSON that keeps PyFloat values (structuredClone would not). */
export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object' || value instanceof PyFloat) return value;
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneJson(v)])) as T;
}
