import type { AppRow, AutomaEventViews, RunEventType, RunRow, SweepCounts } from '../automa-types.js';
import type { AppSqlRow, RunSqlRow, SweepSqlRow } from './automa-sql.js';
import { RUN_COLUMNS, SWEEP_COLUMNS, toApp, toRun, toSweep } from './automa-sql.js';
import type { SqliteDatabase } from './database.js';
import type { SqliteEventLog } from './events.js';

export interface SqliteRunEvents {
  useViews(views: AutomaEventViews): void;
  appendLive(promptId: string, type: RunEventType, data: (row: RunRow, app: AppRow | undefined) => Readonly<Record<string, unknown>>): boolean;
}

/**
 * The outbox for runs and sweeps. Migration 7's triggers call `automa_run_changed(id)` for each
 * run that was handed to the queue or ended, whichever statement did it (the queue's prompt
 * transactions included); the ids are kept until that transaction is about to commit, when the
 * run's event, and its sweep's progress and completion, are appended in it. Rolled back: forgotten.
 */
export function createSqliteRunEvents(db: SqliteDatabase, log: SqliteEventLog): SqliteRunEvents {
  let views: AutomaEventViews | null = null;
  const changed = new Set<string>();
  db.raw.function('automa_run_changed', { deterministic: false }, (id) => {
    // Outside a store transaction there would be no commit to hang the event on: refuse the change.
    if (!db.inTransaction) throw new Error('a run changed state outside a store transaction; its event would be lost');
    changed.add(String(id));
    return null;
  });
  const runsByIds = db.prepare<[string], RunSqlRow>(`SELECT ${RUN_COLUMNS} FROM automa_runs WHERE id IN (SELECT value FROM json_each(?))`);
  const runByPrompt = db.prepare<[string], RunSqlRow>(`SELECT ${RUN_COLUMNS} FROM automa_runs WHERE prompt_id = ?`);
  const getApp = db.prepare<[string], AppSqlRow>('SELECT * FROM automa_apps WHERE id = ?');
  const getSweep = db.prepare<[string], SweepSqlRow>(`SELECT ${SWEEP_COLUMNS} FROM automa_sweeps WHERE id = ?`);
  const sweepRuns = db.prepare<[string], RunSqlRow>(`SELECT ${RUN_COLUMNS} FROM automa_runs WHERE sweep_id = ? ORDER BY cell`);
  const countByStatus = db.prepare<[string], { status: string; n: number }>(
    'SELECT status, count(*) AS n FROM automa_runs WHERE sweep_id = ? GROUP BY status',
  );
  const countRunning = db.prepare<[string, string], { n: number }>(
    `SELECT count(*) AS n FROM automa_runs WHERE sweep_id = ? AND status = 'queued' AND prompt_id IN (SELECT value FROM json_each(?))`,
  );

  const viewsOrThrow = (): AutomaEventViews => {
    if (views === null) throw new Error('run events have no views: the automation part was not set up on this store');
    return views;
  };
  const appReader = (): ((id: string) => AppRow | undefined) => {
    const apps = new Map<string, AppRow | undefined>();
    return (id) => {
      if (!apps.has(id)) {
        const row = getApp.get(id);
        apps.set(id, row === undefined ? undefined : toApp(row));
      }
      return apps.get(id);
    };
  };
  const countsOf = (sweepId: string, v: AutomaEventViews): SweepCounts => {
    const stored: Record<string, number> = {};
    for (const row of countByStatus.all(sweepId)) stored[row.status] = row.n;
    const running = countRunning.get(sweepId, JSON.stringify(v.runningPromptIds()))?.n ?? 0;
    return {
      queued: (stored.queued ?? 0) - running,
      running,
      succeeded: stored.succeeded ?? 0,
      failed: stored.failed ?? 0,
      cancelled: stored.cancelled ?? 0,
    };
  };

  const flush = (): void => {
    if (changed.size === 0) return;
    const ids = [...changed];
    changed.clear();
    const v = viewsOrThrow();
    const app = appReader();
    const rows = new Map(runsByIds.all(JSON.stringify(ids)).map((row) => [row.id, toRun(row)]));
    /** Sweeps with a cell that ended in this transaction. */
    const sweeps = new Set<string>();
    for (const id of ids) {
      const row = rows.get(id);
      if (row === undefined) continue; // changed, then deleted in the same transaction
      const type: RunEventType = row.status === 'queued' ? 'run.queued' : `run.${row.status}`;
      log.appendSync({ type, subject: row.id, app: row.appId, sweep: row.sweepId, data: v.run(type, row, app(row.appId)) });
      if (row.sweepId !== null && row.status !== 'queued') sweeps.add(row.sweepId);
    }
    for (const sweepId of sweeps) {
      const sweepRow = getSweep.get(sweepId);
      if (sweepRow === undefined) continue;
      const sweep = toSweep(sweepRow);
      const counts = countsOf(sweepId, v);
      const cells = () => sweepRuns.all(sweepId).map(toRun);
      const base = { subject: sweepId, app: sweep.appId, sweep: sweepId };
      log.appendSync({ ...base, type: 'sweep.progress', data: v.sweep('sweep.progress', sweep, counts, cells) });
      if (counts.queued + counts.running === 0) log.appendSync({ ...base, type: 'sweep.completed', data: v.sweep('sweep.completed', sweep, counts, cells) });
    }
  };
  db.onTransactionEnd({ beforeCommit: flush, rolledBack: () => changed.clear() });

  return {
    useViews: (given) => {
      views = given;
    },
    appendLive: (promptId, type, data) =>
      db.transaction(() => {
        const found = runByPrompt.get(promptId);
        if (found === undefined) return false;
        const row = toRun(found);
        // Ended (its terminal event is in the log) or not yet the queue's: nothing live to report.
        if (row.status !== 'queued' || !row.submitted) return false;
        log.appendSync({ type, subject: row.id, app: row.appId, sweep: row.sweepId, data: data(row, appReader()(row.appId)) });
        return true;
      }, 'immediate'),
  };
}
