/**
 * "Same JSON shape": the same field names, recursively, and the same kinds of values; values
 * themselves (ids, timestamps, file names) may differ. Objects keyed by ids (prompt ids, node
 * ids) and arrays are compared element by element against the recorded elements: each element
 * the fake sent must have the shape of some recorded element, and emptiness must agree.
 */

const ID_KEY = /^(\d+(:\d+)*|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/;

type Kind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

function kindOf(value: unknown): Kind {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'bigint') return 'number';
  const t = typeof value;
  return t === 'boolean' || t === 'number' || t === 'string' ? t : 'object';
}

/** Keyed by ids: most keys look like node or prompt ids (clients may pick their own prompt ids). */
const isIdMap = (value: Record<string, unknown>): boolean => {
  const keys = Object.keys(value);
  return keys.length > 0 && keys.filter((k) => ID_KEY.test(k)).length * 2 >= keys.length;
};

export interface ShapeOptions {
  /** Field names a newer ComfyUI adds; the fake may send them although the recording lacks them. */
  readonly allowedExtraFields?: ReadonlySet<string>;
}

/** Differences between the recorded value and the fake's, as "path: what" lines (empty = same shape). */
export function shapeDiff(recorded: unknown, actual: unknown, options: ShapeOptions = {}, at = '$'): string[] {
  const want = kindOf(recorded);
  const got = kindOf(actual);
  if (want !== got) return [`${at}: expected ${want}, got ${got}`];
  if (want === 'array') return elementsDiff(recorded as unknown[], actual as unknown[], options, at);
  if (want !== 'object') return [];
  const rec = recorded as Record<string, unknown>;
  const act = actual as Record<string, unknown>;
  if (isIdMap(rec) || isIdMap(act)) {
    if (Object.keys(rec).length > 0 && !isIdMap(rec)) return [`${at}: expected fields ${Object.keys(rec).join(',')}, got an id map`];
    return elementsDiff(Object.values(rec), Object.values(act), options, `${at}{id}`);
  }
  const diffs: string[] = [];
  for (const key of Object.keys(rec)) {
    if (!Object.hasOwn(act, key)) diffs.push(`${at}.${key}: missing`);
    else diffs.push(...shapeDiff(rec[key], act[key], options, `${at}.${key}`));
  }
  for (const key of Object.keys(act)) {
    if (!Object.hasOwn(rec, key) && !options.allowedExtraFields?.has(key)) diffs.push(`${at}.${key}: not in the recording`);
  }
  return diffs;
}

function elementsDiff(recorded: readonly unknown[], actual: readonly unknown[], options: ShapeOptions, at: string): string[] {
  if (recorded.length === 0 && actual.length === 0) return [];
  if (recorded.length === 0) return [`${at}: expected empty, got ${actual.length} element(s)`];
  if (actual.length === 0) return [`${at}: expected ${recorded.length} element(s), got none`];
  const diffs: string[] = [];
  actual.forEach((element, i) => {
    let best: string[] | undefined;
    for (const candidate of recorded) {
      const d = shapeDiff(candidate, element, options, `${at}[${i}]`);
      if (best === undefined || d.length < best.length) best = d;
      if (d.length === 0) break;
    }
    diffs.push(...(best ?? []));
  });
  return diffs;
}
