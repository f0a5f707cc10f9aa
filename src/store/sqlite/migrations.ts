/**
 * Numbered schema migrations, applied in order inside one transaction each; the database's
 * user_version records the last one applied. Never edit a migration that has shipped: add one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'documents',
    sql: `
      CREATE TABLE collections (
        name        TEXT PRIMARY KEY,
        create_time TEXT NOT NULL
      ) STRICT;
      INSERT INTO collections (name, create_time) VALUES ('default', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

      -- seq gives a total insertion order: newest-first paging and cursors ride on it.
      CREATE TABLE documents (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        collection  TEXT NOT NULL REFERENCES collections(name) ON DELETE CASCADE,
        id          TEXT NOT NULL UNIQUE,
        create_time TEXT NOT NULL,
        update_time TEXT NOT NULL,
        revision    INTEGER NOT NULL,
        body        TEXT NOT NULL
      ) STRICT;
      CREATE INDEX documents_by_collection ON documents (collection, seq);
    `,
  },
];
