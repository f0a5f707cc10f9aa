import path from 'node:path';
import type { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import send from '@fastify/send';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, bodyTooLarge, isAppError, notFound, rangeNotSatisfiable } from '../../errors.js';
import type { FileService, UploadForm, ViewResult } from '../../files/index.js';
import { docs, media } from '../../route-docs.js';
import { UploadForm as UploadFormSchema, UploadResultSchema, ViewQuery } from '../schemas/gateway.js';

// Form fields are short strings (type, subfolder, overwrite, original_ref JSON).
const FIELD_BYTES = 1024 * 1024;
const FORM_FIELDS = ['type', 'subfolder', 'overwrite', 'original_ref'] as const;

// The form and the query are read as ComfyUI reads them (first value wins, its own refusals).
const UPLOAD_RESPONSES = {
  200: UploadResultSchema,
  400: 'No image in the form, or a type, file name or subfolder that is not allowed',
  413: 'The file is over --max-upload-size',
  500: "The file name is empty or absolute (ComfyUI's status, with a clear body)",
} as const;
const uploadImage = docs('files', 'Upload an image (into input/ unless type says otherwise)', {
  description: 'Same content under the same name keeps that name; other content gets `name (n).ext` unless overwrite is set.',
  described: { body: UploadFormSchema, consumes: ['multipart/form-data'] },
  responses: UPLOAD_RESPONSES,
});
const uploadMask = docs('files', "Upload a mask, applied to original_ref's alpha channel", {
  described: { body: UploadFormSchema, consumes: ['multipart/form-data'] },
  responses: UPLOAD_RESPONSES,
});
const view = docs('files', 'Download a file: an input, an output or a temp preview', {
  description: "Files the gateway holds, else the backends' (an output of a running prompt). Range and conditional requests are supported.",
  described: { querystring: ViewQuery },
  responses: {
    200: media(['image/png', 'image/webp', 'image/jpeg', 'application/octet-stream'], 'The file (or its converted preview)', { type: 'string', format: 'binary' }),
    206: media('application/octet-stream', 'The requested range of the file', { type: 'string', format: 'binary' }),
    304: 'Unchanged since If-None-Match / If-Modified-Since',
    400: 'A type, file name or preview that is not allowed',
    403: 'The subfolder leads outside its folder',
    404: 'No such file (or no filename given)',
    416: 'The range is not satisfiable',
  },
});

/**
 * ComfyUI's file routes, served from our own tree, bare and under /api: POST /upload/image,
 * POST /upload/mask and GET /view. Multipart parsing lives in this plugin only, so no other
 * route accepts form bodies; uploads stream to disk and never sit whole in memory.
 */
export function registerFileRoutes(app: FastifyInstance, deps: { files: FileService }): void {
  const { files } = deps;
  void app.register(async (scope) => {
    await scope.register(multipart, {
      // The file limit is checked by us (truncated → 413), so busboy just stops at the limit.
      throwFileSizeLimit: false,
      // Busboy would cut `../x.png` down to `x.png`; ComfyUI sees the name as sent and refuses it (400).
      preservePath: true,
      limits: { fileSize: files.maxUploadBytes, fieldSize: FIELD_BYTES, fields: 50, files: 10, parts: 100, headerPairs: 100 },
    });
    // ComfyUI answers a body that is not a form with 400 (no image), not 415.
    if (!scope.hasContentTypeParser('*')) scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

    for (const prefix of ['', '/api']) {
      scope.post(`${prefix}/upload/image`, { schema: uploadImage }, async (request) => withForm(request, files, (form) => files.uploadImage(form)));
      scope.post(`${prefix}/upload/mask`, { schema: uploadMask }, async (request) => withForm(request, files, (form) => files.uploadMask(form)));
      scope.get(`${prefix}/view`, { schema: view }, async (request, reply) => {
        const query = request.query as Record<string, string | string[] | undefined>;
        const first = (name: string) => {
          const value = query[name];
          return Array.isArray(value) ? value[0] : value;
        };
        const result = await files.view({
          filename: first('filename'),
          type: first('type'),
          subfolder: first('subfolder'),
          preview: first('preview'),
          channel: first('channel'),
          fetchDest: typeof request.headers['sec-fetch-dest'] === 'string' ? request.headers['sec-fetch-dest'] : undefined,
        });
        return sendView(request, reply, result);
      });
    }
  });
}

/** Read the form, run `store` on it, and drop whatever staged bytes were not kept. */
async function withForm<T>(request: FastifyRequest, files: FileService, store: (form: UploadForm) => Promise<T>): Promise<T> {
  const form = await readForm(request, files);
  try {
    return await store(form);
  } finally {
    if (form.image) await files.discard(form.image.staged);
  }
}

/**
 * The first `image` file streamed to staging, the first value of each known field (aiohttp's
 * MultiDict.get), everything else drained. Field order does not matter: `type` may follow the file.
 */
async function readForm(request: FastifyRequest, files: FileService): Promise<UploadForm> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > files.maxUploadBytes) throw bodyTooLarge(files.maxUploadBytes);
  if (!request.isMultipart()) throw badRequest('An image file is required', 'send multipart/form-data with the file in the field "image"');
  const fields = new Map<string, unknown>();
  let image: UploadForm['image'];
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'image' || image !== undefined) {
          await drain(part.file);
          if (part.file.truncated) throw bodyTooLarge(files.maxUploadBytes);
          continue;
        }
        image = { staged: await files.stage(part.file), filename: part.filename };
        if (part.file.truncated) throw bodyTooLarge(files.maxUploadBytes);
      } else {
        if (part.valueTruncated) throw bodyTooLarge(files.maxUploadBytes);
        if (!fields.has(part.fieldname)) fields.set(part.fieldname, part.value);
      }
    }
  } catch (error) {
    if (image) await files.discard(image.staged);
    throw multipartError(error, files.maxUploadBytes);
  }
  const text = (name: (typeof FORM_FIELDS)[number]) => {
    const value = fields.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  return { image, type: text('type'), subfolder: text('subfolder'), overwrite: text('overwrite'), originalRef: fields.get('original_ref') };
}

async function drain(stream: Readable): Promise<void> {
  for await (const _chunk of stream) {
    // discard
  }
}

/** Multipart limits are 413s with our body; a malformed form is the client's 400. */
function multipartError(error: unknown, maxUploadBytes: number): unknown {
  if (isAppError(error)) return error;
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (statusCode === 413) return bodyTooLarge(maxUploadBytes);
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return badRequest('Malformed multipart body', String((error as Error).message));
  if (error instanceof Error && /multipart|boundary|Unexpected end/i.test(error.message)) return badRequest('Malformed multipart body', error.message);
  return error;
}

async function sendView(request: FastifyRequest, reply: FastifyReply, result: ViewResult): Promise<FastifyReply> {
  if (result.kind !== 'file') return reply.headers(result.headers).send(result.body);
  // @fastify/send adds Range, If-None-Match/If-Modified-Since and ETag handling, like aiohttp's FileResponse.
  const sent = await send(request.raw, `/${encodeURIComponent(path.basename(result.path))}`, {
    root: path.dirname(result.path),
    dotfiles: 'allow',
    index: false,
    cacheControl: false,
    contentType: false,
  });
  if (sent.type === 'error') {
    if (sent.statusCode === 416) throw rangeNotSatisfiable(sent.headers['content-range'] ?? '');
    if (sent.statusCode === 404) throw notFound('File');
    throw sent.metadata.error;
  }
  if (sent.type !== 'file') throw notFound('File');
  return reply.code(sent.statusCode).headers(sent.headers).headers(result.headers).send(sent.stream);
}
