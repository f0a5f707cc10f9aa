/**
 * When a failed delivery is tried again: the n-th retry waits `schedule[n-1]`, give or take 20%
 * (jitter, so the retries of many deliveries that failed together spread out); after the last
 * one fails the delivery is dead. The default schedule (config) is Standard Webhooks' own:
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — eight attempts over about 27 hours.
 */
export function nextAttemptTime(schedule: readonly number[], attemptsMade: number, now: number, random: () => number = Math.random): number | null {
  const wait = schedule[attemptsMade - 1];
  if (wait === undefined) return null;
  const jitter = 1 + (random() * 2 - 1) * 0.2;
  return now + Math.round(wait * jitter);
}
