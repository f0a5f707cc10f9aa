/** Storage contract: Store, DocumentStore and their record types. */
export type * from './types.js';
/** Durable prompt records: queue and history. */
export type * from './prompt-types.js';
/** Runtime changes to the backend pool. */
export type * from './backend-types.js';
export { PROMPT_STATES, JOB_STATUSES } from './prompt-types.js';
/** The text the jobs filter `text` searches in a prompt (every store stores it at insert). */
export { promptSearchText } from './prompt-search.js';
/** Which files each backend holds, for input replication. */
export type * from './backend-file-types.js';
/** Workflow apps, their runs and sweeps. */
export type * from './automa-types.js';
export { STORED_RUN_STATUSES, IDEMPOTENCY_TTL_MS } from './automa-types.js';
/** The event log (outbox), webhook endpoints and deliveries, schedules. */
export type * from './event-types.js';
export type * from './webhook-types.js';
export type * from './schedule-types.js';
export { DELIVERY_STATUSES, WEBHOOK_KINDS } from './webhook-types.js';
export { FIRE_STATUSES, MISSED_POLICIES } from './schedule-types.js';
/** The `prompt.*` events' bodies (the queue appends started and progress itself). */
export { promptProgressEvent, promptStartedEvent, type PromptFacts } from './prompt-events.js';
/** What gateways sharing a database share: leases, numbers, messages. */
export type * from './cluster-types.js';
/** Comfy API v2 assets and Idempotency-Key claims. */
export type * from './api-v2-types.js';
/** The embedded SQLite implementation of Store. */
export { createSqliteStore, DATABASE_FILE } from './sqlite/store.js';
/** Online backup of the embedded database (`comfyui-automa backup <file>`). */
export { backupSqliteDatabase } from './sqlite/backup.js';
/** ETag of a document revision. */
export { etagOf } from './sqlite/documents.js';
/** RFC 7396 JSON Merge Patch. */
export { applyMergePatch } from './merge-patch.js';
