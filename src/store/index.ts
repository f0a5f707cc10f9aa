/** Storage contract: Store, DocumentStore and their record types. */
export type * from './types.js';
/** The embedded SQLite implementation of Store. */
export { createSqliteStore, DATABASE_FILE } from './sqlite/store.js';
/** ETag of a document revision. */
export { etagOf } from './sqlite/documents.js';
/** RFC 7396 JSON Merge Patch. */
export { applyMergePatch } from './merge-patch.js';
