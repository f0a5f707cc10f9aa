import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { assetInUse, blobNotFound, hashMismatch, idempotencyKeyReuse, invalidV2Field, notFound } from '../../errors.js';
import { blake3File, type FileService, type StagedFile } from '../../files/index.js';
import type { Logger } from '../../log.js';
import type { AssetRecord, AssetStore, IdempotencyKeyStore } from '../../store/index.js';
import { claimKey } from './idempotency.js';

/** A URL that does not expire: we serve content ourselves, nothing is signed. */
export const NEVER = '9999-12-31T23:59:59.000Z';

export interface NewUpload {
  readonly staged: StagedFile;
  readonly contentType: string;
  readonly filePath: string;
  readonly expectedHash: string | undefined;
  readonly tags: readonly string[];
  readonly idempotencyKey: string | undefined;
}

export interface FromHash {
  readonly hash: string;
  readonly filePath: string | undefined;
  readonly tags: readonly string[];
}

/** An asset as the v2 contract shows it (Asset schema), `url` relative until a route makes it absolute. */
export type AssetJson = Record<string, unknown> & { url: string };

export interface Assets {
  /** Store an upload (deduped by BLAKE3): `created` says whether its bytes were new. */
  upload(upload: NewUpload): Promise<{ asset: AssetRecord; created: boolean }>;
  /** Mint a record over bytes we already hold; blobNotFound when we hold none with that hash. */
  fromHash(request: FromHash): Promise<{ asset: AssetRecord; created: boolean }>;
  has(hash: string): Promise<boolean>;
  get(id: string): Promise<AssetRecord | undefined>;
  /** Real path of an asset's bytes; notFound when the record or its file is gone. */
  contentPath(id: string): Promise<{ asset: AssetRecord; file: string }>;
  remove(id: string): Promise<void>;
}

export interface AssetsDeps {
  readonly store: AssetStore;
  readonly keys: IdempotencyKeyStore;
  readonly files: FileService;
  readonly logger: Logger;
  readonly now?: () => number;
}

const KEY_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** The upload's extension, kept on the stored file so loaders that go by extension still work. */
function extensionOf(filePath: string): string {
  const ext = path.extname(filePath).toLowerCase();
  return /^\.[a-z0-9]{1,10}$/.test(ext) ? ext : '';
}

export function createAssets(deps: AssetsDeps): Assets {
  const { store, files } = deps;
  const now = deps.now ?? Date.now;

  /** A record over the bytes some other record holds, if that file is still there. */
  const existingFile = async (hash: string): Promise<AssetRecord | undefined> => {
    const other = await store.byHash(hash);
    if (other === undefined) return undefined;
    return (await files.locate(other.file)) === undefined ? undefined : other;
  };

  const mint = (
    over: Pick<AssetRecord, 'hash' | 'sizeBytes' | 'file'>,
    fields: { contentType: string; filePath: string | null; tags: readonly string[] },
    id: string = randomUUID(),
  ): AssetRecord => ({
    id,
    hash: over.hash,
    sizeBytes: over.sizeBytes,
    contentType: fields.contentType,
    filePath: fields.filePath,
    tags: fields.tags,
    file: over.file,
    jobId: null,
    nodeId: null,
    createdAt: now(),
    expiresAt: null,
  });

  /** Keep the upload's bytes unless a record over the same bytes exists, and mint `id` over them. */
  const keep = async (upload: NewUpload, hash: string, id: string): Promise<{ asset: AssetRecord; created: boolean }> => {
    const fields = { contentType: upload.contentType, filePath: upload.filePath, tags: upload.tags };
    const existing = await existingFile(hash);
    if (existing !== undefined) return { asset: await store.insert(mint(existing, fields, id)), created: false };
    const file = await files.keepAsset(upload.staged, `${hash.slice('blake3:'.length)}${extensionOf(upload.filePath)}`);
    return { asset: await store.insert(mint({ hash, sizeBytes: upload.staged.size, file }, fields, id)), created: true };
  };

  /** With an Idempotency-Key: the first request's asset for a retry of it, 422 for another request. */
  const keepOnce = async (upload: NewUpload, hash: string, key: string): Promise<{ asset: AssetRecord; created: boolean }> => {
    const id = randomUUID();
    const claim = { fingerprint: JSON.stringify([hash, upload.filePath, upload.contentType, upload.tags]), resultId: id, createdAt: now() };
    let outcome = await claimKey(deps.keys, 'assets', key, claim, KEY_MAX_AGE_MS);
    if (outcome.kind === 'reused') throw idempotencyKeyReuse(key);
    if (outcome.kind === 'replay') {
      const first = await store.get(outcome.resultId);
      if (first !== undefined) return { asset: first, created: (await store.byHash(hash))?.id === first.id };
      // The first request claimed the key but stored nothing (it failed or the process died): start over.
      await deps.keys.release('assets', key);
      outcome = await claimKey(deps.keys, 'assets', key, claim, KEY_MAX_AGE_MS);
      if (outcome.kind !== 'claimed') throw idempotencyKeyReuse(key);
    }
    try {
      return await keep(upload, hash, id);
    } catch (error) {
      await deps.keys.release('assets', key);
      throw error;
    }
  };

  return {
    upload: async (upload) => {
      const hash = await blake3File(upload.staged.path);
      if (upload.expectedHash !== undefined && upload.expectedHash !== hash) throw hashMismatch(upload.expectedHash, hash);
      return upload.idempotencyKey === undefined ? keep(upload, hash, randomUUID()) : keepOnce(upload, hash, upload.idempotencyKey);
    },
    fromHash: async (request) => {
      const existing = await existingFile(request.hash);
      if (existing === undefined) throw blobNotFound(request.hash);
      const asset = mint(existing, { contentType: existing.contentType, filePath: request.filePath ?? existing.filePath, tags: request.tags });
      return { asset: await store.insert(asset), created: true };
    },
    has: async (hash) => (await existingFile(hash)) !== undefined,
    get: (id) => store.get(id),
    contentPath: async (id) => {
      const asset = await store.get(id);
      const file = asset === undefined ? undefined : await files.locate(asset.file);
      if (asset === undefined || file === undefined) throw notFound('Asset', id);
      return { asset, file };
    },
    remove: async (id) => {
      const result = await store.remove(id);
      if (!result.removed) throw result.reason === 'in_use' ? assetInUse() : notFound('Asset', id);
      if (!result.fileStillUsed) {
        await files.dropAsset(result.file).catch((err: unknown) => deps.logger.warn({ err, file: result.file }, 'could not delete an asset file'));
      }
    },
  };
}

/** The v2 Asset object of a record (`url` host-relative: see absoluteUrls). */
export function assetJson(asset: AssetRecord, created?: boolean): AssetJson {
  return {
    id: asset.id,
    hash: asset.hash,
    size_bytes: asset.sizeBytes,
    content_type: asset.contentType,
    file_path: asset.filePath,
    ...(created !== undefined && { created_new: created }),
    created_at: new Date(asset.createdAt).toISOString(),
    url: `/api/v2/assets/${asset.id}/content`,
    url_expires_at: NEVER,
    expires_at: asset.expiresAt === null ? null : new Date(asset.expiresAt).toISOString(),
    job_id: asset.jobId,
  };
}

/** Checks shared by upload and from-hash: tags are strings, expires_in within the contract's bounds. */
export function checkTags(value: unknown): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((tag) => typeof tag === 'string' && tag.length <= 200)) throw invalidV2Field('tags', 'must be strings of at most 200 characters');
  return list as string[];
}

export function checkExpiresIn(value: unknown): void {
  if (value === undefined) return;
  const seconds = typeof value === 'string' && value !== '' ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 60 || seconds > 604_800) {
    throw invalidV2Field('expires_in', 'must be an integer number of seconds from 60 to 604800');
  }
}
