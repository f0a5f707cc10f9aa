import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { backendUnavailable } from '../errors.js';
import { messageOf } from '../values.js';
import type { FileType } from './paths.js';

/** A ComfyUI backend as the files module needs it. */
export interface BackendRef {
  readonly name: string;
  /** Base URL without a trailing slash. */
  readonly url: string;
}

export interface BackendUpload {
  readonly type: FileType;
  readonly subfolder: string;
  readonly name: string;
  readonly size: number;
  readonly contentType: string;
  readonly body: () => Readable;
}

const TIMEOUTS = { headersTimeout: 60_000, bodyTimeout: 60_000 } as const;

/**
 * POST /upload/image with overwrite=true, the file streamed from disk inside a hand-built
 * multipart body whose length is known up front. Resolves with the name the backend answered;
 * any failure is a backendUnavailable, so a queue can retry later.
 */
export async function uploadToBackend(backend: BackendRef, upload: BackendUpload): Promise<string> {
  const boundary = `----automa${randomUUID().replaceAll('-', '')}`;
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    field('overwrite', 'true') +
      field('type', upload.type) +
      field('subfolder', upload.subfolder) +
      `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${quoteFilename(upload.name)}"\r\n` +
      `Content-Type: ${upload.contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const body = Readable.from(
    (async function* () {
      yield head;
      yield* upload.body();
      yield tail;
    })(),
  );
  let response: Dispatcher.ResponseData;
  try {
    response = await request(`${backend.url}/upload/image`, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + upload.size + tail.length),
      },
      body,
      ...TIMEOUTS,
    });
  } catch (error) {
    body.destroy();
    throw backendUnavailable(backend.name, `POST /upload/image failed: ${messageOf(error)}`);
  }
  const text = await response.body.text().catch(() => '');
  if (response.statusCode !== 200) {
    throw backendUnavailable(backend.name, `POST /upload/image answered ${response.statusCode}: ${text.slice(0, 200)}`);
  }
  try {
    const answer = JSON.parse(text) as { name?: unknown };
    if (typeof answer.name === 'string') return answer.name;
  } catch {
    // fall through: a 200 without ComfyUI's body
  }
  throw backendUnavailable(backend.name, `POST /upload/image answered 200 without a name: ${text.slice(0, 200)}`);
}

/** GET /view on a backend; the caller consumes or dumps the body. Connection failures become backendUnavailable. */
export async function viewOnBackend(backend: BackendRef, query: Record<string, string>): Promise<Dispatcher.ResponseData> {
  try {
    return await request(`${backend.url}/view?${new URLSearchParams(query).toString()}`, { method: 'GET', ...TIMEOUTS });
  } catch (error) {
    throw backendUnavailable(backend.name, `GET /view failed: ${messageOf(error)}`);
  }
}

// The HTML form encoding browsers use for names in multipart headers: quotes and line breaks
// percent-encoded, everything else (UTF-8 included) sent as is, which aiohttp reads back.
const quoteFilename = (name: string): string => name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

