/**
 * The few Python semantics ComfyUI's validation messages depend on: str()/repr() of JSON values
 * and the int()/float() conversions with their exact error texts. ComfyUI builds its 400 bodies
 * with f-strings over Python objects, so matching its bodies means formatting like Python.
 */
import { PyFloat, pyFloatRepr } from './python-json.js';

/** An exception as Python would raise it: `type` is the class name, `message` is str(exception). */
export class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
    this.name = 'PyError';
  }
}

/** Python's type name of a JSON value, as shown in TypeError messages. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (value instanceof PyFloat) return 'float';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'string':
      return 'str';
    default:
      return Array.isArray(value) ? 'list' : 'dict';
  }
}

/** str(value) */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** repr(value) for values parsed from JSON. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  switch (typeof value) {
    case 'boolean':
      return value ? 'True' : 'False';
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
    case 'string':
      return pyStringRepr(value);
    default:
      if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
      return `{${Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `${pyStringRepr(k)}: ${pyRepr(v)}`)
        .join(', ')}}`;
  }
}

function pyStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python equality between JSON values (1 == 1.0 == True), used by `val in combo_options`. */
export function pyEquals(a: unknown, b: unknown): boolean {
  const na = pyNumeric(a);
  const nb = pyNumeric(b);
  // Loose equality on purpose: it is the one JS operator that compares a number with a bigint.
  if (na !== undefined && nb !== undefined) return na == nb;
  if (typeof a !== typeof b || a === null || b === null) return a === b;
  if (typeof a !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => pyEquals(v, b[i]));
  }
  const ea = Object.entries(a as Record<string, unknown>);
  const ob = b as Record<string, unknown>;
  return ea.length === Object.keys(ob).length && ea.every(([k, v]) => k in ob && pyEquals(v, ob[k]));
}

function pyNumeric(value: unknown): number | bigint | undefined {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number' || typeof value === 'bigint') return value;
  if (value instanceof PyFloat) return value.value;
  return undefined;
}

/** Python int(value); throws PyError with Python's message. */
export function pyInt(value: unknown): number | bigint {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' || value instanceof PyFloat) {
    const n = typeof value === 'number' ? value : value.value;
    if (Number.isNaN(n)) throw new PyError('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(n)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
    const t = Math.trunc(n);
    return Number.isSafeInteger(t) ? t : BigInt(t);
  }
  if (typeof value === 'string') {
    const s = value.trim();
    if (/^[+-]?\d+(_\d+)*$/.test(s)) {
      const big = BigInt(s.replace(/_/g, ''));
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
    }
    throw new PyError('ValueError', `invalid literal for int() with base 10: ${pyRepr(value)}`);
  }
  throw new PyError(
    'TypeError',
    `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(value)}'`,
  );
}

/** Python float(value); throws PyError with Python's message. */
export function pyFloat(value: unknown): PyFloat {
  if (typeof value === 'boolean') return new PyFloat(value ? 1 : 0);
  if (typeof value === 'number' || typeof value === 'bigint') return new PyFloat(Number(value));
  if (value instanceof PyFloat) return value;
  if (typeof value === 'string') {
    const s = value.trim().toLowerCase();
    if (/^[+-]?(inf|infinity)$/.test(s)) return new PyFloat(s.startsWith('-') ? -Infinity : Infinity);
    if (/^[+-]?nan$/.test(s)) return new PyFloat(NaN);
    if (/^[+-]?((\d+(_\d+)*)(\.(\d+(_\d+)*)?)?|\.\d+(_\d+)*)(e[+-]?\d+(_\d+)*)?$/.test(s)) {
      return new PyFloat(Number(s.replace(/_/g, '')));
    }
    throw new PyError('ValueError', `could not convert string to float: ${pyRepr(value)}`);
  }
  throw new PyError('TypeError', `float() argument must be a string or a real number, not '${pyTypeName(value)}'`);
}

/** Python truthiness, as bool(value). */
export function pyBool(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (value instanceof PyFloat) return value.value !== 0;
  if (typeof value === 'object') return Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0;
  return Boolean(value);
}

/** Python `a < b` for the numbers and strings validation compares; other mixes raise TypeError. */
export function pyLessThan(a: unknown, b: unknown): boolean {
  const na = pyNumeric(a);
  const nb = pyNumeric(b);
  if (na !== undefined && nb !== undefined) return na < nb;
  if (typeof a === 'string' && typeof b === 'string') return a < b;
  throw new PyError(
    'TypeError',
    `'<' not supported between instances of '${pyTypeName(a)}' and '${pyTypeName(b)}'`,
  );
}
