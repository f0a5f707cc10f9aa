/**
 * multipart/form-data as aiohttp's request.post() reads it: a part with a non-empty filename is
 * a file; any other part is a value (text for text/* or untyped parts, bytes otherwise). The
 * difference matters: ComfyUI answers 500 when "image" arrives as a value, 400 when it is absent.
 */

export interface FilePart {
  readonly kind: 'file';
  readonly filename: string;
  readonly contentType: string | undefined;
  readonly data: Buffer;
}

export type FormValue = FilePart | string | Buffer;

/** First value per field name, like MultiDict.get. */
export type Form = ReadonlyMap<string, FormValue>;

export function parseMultipart(contentType: string | undefined, body: Buffer): Form {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) throw new Error('multipart body without boundary');
  const delimiter = Buffer.from(`--${marker}`);
  const form = new Map<string, FormValue>();
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const partStart = start + delimiter.length;
    if (body.subarray(partStart, partStart + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, partStart);
    if (next === -1) break;
    const part = body.subarray(partStart + 2, next - 2); // skip CRLF after delimiter and before the next
    addPart(form, part);
    start = next;
  }
  return form;
}

function addPart(form: Map<string, FormValue>, part: Buffer): void {
  const split = part.indexOf('\r\n\r\n');
  if (split === -1) return;
  const headers = part.subarray(0, split).toString('utf8').split('\r\n');
  const data = part.subarray(split + 4);
  const disposition = headers.find((h) => /^content-disposition:/i.test(h)) ?? '';
  const type = headers.find((h) => /^content-type:/i.test(h))?.replace(/^content-type:\s*/i, '');
  const name = param(disposition, 'name');
  if (name === undefined || form.has(name)) return;
  const filename = param(disposition, 'filename');
  if (filename) form.set(name, { kind: 'file', filename, contentType: type, data: Buffer.from(data) });
  else form.set(name, type === undefined || type.startsWith('text/') ? data.toString('utf8') : Buffer.from(data));
}

function param(disposition: string, key: string): string | undefined {
  const match = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition) ??
    new RegExp(`;\\s*${key}=([^;]*)`, 'i').exec(disposition);
  return match?.[1]?.replace(/\\(.)/g, '$1');
}

export const isFile = (value: FormValue | undefined): value is FilePart =>
  typeof value === 'object' && !Buffer.isBuffer(value) && value.kind === 'file';

/** A text field's value; bytes are decoded; files are not text. */
export function fieldText(form: Form, name: string): string | undefined {
  const value = form.get(name);
  if (value === undefined || isFile(value)) return undefined;
  return typeof value === 'string' ? value : value.toString('utf8');
}
