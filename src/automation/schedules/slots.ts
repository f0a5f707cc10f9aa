import { Cron } from 'croner';

/** When a schedule fires: the slots of a cron pattern in a time zone, or one instant. */
export interface Slots {
  /** The first slot strictly after `time`, or null when there is none (a one-shot that has passed). */
  after(time: number): number | null;
  /** The next `count` slots after `time`. */
  upcoming(time: number, count: number): number[];
}

/** Throws croner's own message for a pattern it refuses. */
export function cronSlots(pattern: string, timezone: string): Slots {
  const cron = new Cron(pattern, { timezone, paused: true });
  return {
    after: (time) => cron.nextRun(new Date(time))?.getTime() ?? null,
    upcoming: (time, count) => cron.nextRuns(count, new Date(time)).map((d) => d.getTime()),
  };
}

export function oneShot(at: number): Slots {
  return {
    after: (time) => (at > time ? at : null),
    upcoming: (time) => (at > time ? [at] : []),
  };
}

/** True when the runtime knows the IANA zone (croner would only fail later, at the first run). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
