import type { FireStatus, MissedPolicy, NewSchedule, ScheduleFire, ScheduleRecord, ScheduleStore, ScheduleTarget } from '../schedule-types.js';
import type { SqliteDatabase } from './database.js';

interface ScheduleRow {
  id: string;
  name: string | null;
  target: string;
  cron: string | null;
  at: number | null;
  timezone: string;
  missed: string;
  paused: number;
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

/** Schedules and their fired slots on the store's connection. */
export function createSqliteScheduleStore(db: SqliteDatabase): ScheduleStore {
  const getOne = db.prepare<[string], ScheduleRow>(`SELECT ${SCHEDULE} FROM automa_schedules WHERE id = ?`);
  const get = (id: string): ScheduleRecord | undefined => {
    const row = getOne.get(id);
    return row === undefined ? undefined : toSchedule(row);
  };
  return {
    create: async (s: NewSchedule, now) => {
      db.prepare(
        `INSERT INTO automa_schedules (id, name, target, cron, at, timezone, missed, paused, next_time, create_time, update_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(s.id, s.name, JSON.stringify(s.target), s.cron, s.at, s.timezone, s.missed, s.paused ? 1 : 0, s.nextTime, now, now);
      return get(s.id) as ScheduleRecord;
    },
    get: async (id) => get(id),
    list: async () => db.prepare<[], ScheduleRow>(`SELECT ${SCHEDULE} FROM automa_schedules ORDER BY seq`).all().map(toSchedule),
    remove: async (id) => db.prepare(`DELETE FROM automa_schedules WHERE id = ?`).run(id).changes > 0,
    setPaused: async (id, paused, nextTime, now) => {
      db.prepare(`UPDATE automa_schedules SET paused = ?, next_time = ?, update_time = ? WHERE id = ?`).run(paused ? 1 : 0, nextTime, now, id);
      return get(id);
    },
    due: async (now) =>
      db.prepare<[number], ScheduleRow>(`SELECT ${SCHEDULE} FROM automa_schedules WHERE paused = 0 AND next_time <= ? ORDER BY next_time`).all(now).map(toSchedule),
    nextTime: async () => db.prepare<[], { t: number | null }>(`SELECT min(next_time) AS t FROM automa_schedules WHERE paused = 0`).get()?.t ?? null,
    claim: async (id, expected, slot, nextTime, now) =>
      db.transaction(() => {
        const moved = db
          .prepare(`UPDATE automa_schedules SET next_time = ?, update_time = ? WHERE id = ? AND paused = 0 AND next_time = ?`)
          .run(nextTime, now, id, expected).changes;
        if (moved === 0) return false;
        if (slot !== null) {
          db.prepare(`INSERT INTO automa_schedule_fires (schedule_id, slot_time, fire_time, status) VALUES (?, ?, ?, 'firing') ON CONFLICT DO NOTHING`).run(id, slot, now);
        }
        return true;
      }, 'immediate'),
    finishFire: async (id, slot, outcome) => {
      if ('result' in outcome) {
        db.prepare(`UPDATE automa_schedule_fires SET status = 'fired', result_kind = ?, result_id = ? WHERE schedule_id = ? AND slot_time = ?`).run(
          outcome.result.kind,
          outcome.result.id,
          id,
          slot,
        );
      } else {
        db.prepare(`UPDATE automa_schedule_fires SET status = 'failed', error = ? WHERE schedule_id = ? AND slot_time = ?`).run(outcome.error, id, slot);
      }
    },
    unfinished: async () => db.prepare<[], FireRow>(`SELECT ${FIRE} FROM automa_schedule_fires WHERE status = 'firing'`).all().map(toFire),
    fires: async (id, limit) =>
      db.prepare<[string, number], FireRow>(`SELECT ${FIRE} FROM automa_schedule_fires WHERE schedule_id = ? ORDER BY slot_time DESC LIMIT ?`).all(id, limit).map(toFire),
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
    paused: row.paused === 1,
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
