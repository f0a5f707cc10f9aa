import { randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import { blake3File, contentTypeOf, type FileService } from '../../files/index.js';
import type { Logger } from '../../log.js';
import type { AssetFile, AssetRecord, AssetStore } from '../../store/index.js';
import { NEVER } from './assets.js';

/** A job output as the v2 contract shows it (Output schema), `url` host-relative. */
export interface OutputJson {
  readonly node_id: string;
  readonly name: string;
  readonly type: 'image' | 'video' | 'audio' | 'text' | 'file' | 'latent';
  readonly content_type: string;
  readonly size_bytes: number;
  readonly id: string;
  readonly hash: string;
  url: string;
  readonly url_expires_at: string;
  readonly job_id: string;
}

const FILE_TYPES = new Set(['input', 'temp', 'output']);

/** A file reference in ComfyUI's outputs (`{filename, subfolder, type}`), or undefined. */
function fileOf(item: unknown): AssetFile | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { filename, subfolder, type } = item as Record<string, unknown>;
  if (typeof filename !== 'string' || typeof type !== 'string' || !FILE_TYPES.has(type)) return undefined;
  return { type: type as AssetFile['type'], subfolder: typeof subfolder === 'string' ? subfolder : '', name: filename };
}

function kindOf(contentType: string, name: string): OutputJson['type'] {
  if (name.endsWith('.latent')) return 'latent';
  const major = contentType.split('/')[0];
  return major === 'image' || major === 'video' || major === 'audio' || major === 'text' ? major : 'file';
}

/**
 * Outputs are assets (the contract's rule): each file a job's outputs list gets an asset record
 * the first time anyone reads it, hashed then, and the same record on every later read. Files
 * the gateway does not hold (a temp preview only its backend kept) are left out and logged.
 */
export function createOutputAssets(deps: { store: AssetStore; files: FileService; logger: Logger }) {
  const { store, files, logger } = deps;

  const recordOf = async (jobId: string, nodeId: string, file: AssetFile, createdAt: number): Promise<AssetRecord | undefined> => {
    const known = await store.jobOutput(jobId, nodeId, file);
    if (known !== undefined) return known;
    const real = await files.locate(file);
    if (real === undefined) {
      logger.debug({ jobId, nodeId, file }, 'output not held by the gateway; not listed as an asset');
      return undefined;
    }
    const [stat, hash] = await Promise.all([fsp.stat(real), blake3File(real)]);
    const contentType = contentTypeOf(file.name);
    return store.insert({
      id: randomUUID(),
      hash,
      sizeBytes: stat.size,
      contentType,
      filePath: [file.subfolder, file.name].filter((part) => part !== '').join('/'),
      tags: ['output'],
      file,
      jobId,
      nodeId,
      createdAt,
      expiresAt: null,
    });
  };

  return {
    /** The v2 outputs of ComfyUI's outputs object (node id → {images: [...], ...}), in node order. */
    list: async (jobId: string, outputs: Readonly<Record<string, unknown>>, createdAt: number): Promise<OutputJson[]> => {
      const listed: OutputJson[] = [];
      for (const [nodeId, node] of Object.entries(outputs)) {
        if (typeof node !== 'object' || node === null) continue;
        for (const items of Object.values(node as Record<string, unknown>)) {
          if (!Array.isArray(items)) continue;
          for (const item of items) {
            const file = fileOf(item);
            const record = file === undefined ? undefined : await recordOf(jobId, nodeId, file, createdAt);
            if (record === undefined || file === undefined) continue;
            listed.push({
              node_id: nodeId,
              name: file.name,
              type: kindOf(record.contentType, file.name),
              content_type: record.contentType,
              size_bytes: record.sizeBytes,
              id: record.id,
              hash: record.hash,
              url: `/api/v2/assets/${record.id}/content`,
              url_expires_at: NEVER,
              job_id: jobId,
            });
          }
        }
      }
      return listed;
    },
  };
}

export type OutputAssets = ReturnType<typeof createOutputAssets>;
