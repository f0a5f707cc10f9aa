import type { AppRow, AutomaEventViews, RunEventType, RunRow, SweepCounts } from '../automa-types.js';
import type { AppPgRow, RunPgRow, SweepPgRow } from './automa-rows.js';
import { RUN_COLUMNS, SWEEP_COLUMNS, toApp, toRun, toSweep } from './automa-rows.js';
import type { PostgresDatabase } from './database.js';
import type { PostgresEventLog } from './events.js';

export interface PostgresRunEvents {
  useViews(views: AutomaEventViews): void;
  appendLive(promptId: string, type: RunEventType, data: (row: RunRow, app: AppRow | undefined) => Readonly<Record<string, unknown>>): Promise<boolean>;
}

/**
 * The outbox for runs and sweeps. Migration 2's triggers note each run that was handed to the
 * queue or ended in automa_run_changes, under the id of the transaction that did it, whichever
 * statement did it (the queue's prompt transactions included); just before that transaction
 * commits, this drains its notes and appends the run's event, and its sweep's progress and
 * completion, in it. Rolled back: the notes go with it.
 */
const noCells = (): never => {
  throw new Error('sweep.progress carries no cells: the PostgreSQL store reads them for sweep.completed only');
};

export function createPostgresRunEvents(db: PostgresDatabase, log: PostgresEventLog): PostgresRunEvents {
  let views: AutomaEventViews | null = null;

  const viewsOrThrow = (): AutomaEventViews => {
    if (views === null) throw new Error('run events have no views: the automation part was not set up on this store');
    return views;
  };
  const appReader = (): ((id: string) => Promise<AppRow | undefined>) => {
    const apps = new Map<string, AppRow | undefined>();
    return async (id) => {
      if (!apps.has(id)) {
        const row = await db.one<AppPgRow>('SELECT * FROM automa_apps WHERE id = $1', [id]);
        apps.set(id, row === undefined ? undefined : toApp(row));
      }
      return apps.get(id);
    };
  };
  const countsOf = async (sweepId: string, v: AutomaEventViews): Promise<SweepCounts> => {
    const stored: Record<string, number> = {};
    for (const row of await db.query<{ status: string; n: number }>('SELECT status, count(*) AS n FROM automa_runs WHERE sweep_id = $1 GROUP BY status', [sweepId])) {
      stored[row.status] = row.n;
    }
    const running =
      (
        await db.one<{ n: number }>(
          `SELECT count(*) AS n FROM automa_runs WHERE sweep_id = $1 AND status = 'queued' AND prompt_id IN (SELECT json_array_elements_text($2::json))`,
          [sweepId, JSON.stringify(v.runningPromptIds())],
        )
      )?.n ?? 0;
    return {
      queued: (stored.queued ?? 0) - running,
      running,
      succeeded: stored.succeeded ?? 0,
      failed: stored.failed ?? 0,
      cancelled: stored.cancelled ?? 0,
    };
  };

  /** Sweep events for sweeps with a cell that ended in this transaction. */
  const appendSweepEvents = async (sweepIds: readonly string[], v: AutomaEventViews): Promise<void> => {
    // Sorted: two transactions locking the same sweeps take them in one order.
    for (const sweepId of [...sweepIds].sort()) {
      // Locked, then counted: of two transactions ending a sweep's last two cells at once, the
      // second waits for the first to commit and counts its cell too (each statement reads what
      // has committed by then), so exactly one of them says sweep.completed.
      const sweepRow = await db.one<SweepPgRow>(`SELECT ${SWEEP_COLUMNS} FROM automa_sweeps WHERE id = $1 FOR UPDATE`, [sweepId]);
      if (sweepRow === undefined) continue;
      const sweep = toSweep(sweepRow);
      const counts = await countsOf(sweepId, v);
      const base = { subject: sweepId, app: sweep.appId, sweep: sweepId };
      await log.appendInTx({ ...base, type: 'sweep.progress', data: v.sweep('sweep.progress', sweep, counts, noCells) });
      if (counts.queued + counts.running === 0) {
        // The views read cells synchronously: read them first (only the completion lists them).
        const cells = (await db.query<RunPgRow>(`SELECT ${RUN_COLUMNS} FROM automa_runs WHERE sweep_id = $1 ORDER BY cell`, [sweepId])).map(toRun);
        await log.appendInTx({ ...base, type: 'sweep.completed', data: v.sweep('sweep.completed', sweep, counts, () => cells) });
      }
    }
  };

  const flush = async (): Promise<void> => {
    // txid_current_if_assigned: a transaction that wrote nothing has no notes (and gets no id for asking).
    const notes = await db.query<{ id: number; run_id: string }>(
      'DELETE FROM automa_run_changes WHERE txid = txid_current_if_assigned() RETURNING id, run_id',
    );
    if (notes.length === 0) return;
    const ids = [...new Set(notes.sort((a, b) => a.id - b.id).map((note) => note.run_id))];
    const v = viewsOrThrow();
    const app = appReader();
    const rows = new Map(
      (await db.query<RunPgRow>(`SELECT ${RUN_COLUMNS} FROM automa_runs WHERE id IN (SELECT json_array_elements_text($1::json))`, [JSON.stringify(ids)])).map(
        (row) => [row.id, toRun(row)],
      ),
    );
    const sweeps = new Set<string>();
    for (const id of ids) {
      const row = rows.get(id);
      if (row === undefined) continue; // changed, then deleted in the same transaction
      const type: RunEventType = row.status === 'queued' ? 'run.queued' : `run.${row.status}`;
      await log.appendInTx({ type, subject: row.id, app: row.appId, sweep: row.sweepId, data: v.run(type, row, await app(row.appId)) });
      if (row.sweepId !== null && row.status !== 'queued') sweeps.add(row.sweepId);
    }
    await appendSweepEvents([...sweeps], v);
  };
  db.onTransactionEnd({ beforeCommit: flush, rolledBack: () => undefined });

  return {
    useViews: (given) => {
      views = given;
    },
    appendLive: (promptId, type, data) =>
      db.transaction(async () => {
        // FOR SHARE waits for a transaction ending the run and reads the run as it left it.
        const found = await db.one<RunPgRow>(`SELECT ${RUN_COLUMNS} FROM automa_runs WHERE prompt_id = $1 FOR SHARE`, [promptId]);
        if (found === undefined) return false;
        const row = toRun(found);
        // Ended (its terminal event is in the log) or not yet the queue's: nothing live to report.
        if (row.status !== 'queued' || !row.submitted) return false;
        await log.appendInTx({ type, subject: row.id, app: row.appId, sweep: row.sweepId, data: data(row, await appReader()(row.appId)) });
        return true;
      }),
  };
}
