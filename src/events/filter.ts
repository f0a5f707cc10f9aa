import type { EventRecord } from '../store/index.js';

/**
 * Which events a stream or a webhook wants. Types are dotted names (`run.succeeded`); a pattern
 * is an exact name, a `prefix.*` pattern, or `*`. The other fields must equal the event's own.
 */
export interface EventFilter {
  /** null: every type. */
  readonly types: readonly string[] | null;
  readonly app?: string;
  readonly sweep?: string;
  /** A run, prompt or sweep id (`?run=`, `?prompt=`, the filtered routes). */
  readonly subject?: string;
}

/** A lower-case dotted name, or one followed by `.*`, or `*`. */
const PATTERN_RE = /^(\*|[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?)$/;

/** Why a type pattern is not one, or null when it is fine. */
export function patternProblem(pattern: string): string | null {
  if (pattern.length > 100) return 'is longer than 100 characters';
  if (!PATTERN_RE.test(pattern)) return 'must be a dotted event type (run.succeeded), a prefix pattern (run.*) or *';
  return null;
}

/** True when `type` matches `pattern` ('*', exact, or 'prefix.*' for any type under prefix). */
export function typeMatches(pattern: string, type: string): boolean {
  if (pattern === '*' || pattern === type) return true;
  return pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1));
}

export function eventMatches(filter: EventFilter, event: Pick<EventRecord, 'type' | 'app' | 'sweep' | 'subject'>): boolean {
  if (filter.app !== undefined && event.app !== filter.app) return false;
  if (filter.sweep !== undefined && event.sweep !== filter.sweep) return false;
  if (filter.subject !== undefined && event.subject !== filter.subject) return false;
  return filter.types === null || filter.types.some((pattern) => typeMatches(pattern, event.type));
}

/** The JSON body every consumer gets: `{id, type, timestamp, data}`, spliced from the stored data text. */
export function eventBody(event: EventRecord): string {
  return `{"id":${event.id},"type":${JSON.stringify(event.type)},"timestamp":"${new Date(event.time).toISOString()}","data":${event.dataJson}}`;
}
