import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FieldProblem } from '../errors.js';
import { loadSharp, type FileService } from '../files/index.js';
import type { AppInput } from './types.js';

/** What image inputs need of the files module: the same upload path as POST /upload/image. */
export type ImageFiles = Pick<FileService, 'holds' | 'stage' | 'discard' | 'uploadImage' | 'maxUploadBytes'>;

const DATA_URL = /^data:image\/([a-z0-9.+-]+);base64,/i;

/**
 * An image input is the name of an input image (one we hold, or one a backend lists) or a base64
 * data URL, which is stored as an upload (named by its content, so sending it again reuses it)
 * and replaced by that name. Returns the values with names in place, or the problems found.
 */
export async function resolveImageValues(
  inputs: readonly AppInput[],
  values: Readonly<Record<string, unknown>>,
  files: ImageFiles,
  field: (name: string) => string,
): Promise<{ values: Record<string, unknown>; problems: FieldProblem[] }> {
  const out: Record<string, unknown> = { ...values };
  const problems: FieldProblem[] = [];
  for (const input of inputs) {
    const value = values[input.name];
    if (input.type !== 'image' || typeof value !== 'string') continue;
    const result = DATA_URL.test(value) ? await storeDataUrl(value, files) : await checkName(value, input, files);
    if ('problem' in result) problems.push({ field: field(input.name), reason: result.problem });
    else out[input.name] = result.name;
  }
  return { values: out, problems };
}

async function checkName(name: string, input: AppInput, files: ImageFiles): Promise<{ name: string } | { problem: string }> {
  if ((input.choices ?? []).some((c) => c.value === name) || (await files.holds(name))) return { name };
  return { problem: `no input image is named ${JSON.stringify(name.slice(0, 200))}; upload it (POST /upload/image) or send a data URL` };
}

async function storeDataUrl(value: string, files: ImageFiles): Promise<{ name: string } | { problem: string }> {
  const bytes = Buffer.from(value.slice(value.indexOf(',') + 1), 'base64');
  if (bytes.length > files.maxUploadBytes) return { problem: `the image is larger than --max-upload-size (${files.maxUploadBytes} bytes)` };
  let format: string | undefined;
  try {
    const sharp = await loadSharp();
    format = (await sharp(bytes).metadata()).format;
  } catch {
    return { problem: 'the data URL does not hold an image that can be read' };
  }
  const extension = format === 'jpeg' ? 'jpg' : (format ?? 'png');
  const filename = `automa-${createHash('sha256').update(bytes).digest('hex').slice(0, 20)}.${extension}`;
  const staged = await files.stage(Readable.from([bytes]));
  try {
    const stored = await files.uploadImage({ image: { staged, filename }, type: 'input' });
    return { name: stored.subfolder === '' ? stored.name : `${stored.subfolder}/${stored.name}` };
  } finally {
    await files.discard(staged);
  }
}
