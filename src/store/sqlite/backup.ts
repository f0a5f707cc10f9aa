import fs from 'node:fs';
import path from 'node:path';
import { backup, DatabaseSync } from 'node:sqlite';
import { DATABASE_FILE } from './store.js';

/**
 * Copy the service's database to `destination` while the service may be running: SQLite's online
 * backup reads a consistent snapshot page by page and lets the service keep writing in between.
 * The copy is written beside the destination and renamed into place, so an interrupted backup
 * never leaves a half-written file under the name asked for. Returns the pages copied.
 */
export async function backupSqliteDatabase(dataDir: string, destination: string): Promise<{ pages: number; bytes: number }> {
  const source = path.join(dataDir, DATABASE_FILE);
  if (!fs.existsSync(source)) throw new Error(`no database at ${source}`);
  const target = path.resolve(destination);
  if (path.resolve(source) === target) throw new Error('the backup cannot overwrite the live database');
  const partial = `${target}.partial`;
  fs.rmSync(partial, { force: true });
  const db = new DatabaseSync(source, { timeout: 5000 });
  try {
    // 256 pages (1 MB) per step: short read locks, so the running service never waits long.
    const pages = await backup(db, partial, { rate: 256 });
    // On disk before it takes the name, and the name on disk before we say it is done.
    syncPath(partial, 'r+');
    fs.renameSync(partial, target);
    if (process.platform !== 'win32') syncPath(path.dirname(target), 'r');
    return { pages, bytes: fs.statSync(target).size };
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
}

/** fsync a file or (POSIX) a directory by path. */
function syncPath(file: string, flags: 'r' | 'r+'): void {
  const fd = fs.openSync(file, flags);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
