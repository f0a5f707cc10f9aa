/**
 * Re-sends a recorded HTTP request to a fake over a real socket. Recorded prompt ids and
 * server-assigned client ids are swapped for the fake's, and the recorded port (8188) in Origin
 * and Host headers for the fake's port.
 */
import http from 'node:http';
import type { RecordedExchange, RecordedRequestBody } from './recording.js';

export interface Substitutions {
  /** recorded id → the fake's id */
  readonly ids: Map<string, string>;
  readonly port: number;
}

export interface ActualResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

export function substitute(text: string, subs: Substitutions): string {
  let out = text.replace(/:8[12]88\b/g, `:${subs.port}`);
  for (const [recorded, actual] of subs.ids) out = out.replaceAll(recorded, actual);
  return out;
}

function encodeBody(body: RecordedRequestBody | null, contentType: string | undefined, subs: Substitutions): Buffer | undefined {
  if (!body) return undefined;
  if (body.kind === 'json') return Buffer.from(substitute(JSON.stringify(body.value), subs));
  if (body.kind === 'raw_text') return Buffer.from(String(body.value ?? ''));
  const boundary = /boundary=([^;]+)/.exec(contentType ?? '')?.[1] ?? 'boundary';
  const parts: Buffer[] = [];
  for (const field of body.fields ?? []) {
    const disposition = `form-data; name="${field.name}"${field.filename !== undefined ? `; filename="${field.filename}"` : ''}`;
    const type = field.content_type ? `Content-Type: ${field.content_type}\r\n` : '';
    const data = field.data_base64 !== undefined ? Buffer.from(field.data_base64, 'base64') : Buffer.from(field.value ?? '');
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`), data, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(parts);
}

/** Send `exchange`'s request to the fake on `subs.port`. */
export function sendRecorded(exchange: RecordedExchange, subs: Substitutions): Promise<ActualResponse> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(exchange.request.headers)) headers[name.toLowerCase()] = substitute(value, subs);
  const body = encodeBody(exchange.request.body, headers['content-type'], subs);
  if (body) headers['content-length'] = String(body.length);
  return request(exchange.method, substitute(exchange.url, subs), headers, body, subs.port);
}

export function request(
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  port: number,
): Promise<ActualResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const flat: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) flat[name] = String(value);
        resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
