import type { IdempotencyKeyStore } from '../api-v2-types.js';
import type { SqliteDatabase } from './database.js';

/** idempotency_keys rows (migration 5). */
export function createSqliteIdempotencyKeyStore(db: SqliteDatabase, now: () => number = Date.now): IdempotencyKeyStore {
  const dropOld = db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?');
  const insert = db.prepare(
    'INSERT INTO idempotency_keys (scope, key, fingerprint, result_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (scope, key) DO NOTHING',
  );
  const select = db.prepare<[string, string], { fingerprint: string; result_id: string; created_at: number }>(
    'SELECT fingerprint, result_id, created_at FROM idempotency_keys WHERE scope = ? AND key = ?',
  );
  const release = db.prepare('DELETE FROM idempotency_keys WHERE scope = ? AND key = ?');
  return {
    claim: async (scope, key, claim, maxAgeMs) =>
      db.transaction(() => {
        dropOld.run(now() - maxAgeMs);
        if (insert.run(scope, key, claim.fingerprint, claim.resultId, claim.createdAt).changes === 1) return { claimed: true } as const;
        const row = select.get(scope, key);
        // Unreachable while the write lock is held (the row that refused the insert is there).
        if (row === undefined) throw new Error(`idempotency key ${scope}/${key} vanished inside its transaction`);
        return { claimed: false, existing: { fingerprint: row.fingerprint, resultId: row.result_id, createdAt: row.created_at } } as const;
      }, 'immediate'),
    release: async (scope, key) => void release.run(scope, key),
  };
}
