import type { FireStatus, MissedPolicy, NewSchedule, ScheduleFire, ScheduleRecord, ScheduleStore, ScheduleTarget } from '../schedule-types.js';
import type { PostgresDatabase } from './database.js';

interface ScheduleRow {
  id: string;
  name: string | null;
  target: string;
  cron: string | null;
  at: number | null;
  timezone: string;
  missed: string;
  paused: boolean;
  next_time: number | null;
  create_time: number;
  update_time: number;
}

interface FireRow {
  schedule_id: string;
  slot_time: number;
  fire_time: number;
  status: string;
  result_kind: string | null;
  result_id: string | null;
  error: string | null;
}

const SCHEDULE = 'id, name, target, cron, at, timezone, missed, paused, next_time, create_time, update_time';
const FIRE = 'schedule_id, slot_time, fire_time, status, result_kind, result_id, error';

/**
 * Schedules and their fired slots. Gateways sharing the database all tick: `claim` is one
 * conditional UPDATE, so of two moving a schedule on from the same slot, the second waits on the
 * row, finds next_time moved and claims nothing.
 */
export function createPostgresScheduleStore(db: PostgresDatabase): ScheduleStore {
  const get = async (id: string): Promise<ScheduleRecord | undefined> => {
    const row = await db.one<ScheduleRow>(`SELECT ${SCHEDULE} FROM automa_schedules WHERE id = $1`, [id]);
    return row === undefined ? undefined : toSchedule(row);
  };
  return {
    create: async (s: NewSchedule, now) => {
      await db.run(
        `INSERT INTO automa_schedules (id, name, target, cron, at, timezone, missed, paused, next_time, create_time, update_time)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [s.id, s.name, JSON.stringify(s.target), s.cron, s.at, s.timezone, s.missed, s.paused, s.nextTime, now, now],
      );
      return (await get(s.id)) as ScheduleRecord;
    },
    get,
    list: async () => (await db.query<ScheduleRow>(`SELECT ${SCHEDULE} FROM automa_schedules ORDER BY seq`)).map(toSchedule),
    remove: async (id) => (await db.run(`DELETE FROM automa_schedules WHERE id = $1`, [id])) > 0,
    setPaused: async (id, paused, nextTime, now) => {
      await db.run(`UPDATE automa_schedules SET paused = $1, next_time = $2, update_time = $3 WHERE id = $4`, [paused, nextTime, now, id]);
      return get(id);
    },
    due: async (now) =>
      (await db.query<ScheduleRow>(`SELECT ${SCHEDULE} FROM automa_schedules WHERE NOT paused AND next_time <= $1 ORDER BY next_time, seq`, [now])).map(toSchedule),
    nextTime: async () => (await db.one<{ t: number | null }>(`SELECT min(next_time) AS t FROM automa_schedules WHERE NOT paused`))?.t ?? null,
    claim: (id, expected, slot, nextTime, now) =>
      db.transaction(async () => {
        const moved = await db.run(`UPDATE automa_schedules SET next_time = $1, update_time = $2 WHERE id = $3 AND NOT paused AND next_time = $4`, [
          nextTime,
          now,
          id,
          expected,
        ]);
        if (moved === 0) return false;
        if (slot !== null) {
          await db.run(`INSERT INTO automa_schedule_fires (schedule_id, slot_time, fire_time, status) VALUES ($1, $2, $3, 'firing') ON CONFLICT DO NOTHING`, [
            id,
            slot,
            now,
          ]);
        }
        return true;
      }),
    finishFire: async (id, slot, outcome) => {
      if ('result' in outcome) {
        await db.run(`UPDATE automa_schedule_fires SET status = 'fired', result_kind = $1, result_id = $2 WHERE schedule_id = $3 AND slot_time = $4`, [
          outcome.result.kind,
          outcome.result.id,
          id,
          slot,
        ]);
      } else {
        await db.run(`UPDATE automa_schedule_fires SET status = 'failed', error = $1 WHERE schedule_id = $2 AND slot_time = $3`, [outcome.error, id, slot]);
      }
    },
    unfinished: async () =>
      (await db.query<FireRow>(`SELECT ${FIRE} FROM automa_schedule_fires WHERE status = 'firing' ORDER BY schedule_id COLLATE "C", slot_time`)).map(toFire),
    fires: async (id, limit) =>
      (await db.query<FireRow>(`SELECT ${FIRE} FROM automa_schedule_fires WHERE schedule_id = $1 ORDER BY slot_time DESC LIMIT $2`, [id, limit])).map(toFire),
  };
}

function toSchedule(row: ScheduleRow): ScheduleRecord {
  return {
    id: row.id,
    name: row.name,
    target: JSON.parse(row.target) as ScheduleTarget,
    cron: row.cron,
    at: row.at,
    timezone: row.timezone,
    missed: row.missed as MissedPolicy,
    paused: row.paused,
    nextTime: row.next_time,
    createTime: row.create_time,
    updateTime: row.update_time,
  };
}

function toFire(row: FireRow): ScheduleFire {
  return {
    scheduleId: row.schedule_id,
    slotTime: row.slot_time,
    fireTime: row.fire_time,
    status: row.status as FireStatus,
    result: row.result_kind !== null && row.result_id !== null ? { kind: row.result_kind, id: row.result_id } : null,
    error: row.error,
  };
}
