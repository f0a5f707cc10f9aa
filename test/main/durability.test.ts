import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import { DATABASE_FILE } from '../../src/store/index.js';
import { makeTempDir } from '../helpers/app.js';
import { closedPort, startService, stopService } from './service.js';

const WORKERS = 24;
const KILL_AFTER_ACKS = 400;

interface Written {
  readonly id: string;
  readonly worker: number;
  readonly n: number;
  readonly payload: string;
  readonly sha: string;
  readonly [field: string]: unknown;
}

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A document that can vouch for itself: its payload's hash travels with it. */
function makeBody(worker: number, n: number): Omit<Written, 'id'> {
  const payload = randomBytes(Math.floor(Math.random() * 3_000)).toString('base64');
  return { worker, n, payload, sha: sha(payload), nested: { worker, n, list: [worker, n] } };
}

test('kill -9 during a burst of writes loses no acknowledged document and leaves nothing half-written', async (t) => {
  const temp = makeTempDir('automa-durable-');
  t.after(temp.remove);
  const backend = `http://127.0.0.1:${await closedPort()}`;
  const first = await startService(['--data-dir', temp.dir, '--comfyui', backend]);
  t.after(() => stopService(first));

  const acked: Written[] = [];
  let killed = false;
  let failedAfterKill = 0;
  const worker = async (w: number): Promise<void> => {
    for (let n = 0; ; n++) {
      const body = makeBody(w, n);
      let res: Response;
      try {
        res = await fetch(`${first.url}/automa/db/burst`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      } catch {
        assert.ok(killed, 'requests fail only once the process is killed');
        failedAfterKill++;
        return;
      }
      let text: string;
      try {
        text = await res.text();
      } catch {
        failedAfterKill++;
        return; // the answer was cut off by the kill: not an acknowledgement
      }
      assert.equal(res.status, 201, text);
      acked.push(JSON.parse(text) as Written);
      if (acked.length === KILL_AFTER_ACKS) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
  const exit = await first.exited;
  assert.equal(exit.signal, 'SIGKILL');
  assert.ok(acked.length >= KILL_AFTER_ACKS);
  assert.ok(failedAfterKill > 0, 'the kill landed mid-burst: some requests were in flight');

  // The file as an outsider finds it right after the crash (SQLite recovers the WAL on open).
  const db = new DatabaseSync(path.join(temp.dir, DATABASE_FILE));
  assert.equal(db.prepare('PRAGMA integrity_check').get()?.integrity_check, 'ok');
  db.close();

  const second = await startService(['--data-dir', temp.dir, '--comfyui', backend]);
  t.after(() => stopService(second));

  // Every acknowledged document is there, exactly as acknowledged.
  for (const doc of acked) {
    const res = await fetch(`${second.url}/automa/db/burst/${doc.id}`);
    assert.equal(res.status, 200, `acknowledged ${doc.id} (worker ${doc.worker} #${doc.n}) survived`);
    assert.deepEqual(await res.json(), doc);
  }

  // Everything stored is whole: acknowledged ones plus at most the requests cut off by the kill.
  const stored: Written[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page = (await (await fetch(`${second.url}/automa/db/burst?order=asc&limit=500${query}`)).json()) as {
      items: Written[];
      next_cursor: string | null;
    };
    stored.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor !== null);
  assert.equal(new Set(stored.map((d) => d.id)).size, stored.length, 'no duplicates');
  for (const doc of stored) {
    assert.equal(sha(doc.payload), doc.sha, `document ${doc.id} is intact`);
    assert.deepEqual(doc.nested, { worker: doc.worker, n: doc.n, list: [doc.worker, doc.n] });
  }
  assert.ok(stored.length >= acked.length);
  assert.ok(stored.length <= acked.length + failedAfterKill, `${stored.length} stored ≤ ${acked.length} acked + ${failedAfterKill} cut off`);
  const counts = (await (await fetch(`${second.url}/automa/db`)).json()) as { collections: { name: string; count: number }[] };
  assert.equal(counts.collections.find((c) => c.name === 'burst')?.count, stored.length);
});
