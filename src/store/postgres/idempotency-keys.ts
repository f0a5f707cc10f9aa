import type { IdempotencyClaim, IdempotencyKeyStore } from '../api-v2-types.js';
import type { PostgresDatabase } from './database.js';

interface KeyRow {
  fingerprint: string;
  result_id: string;
  created_at: number;
}

/**
 * idempotency_keys rows. The primary key decides a claim: of gateways presenting one key at
 * once, one insert lands and the others wait for it to commit, then find its row.
 */
export function createPostgresIdempotencyKeyStore(db: PostgresDatabase, now: () => number = Date.now): IdempotencyKeyStore {
  const claimOnce = (scope: string, key: string, claim: IdempotencyClaim, maxAgeMs: number) =>
    db.transaction(async () => {
      await db.run(`DELETE FROM idempotency_keys WHERE created_at < $1`, [now() - maxAgeMs]);
      const inserted = await db.run(
        `INSERT INTO idempotency_keys (scope, key, fingerprint, result_id, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scope, key) DO NOTHING`,
        [scope, key, claim.fingerprint, claim.resultId, claim.createdAt],
      );
      if (inserted === 1) return { claimed: true } as const;
      const row = await db.one<KeyRow>(`SELECT fingerprint, result_id, created_at FROM idempotency_keys WHERE scope = $1 AND key = $2`, [scope, key]);
      if (row === undefined) return undefined;
      return { claimed: false, existing: { fingerprint: row.fingerprint, resultId: row.result_id, createdAt: row.created_at } } as const;
    });
  return {
    claim: async (scope, key, claim, maxAgeMs) => {
      // The row that refused the insert can be released (or aged out) by another gateway before
      // it is read: the key is free again, so claim it again.
      for (let tries = 1; ; tries++) {
        const result = await claimOnce(scope, key, claim, maxAgeMs);
        if (result !== undefined) return result;
        if (tries >= 5) throw new Error(`idempotency key ${scope}/${key} kept vanishing while being claimed`);
      }
    },
    release: async (scope, key) => void (await db.run(`DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2`, [scope, key])),
  };
}
