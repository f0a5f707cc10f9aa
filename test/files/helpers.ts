import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

/** One part of a hand-built multipart body: a file when `filename` is given, else a field. */
export interface Part {
  readonly name: string;
  readonly value: string | Buffer;
  readonly filename?: string;
  readonly contentType?: string;
}

/**
 * A multipart/form-data body built byte by byte, so a test controls exactly what a client puts
 * in a file name (`..`, NUL, backslashes) — FormData would escape or refuse some of them.
 */
export function multipart(parts: readonly Part[]): { body: Buffer; contentType: string } {
  const boundary = `----test${randomUUID().replaceAll('-', '')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      part.filename === undefined
        ? `form-data; name="${part.name}"`
        : `form-data; name="${part.name}"; filename="${part.filename}"`;
    const type = part.filename === undefined ? '' : `Content-Type: ${part.contentType ?? 'image/png'}\r\n`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`, 'utf8'));
    chunks.push(Buffer.isBuffer(part.value) ? part.value : Buffer.from(part.value, 'utf8'));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function postForm(url: string, parts: readonly Part[]): Promise<Response> {
  const { body, contentType } = multipart(parts);
  return fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
}

/** A PNG of `width`×`height` filled with one RGBA colour (alpha 0-255). */
export async function solidPng(width: number, height: number, rgba: readonly [number, number, number, number]): Promise<Buffer> {
  const [r, g, b, a] = rgba;
  return sharp({ create: { width, height, channels: 4, background: { r, g, b, alpha: a / 255 } } })
    .png()
    .toBuffer();
}

/** A PNG built from raw RGBA pixels. */
export async function rawPng(width: number, height: number, pixels: Buffer, channels: 3 | 4 = 4): Promise<Buffer> {
  return sharp(pixels, { raw: { width, height, channels } }).png().toBuffer();
}

/** Every regular file under `dir`, relative, '/'-separated, sorted. */
export function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(path.relative(dir, full).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}
