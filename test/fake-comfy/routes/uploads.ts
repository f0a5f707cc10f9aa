/**
 * POST /upload/image and /upload/mask (server.py image_upload). Same name and same bytes reuse
 * the file; different bytes walk "name (1).ext", "(2)"… reusing the first identical one; the
 * overwrite field accepts only "true" or "1". Recorded oddities kept: an "image" part without a
 * filename and an absolute filename are 500s, a missing "image" is a 400; the mask route answers
 * 200 even when it could not find (or refused) the original, and then writes nothing.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseJson } from '../../../src/upstream/protocol/index.js';
import { route, type FakeContext, type Route } from '../context.js';
import { annotatedFilepath, dirForType, isInside } from '../files.js';
import { BodyTooLarge, empty, isObject, json, serverError, type Reply, type RequestContext } from '../http.js';
import { applyMaskAlpha } from '../images.js';
import { fieldText, isFile, parseMultipart, type FilePart, type Form } from '../multipart.js';

type SaveFunction = (image: FilePart, form: Form, target: string) => Promise<void>;

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function imageUpload(fake: FakeContext, form: Form, save?: SaveFunction): Promise<Reply> {
  const image = form.get('image');
  if (image === undefined) return empty(400);
  if (!isFile(image)) return serverError(); // `.file` on a plain value raises
  const type = fieldText(form, 'type') ?? 'input';
  const uploadDir = dirForType(fake.dirs, type);
  if (uploadDir === undefined) return serverError(); // get_dir_by_type leaves type_dir unbound
  let filename = image.filename;
  if (filename.startsWith('/')) return serverError(); // recorded: 500, not 400
  const subfolder = fieldText(form, 'subfolder') ?? '';
  const folder = path.join(uploadDir, path.normalize(subfolder || '.'));
  let target = path.resolve(folder, filename);
  if (!isInside(uploadDir, target) || path.isAbsolute(subfolder)) return empty(400);
  fs.mkdirSync(folder, { recursive: true });
  const overwrite = fieldText(form, 'overwrite');
  let duplicate = false;
  if (overwrite !== 'true' && overwrite !== '1') {
    const { name, ext } = path.parse(filename);
    for (let i = 1; fs.existsSync(target); i++) {
      if (sha256(fs.readFileSync(target)) === sha256(image.data)) {
        duplicate = true;
        break;
      }
      filename = `${name} (${i})${ext}`;
      target = path.join(folder, filename);
    }
  }
  if (!duplicate) {
    if (save) await save(image, form, target);
    else fs.writeFileSync(target, image.data);
  }
  return json({ name: filename, subfolder, type });
}

/** upload_mask's save function: the original with the mask's alpha, or nothing at all. */
function maskSaver(fake: FakeContext): SaveFunction {
  return async (image, form, target) => {
    const ref = parseJson(fieldText(form, 'original_ref') ?? '');
    if (!isObject(ref) || typeof ref['filename'] !== 'string') throw new Error('original_ref without filename');
    const { name, type: annotated } = annotatedFilepath(ref['filename']);
    if (!name || name.startsWith('/') || name.includes('..')) return;
    let dir = annotated ? fake.dirs[annotated] : dirForType(fake.dirs, typeof ref['type'] === 'string' ? ref['type'] : 'output');
    if (dir === undefined) return;
    const subfolder = typeof ref['subfolder'] === 'string' ? ref['subfolder'] : '';
    if (subfolder !== '') {
      const full = path.join(dir, subfolder);
      if (!isInside(dir, full)) return;
      dir = full;
    }
    const original = path.join(dir, name);
    if (fs.existsSync(original) && fs.statSync(original).isFile()) await applyMaskAlpha(original, image.data, target);
  };
}

function upload(kind: 'image' | 'mask') {
  return async (fake: FakeContext, req: RequestContext): Promise<Reply> => {
    let reply: Reply;
    let form: Form | undefined;
    try {
      form = parseMultipart(String(req.headers['content-type'] ?? ''), await req.body());
      reply = await imageUpload(fake, form, kind === 'mask' ? maskSaver(fake) : undefined);
    } catch (error) {
      if (error instanceof BodyTooLarge) throw error;
      reply = serverError();
    }
    const answer = reply.status === 200 ? (JSON.parse(String(reply.body)) as Record<string, string>) : undefined;
    fake.received.uploads.push({
      route: `/upload/${kind}`,
      status: reply.status,
      name: answer?.['name'],
      subfolder: answer?.['subfolder'] ?? (form ? fieldText(form, 'subfolder') : undefined),
      type: answer?.['type'] ?? (form ? fieldText(form, 'type') : undefined),
    });
    return reply;
  };
}

export const uploadRoutes: readonly Route[] = [route('POST', '/upload/image', upload('image')), route('POST', '/upload/mask', upload('mask'))];
