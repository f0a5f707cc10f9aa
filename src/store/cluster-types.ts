import type { PromptRecord } from './prompt-types.js';

/**
 * What several gateways on one database share beyond the store's records: who is alive, which
 * gateway drives which backend (leases with a time to live), global priority numbers, and a
 * message bus between them. Only the PostgreSQL store has it; a lone SQLite gateway needs none.
 */
export interface BackendLease {
  readonly backend: string;
  readonly holder: string;
  /** Milliseconds since the epoch, by the database's clock. */
  readonly expiresAt: number;
}

export interface GatewayPresence {
  readonly id: string;
  readonly address: string | null;
  readonly startedAt: number;
  readonly seenAt: number;
}

/** A message from one gateway to the others; `from` lets a gateway skip its own. */
export interface ClusterMessage {
  readonly from: string;
  readonly kind: string;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface ClusterStore {
  /** Say this gateway is alive (and forget gateways silent for ttl × 10); the live ones come back. */
  heartbeat(gateway: { id: string; address: string | null; startedAt: number }, ttlMs: number): Promise<readonly GatewayPresence[]>;
  /** Gone for good (a clean stop): its row and its leases, so the others adopt at once. */
  leave(gatewayId: string): Promise<void>;
  leases(): Promise<readonly BackendLease[]>;
  /** Take `backend` when nobody holds it or its lease expired; renews when `gatewayId` holds it. True when held now. */
  acquire(backend: string, gatewayId: string, ttlMs: number): Promise<boolean>;
  /** Extend every lease `gatewayId` holds; the backends still held come back (a lost one was taken over). */
  renew(gatewayId: string, ttlMs: number): Promise<readonly string[]>;
  release(backend: string, gatewayId: string): Promise<void>;
  /** Of the prompts named, the ones still pending or submitted (one read, however many). */
  unfinishedAmong(ids: readonly string[]): Promise<readonly PromptRecord[]>;
  /** `count` priority numbers no other gateway gets, increasing. */
  nextNumbers(count: number): Promise<readonly number[]>;
  publish(message: ClusterMessage): Promise<void>;
  /**
   * Every gateway's published messages, and the `prompts` table's changes as kind `prompt`:
   * {id, state, number, was} (`state` 'deleted' for a removed row, `was` null for a new one).
   */
  subscribe(listener: (message: ClusterMessage) => void): Promise<() => void>;
  /** Told when messages may have been missed (the listening connection dropped and came back). */
  onMissed(listener: () => void): () => void;
}
