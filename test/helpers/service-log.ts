/**
 * What the in-process test apps logged last (info and up), kept in memory instead of printed:
 * tests stay quiet, and a wait that times out can say what the service was doing.
 */
const recentLines: string[] = [];
const RECENT_LINES = 300;

/** A pino destination that keeps the last lines. */
export const serviceLog = {
  write(line: string): void {
    recentLines.push(line.trimEnd());
    if (recentLines.length > RECENT_LINES) recentLines.splice(0, recentLines.length - RECENT_LINES);
  },
};

/** The last `lines` lines the test apps of this process logged, oldest first. */
export function recentServiceLog(lines = 40): string {
  return recentLines.slice(-lines).join('\n');
}
