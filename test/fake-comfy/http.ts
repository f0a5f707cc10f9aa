/**
 * Replies shaped like aiohttp's: JSON written by Python's json.dumps, bare responses with
 * `application/octet-stream` and no body, and aiohttp's text pages for 404/405/413/500.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { parseJson, PyFloat, stringifyPython, type JsonValue } from '../../src/upstream/protocol/index.js';

export interface Reply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | string;
}

export interface RequestContext {
  readonly method: string;
  /** Path without the /api prefix. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** Path parameters of the matched route. */
  readonly params: Readonly<Record<string, string>>;
  /** The whole body; rejects with BodyTooLarge past the upload cap. */
  body(): Promise<Buffer>;
}

export const json = (value: unknown, status = 200): Reply => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: stringifyPython(value),
});

/** aiohttp's `web.Response(status=…)`: no body, octet-stream. */
export const empty = (status = 200): Reply => ({ status, headers: { 'content-type': 'application/octet-stream' }, body: '' });

export const text = (status: number, body: string, contentType = 'text/plain; charset=utf-8'): Reply => ({
  status,
  headers: { 'content-type': contentType },
  body,
});

export const serverError = (): Reply => text(500, '500 Internal Server Error\n\nServer got itself in trouble');
export const notFound = (): Reply => text(404, '404: Not Found');
export const methodNotAllowed = (allowed: readonly string[]): Reply => ({
  ...text(405, '405: Method Not Allowed'),
  headers: { 'content-type': 'text/plain; charset=utf-8', allow: allowed.join(',') },
});

export class BodyTooLarge extends Error {
  constructor(
    readonly limit: number,
    readonly actual: number,
  ) {
    super(`Maximum request body size ${limit} exceeded, actual body size ${actual}`);
  }
}

export const tooLarge = (error: BodyTooLarge): Reply => text(413, error.message);

/** Read a request body, failing once it passes `limit` bytes. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    request.on('end', () => (size > limit ? reject(new BodyTooLarge(limit, size)) : resolve(Buffer.concat(chunks))));
    request.on('error', reject);
  });
}

/** aiohttp's request.json(): Python's json.loads over the body (floats stay floats); malformed JSON throws (→ 500). */
export async function readJson(ctx: RequestContext): Promise<JsonValue> {
  return parseJson((await ctx.body()).toString('utf8'), { keepFloats: true });
}

export const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof PyFloat);

/** Python truthiness of a JSON value (`if json_data["clear"]:`). */
export const pyTruthy = (value: unknown): boolean =>
  value instanceof PyFloat ? value.value !== 0 :
  value !== null && value !== undefined && value !== false && value !== 0 && value !== '' &&
  !(Array.isArray(value) && value.length === 0) && !(isObject(value) && Object.keys(value).length === 0);
