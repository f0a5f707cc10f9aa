/**
 * One recorded HTTP exchange against the fake's answer: same status, same content-type (and the
 * presence of content-disposition / cache-control), and a body of the same kind: JSON of the
 * same shape (or equal, for deterministic answers), the same text for error pages, images of
 * the same format and size, no body where ComfyUI sent none.
 */
import { isDeepStrictEqual } from 'node:util';
import sharp from 'sharp';
import { parseJson } from '../../../src/upstream/protocol/index.js';
import type { ActualResponse } from './http-client.js';
import type { RecordedExchange } from './recording.js';
import { shapeDiff } from './shape.js';

export interface CompareOptions {
  /** Compare JSON and text bodies for equality, not just shape. */
  readonly exact: boolean;
}

const normalize = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));

function magic(bytes: Buffer): string {
  if (bytes.subarray(0, 8).toString('hex') === '89504e470d0a1a0a') return 'png';
  if (bytes.subarray(0, 3).toString('hex') === 'ffd8ff') return 'jpeg';
  if (bytes.subarray(0, 4).toString() === 'RIFF' && bytes.subarray(8, 12).toString() === 'WEBP') return 'webp';
  return 'other';
}

async function imageDiff(recorded: Buffer, actual: Buffer): Promise<string[]> {
  const [want, got] = [magic(recorded), magic(actual)];
  if (want !== got) return [`body: expected a ${want} file, got ${got}`];
  if (want === 'other') return recorded.equals(actual) ? [] : ['body: bytes differ'];
  const [a, b] = await Promise.all([sharp(recorded).metadata(), sharp(actual).metadata()]);
  if (a.width !== b.width || a.height !== b.height) return [`image: expected ${a.width}x${a.height}, got ${b.width}x${b.height}`];
  if (a.channels !== b.channels) return [`image: expected ${a.channels} channels, got ${b.channels}`];
  return [];
}

export async function compareExchange(exchange: RecordedExchange, actual: ActualResponse, options: CompareOptions): Promise<string[]> {
  const rec = exchange.response;
  const diffs: string[] = [];
  if (actual.status !== rec.status) diffs.push(`status: expected ${rec.status}, got ${actual.status}`);
  const wantType = rec.headers['content-type'];
  if (wantType !== undefined && actual.headers['content-type'] !== wantType) {
    diffs.push(`content-type: expected ${wantType}, got ${actual.headers['content-type']}`);
  }
  for (const header of ['content-disposition', 'cache-control']) {
    if ((rec.headers[header] !== undefined) !== (actual.headers[header] !== undefined)) {
      diffs.push(`${header}: expected ${rec.headers[header] ?? 'none'}, got ${actual.headers[header] ?? 'none'}`);
    }
  }
  // Only some recordings kept these (0.33.0's view and userdata scenarios): checked where they did.
  for (const header of ['x-content-type-options', 'vary']) {
    const want = rec.headers[header];
    if (want !== undefined && actual.headers[header] !== want) diffs.push(`${header}: expected ${want}, got ${actual.headers[header] ?? 'none'}`);
  }
  const attachment = (value: string | undefined): boolean => value?.startsWith('attachment') ?? false;
  if (attachment(rec.headers['content-disposition']) !== attachment(actual.headers['content-disposition'])) {
    diffs.push(`content-disposition: expected ${rec.headers['content-disposition']}, got ${actual.headers['content-disposition'] ?? 'none'}`);
  }
  if (diffs.length > 0) return diffs;
  const text = actual.body.toString('utf8');
  switch (rec.body_kind) {
    case 'json': {
      let body: unknown;
      try {
        body = parseJson(text);
      } catch {
        return [`body: not JSON: ${text.slice(0, 200)}`];
      }
      if (options.exact || rec.status >= 400) {
        if (!isDeepStrictEqual(normalize(body), normalize(rec.body))) return [`body: expected ${JSON.stringify(rec.body).slice(0, 400)}, got ${text.slice(0, 400)}`];
        // Equal values written as Python writes them come out the same length, unless the
        // recorder shortened the server's paths inside the body (to /opt/ComfyUI, /srv/comfyui).
        const length = rec.headers['content-length'];
        const rewritten = /\/opt\/ComfyUI|\/srv\/comfyui/.test(JSON.stringify(rec.body));
        if (length === undefined || rewritten || Number(length) === actual.body.length) return [];
        return [`content-length: expected ${length}, got ${actual.body.length}: ${text.slice(0, 300)}`];
      }
      return shapeDiff(rec.body, body).map((d) => `body ${d}`);
    }
    case 'text':
      if ((options.exact || rec.status >= 400) && text !== rec.body) return [`body: expected ${JSON.stringify(rec.body)}, got ${JSON.stringify(text)}`];
      return text.length > 0 ? [] : ['body: empty'];
    case 'base64': {
      const recorded = Buffer.from(String(rec.body), 'base64');
      if (options.exact && !recorded.equals(actual.body)) return [`body: expected the recorded ${recorded.length} bytes, got ${actual.body.length}`];
      return imageDiff(recorded, actual.body);
    }
    case 'empty':
      return actual.body.length === 0 ? [] : [`body: expected none, got ${actual.body.length} bytes`];
    case 'omitted':
      return [];
  }
}
