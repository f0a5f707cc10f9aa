import type { AutomaStore } from './automa-types.js';
import type { AssetStore, IdempotencyKeyStore } from './api-v2-types.js';
import type { BackendFileStore } from './backend-file-types.js';
import type { EventStore } from './event-types.js';
import type { ScheduleStore } from './schedule-types.js';
import type { WebhookStore } from './webhook-types.js';
import type { BackendChangeStore } from './backend-types.js';
import type { PromptStore } from './prompt-types.js';
import type { ClusterStore } from './cluster-types.js';

/**
 * The storage contract. Async and narrow on purpose: the embedded SQLite store implements it
 * today, and a PostgreSQL store can implement it later without touching any caller.
 */

/** A JSON document as stored: the client's fields plus the three the server owns. */
export interface StoredDocument {
  readonly id: string;
  readonly create_time: string;
  readonly update_time: string;
  readonly [field: string]: unknown;
}

/** A stored document together with its revision, which the API turns into an ETag. */
export interface DocumentRecord {
  readonly document: StoredDocument;
  readonly revision: number;
}

export type JsonScalar = string | number | boolean;

export interface ListQuery {
  readonly order: 'asc' | 'desc';
  readonly limit: number;
  /** Opaque cursor from a previous page's nextCursor. */
  readonly cursor?: string;
  /** Equality filters on top-level fields. */
  readonly where?: Readonly<Record<string, JsonScalar>>;
}

export interface ListPage {
  readonly items: readonly StoredDocument[];
  readonly nextCursor: string | null;
}

/**
 * A stored document as JSON text: the same document `get` returns, serialised exactly as
 * JSON.stringify would, for callers that only pass it on (the HTTP API) and so need not parse it.
 */
export interface DocumentJson {
  readonly json: string;
  readonly revision: number;
}

/** A list page whose items are JSON texts, as in DocumentJson. */
export interface ListPageJson {
  readonly items: readonly string[];
  readonly nextCursor: string | null;
}

export interface WriteCondition {
  /** When set, the write happens only if the current revision equals it (If-Match). */
  readonly expectedRevision?: number;
}

export interface CollectionSummary {
  readonly name: string;
  readonly count: number;
}

export interface DocumentStore {
  create(collection: string, body: Readonly<Record<string, unknown>>): Promise<DocumentRecord>;
  get(collection: string, id: string): Promise<DocumentRecord | undefined>;
  list(collection: string, query: ListQuery): Promise<ListPage>;
  /** `get` as JSON text, without building the document. */
  getJson(collection: string, id: string): Promise<DocumentJson | undefined>;
  /** `list` as JSON texts, without building the documents. */
  listJson(collection: string, query: ListQuery): Promise<ListPageJson>;
  /** Full replace; undefined when absent. Throws preconditionFailed on a revision mismatch. */
  replace(collection: string, id: string, body: Readonly<Record<string, unknown>>, condition?: WriteCondition): Promise<DocumentRecord | undefined>;
  /** JSON Merge Patch (RFC 7396); undefined when absent. Throws preconditionFailed on a revision mismatch. */
  patch(collection: string, id: string, mergePatch: Readonly<Record<string, unknown>>, condition?: WriteCondition): Promise<DocumentRecord | undefined>;
  remove(collection: string, id: string): Promise<boolean>;
  collections(): Promise<readonly CollectionSummary[]>;
  /** Drops a collection and its documents; false when it did not exist. */
  dropCollection(collection: string): Promise<boolean>;
}

export interface Store {
  readonly documents: DocumentStore;
  /** The gateway's durable queue and history. */
  readonly prompts: PromptStore;
  /** Runtime changes to the backend pool. */
  readonly backendChanges: BackendChangeStore;
  /** Which input files each backend already holds (files module). */
  readonly backendFiles: BackendFileStore;
  /** Workflow apps, runs, sweeps and Idempotency-Key answers. */
  readonly automa: AutomaStore;
  /** The event log (outbox) that SSE streams and webhook deliveries read. */
  readonly events: EventStore;
  /** Webhook endpoints, deliveries and their attempts. */
  readonly webhooks: WebhookStore;
  /** Schedules and the slots they fired. */
  readonly schedules: ScheduleStore;
  /** Comfy API v2 asset records. */
  readonly assets: AssetStore;
  /** Comfy API v2 Idempotency-Key claims. */
  readonly idempotencyKeys: IdempotencyKeyStore;
  /** Present when several gateways can share this store (PostgreSQL): leases, numbers, messages. */
  readonly cluster?: ClusterStore;
  /** True when the store answers and accepts writes. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
