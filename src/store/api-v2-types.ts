/**
 * Storage for Comfy API v2: asset records over files of our file tree, which assets a job's
 * workflow uses, and Idempotency-Key claims.
 */

/** Where an asset's bytes are in the gateway's file tree. */
export interface AssetFile {
  readonly type: 'input' | 'temp' | 'output';
  /** '/'-separated, '' for the folder itself. */
  readonly subfolder: string;
  readonly name: string;
}

export interface AssetRecord {
  readonly id: string;
  /** `blake3:<hex>` of the bytes. */
  readonly hash: string;
  readonly sizeBytes: number;
  readonly contentType: string;
  readonly filePath: string | null;
  readonly tags: readonly string[];
  readonly file: AssetFile;
  /** The job that produced it (outputs); null for uploads. */
  readonly jobId: string | null;
  readonly nodeId: string | null;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly expiresAt: number | null;
}

export interface AssetStore {
  /** Insert a record; for a job output (jobId + nodeId + file) an existing record is returned instead. */
  insert(record: AssetRecord): Promise<AssetRecord>;
  get(id: string): Promise<AssetRecord | undefined>;
  /** Any record over bytes with this hash (the oldest), to mint another one over the same file. */
  byHash(hash: string): Promise<AssetRecord | undefined>;
  /** The record of one output file of a job, if minted. */
  jobOutput(jobId: string, nodeId: string, file: AssetFile): Promise<AssetRecord | undefined>;
  /**
   * Remove a record unless a job that has not finished uses it. `fileStillUsed` says whether
   * another record still points at the same file (so its bytes must stay).
   */
  remove(id: string): Promise<{ removed: false; reason: 'absent' | 'in_use' } | { removed: true; fileStillUsed: boolean; file: AssetFile }>;
  /** Record that a job's workflow uses these assets (done in one transaction with nothing else). */
  useInJob(jobId: string, assetIds: readonly string[]): Promise<void>;
}

/** An Idempotency-Key claim: which request first presented the key, and what it created. */
export interface IdempotencyClaim {
  readonly fingerprint: string;
  readonly resultId: string;
  readonly createdAt: number;
}

export interface IdempotencyKeyStore {
  /**
   * Claim `key` in `scope` for a request; returns the existing claim instead when the key is
   * taken (and younger than `maxAgeMs`: older claims are dropped first).
   */
  claim(scope: string, key: string, claim: IdempotencyClaim, maxAgeMs: number): Promise<{ claimed: true } | { claimed: false; existing: IdempotencyClaim }>;
  /** Give a key back (the request failed without creating anything). */
  release(scope: string, key: string): Promise<void>;
}
