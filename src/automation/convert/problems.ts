import type { ConvertProblem, ProblemCode } from './types.js';

/** More problems than this are not worth reading; the list says how many were left out. */
const MAX_PROBLEMS = 100;

/** Collects what is wrong with a workflow, so one answer lists every problem instead of the first. */
export class Problems {
  readonly list: ConvertProblem[] = [];
  private dropped = 0;

  add(code: ProblemCode, message: string, where: { node?: string; link?: string; class_type?: string } = {}): void {
    if (this.list.length >= MAX_PROBLEMS) {
      this.dropped++;
      return;
    }
    this.list.push({ code, message, ...where });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** The list, ending with a note when some were left out. */
  result(): readonly ConvertProblem[] {
    if (this.dropped === 0) return this.list;
    return [...this.list, { code: 'TOO_LARGE', message: `${this.dropped} more problems not listed` }];
  }
}

/** Thrown to stop a conversion that cannot go on (e.g. a limit hit); carries the problems so far. */
export class ConversionStopped extends Error {
  constructor(readonly problems: Problems) {
    super('conversion stopped');
  }
}

/**
 * Set an own enumerable property whatever the key: plain assignment of `__proto__` would change
 * the object's prototype instead, and node ids and input names come from untrusted files.
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  // Only `__proto__` assigns differently; defineProperty is several times slower than assignment.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A short, printable rendering of an untrusted value for messages. */
export function describe(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'bigint' ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
