import path from 'node:path';
import type { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import send from '@fastify/send';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { bodyTooLarge, invalidV2Field, isAppError, notFound, rangeNotSatisfiable } from '../../errors.js';
import { BLAKE3_HASH, safeFileHeaders, type FileService, type StagedFile } from '../../files/index.js';
import { assetJson, checkExpiresIn, checkTags, type AssetJson, type Assets } from './assets.js';
import { idempotencyKeyOf } from './idempotency.js';
import { originOf } from './jobs.js';

const FIELD_BYTES = 64 * 1024;
const CONTENT_TYPE = /^[\w.+-]+\/[\w.+-]+(;.*)?$/;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const absolute = (asset: AssetJson, request: FastifyRequest): AssetJson => ({ ...asset, url: originOf(request) + asset.url });

interface AssetForm {
  readonly staged: StagedFile | undefined;
  readonly fields: Map<string, string[]>;
}

/** The multipart upload: the `file` part staged (hashed on the way), every text field kept; any order. */
async function readForm(request: FastifyRequest, files: FileService): Promise<AssetForm> {
  if (!request.isMultipart()) throw invalidV2Field('body', 'must be multipart/form-data with the parts file, content_type and file_path');
  const fields = new Map<string, string[]>();
  let staged: StagedFile | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || staged !== undefined) throw invalidV2Field(part.fieldname, 'only one file part, named "file", is accepted');
        staged = await files.stage(part.file);
        if (part.file.truncated) throw bodyTooLarge(files.maxUploadBytes);
      } else {
        if (part.valueTruncated) throw invalidV2Field(part.fieldname, `is longer than ${FIELD_BYTES} bytes`);
        fields.set(part.fieldname, [...(fields.get(part.fieldname) ?? []), String(part.value)]);
      }
    }
  } catch (error) {
    if (staged) await files.discard(staged);
    if (isAppError(error)) throw error;
    const status = (error as { statusCode?: unknown }).statusCode;
    if (status === 413) throw bodyTooLarge(files.maxUploadBytes);
    throw invalidV2Field('body', `is not a readable multipart form (${(error as Error).message})`);
  }
  return { staged, fields };
}

/** Assets: upload, from-hash, HEAD by hash, get, content (with Range), delete. */
export function registerAssetRoutes(app: FastifyInstance, deps: { assets: Assets; files: FileService }): void {
  const { assets, files } = deps;
  void app.register(async (scope) => {
    await scope.register(multipart, {
      throwFileSizeLimit: false,
      limits: { fileSize: files.maxUploadBytes, fieldSize: FIELD_BYTES, fields: 100, files: 1, parts: 120, headerPairs: 100 },
    });
    scope.post('/api/v2/assets', async (request, reply) => {
      const key = idempotencyKeyOf(request.headers['idempotency-key']);
      if (typeof key === 'object') throw invalidV2Field('Idempotency-Key', key.problem);
      const { staged, fields } = await readForm(request, files);
      try {
        const one = (name: string) => fields.get(name)?.[0];
        const contentType = one('content_type');
        const filePath = one('file_path');
        const expectedHash = one('expected_hash');
        if (staged === undefined) throw invalidV2Field('file', 'is required: the bytes, as a file part');
        if (contentType === undefined || !CONTENT_TYPE.test(contentType)) throw invalidV2Field('content_type', 'is required: a media type such as image/png');
        if (filePath === undefined || filePath === '' || filePath.length > 1024 || filePath.includes('\0')) {
          throw invalidV2Field('file_path', 'is required: a file name or relative path of at most 1024 characters');
        }
        if (expectedHash !== undefined && !BLAKE3_HASH.test(expectedHash)) throw invalidV2Field('expected_hash', 'must be blake3:<64 lowercase hex digits>');
        checkExpiresIn(one('expires_in'));
        const tags = checkTags(fields.get('tags'));
        const { asset, created } = await assets.upload({ staged, contentType, filePath, expectedHash, tags, idempotencyKey: key });
        return reply.code(created ? 201 : 200).send(absolute(assetJson(asset, created), request));
      } finally {
        if (staged) await files.discard(staged);
      }
    });
  });

  app.post('/api/v2/assets/from-hash', async (request, reply) => {
    const body = request.body;
    if (!isRecord(body)) throw invalidV2Field('body', 'must be a JSON object with a "hash" field');
    if (typeof body.hash !== 'string' || body.hash === '') throw invalidV2Field('hash', 'is required: blake3:<hex>');
    if (body.file_path !== undefined && (typeof body.file_path !== 'string' || body.file_path.length > 1024)) throw invalidV2Field('file_path', 'must be a string of at most 1024 characters');
    checkExpiresIn(body.expires_in);
    const tags = checkTags(body.tags);
    const { asset, created } = await assets.fromHash({ hash: body.hash, filePath: body.file_path as string | undefined, tags });
    return reply.code(created ? 201 : 200).send(absolute(assetJson(asset, false), request));
  });

  app.head('/api/v2/assets/by-hash/:hash', async (request, reply) => {
    const { hash } = request.params as { hash: string };
    return reply.code((await assets.has(hash)) ? 200 : 404).send();
  });

  app.get('/api/v2/assets/:id', async (request) => {
    const { id } = request.params as { id: string };
    const asset = await assets.get(id);
    if (asset === undefined) throw notFound('Asset', id);
    return absolute(assetJson(asset), request);
  });

  app.delete('/api/v2/assets/:id', async (request, reply) => {
    await assets.remove((request.params as { id: string }).id);
    return reply.code(204).send();
  });

  app.get('/api/v2/assets/:id/content', async (request, reply) => {
    const { asset, file } = await assets.contentPath((request.params as { id: string }).id);
    // @fastify/send answers Range (206/416), conditional requests and ETag from the file itself.
    const sent = await send(request.raw, `/${encodeURIComponent(path.basename(file))}`, {
      root: path.dirname(file),
      dotfiles: 'allow',
      index: false,
      cacheControl: false,
      contentType: false,
    });
    if (sent.type === 'error') {
      if (sent.statusCode === 416) throw rangeNotSatisfiable(sent.headers['content-range'] ?? '');
      if (sent.statusCode === 404) throw notFound('Asset', asset.id);
      throw sent.metadata.error;
    }
    if (sent.type !== 'file') throw notFound('Asset', asset.id);
    const name = path.basename(asset.filePath ?? asset.file.name);
    return reply.code(sent.statusCode).headers(sent.headers).headers(safeFileHeaders(name, asset.contentType)).send(sent.stream as Readable);
  });
}
