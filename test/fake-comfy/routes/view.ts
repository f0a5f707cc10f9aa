/**
 * GET /view (server.py view_image of 0.8.0): no filename → 404; "[output]"-style annotations;
 * a leading "/" or ".." in the name → 400; an unknown type → 400; a subfolder escaping the folder
 * → 403; the name reduced to its basename; then the file as is, a webp/jpeg preview, or its rgb
 * or alpha channel as PNG. HTML, JS and CSS are sent as application/octet-stream.
 * 0.33.0 hardens the plain file answer: `nosniff` always, and active content (HTML, JS, CSS,
 * SVG, XML) as an `attachment` that is never stored, except an SVG an <img> asks for
 * (Sec-Fetch-Dest: image), which stays inline as image/svg+xml.
 */
import fs from 'node:fs';
import path from 'node:path';
import { route, type Route } from '../context.js';
import { annotatedFilepath, dirForType, guessMimeType, isInside } from '../files.js';
import { empty, type Reply } from '../http.js';
import { alphaChannel, previewImage, rgbChannels } from '../images.js';

const FORCE_DOWNLOAD = new Set(['text/html', 'text/html-sandboxed', 'application/xhtml+xml', 'text/javascript', 'text/css']);
const ACTIVE_0_33 = new Set([...FORCE_DOWNLOAD, 'image/svg+xml', 'application/xml', 'text/xml']);

const image = (body: Buffer, type: string, filename: string): Reply => ({
  status: 200,
  headers: { 'content-type': type, 'content-disposition': `filename="${filename}"` },
  body,
});

export const viewRoutes: readonly Route[] = [
  route('GET', '/view', async (fake, req) => {
    const q = req.query;
    const requested = q.get('filename');
    if (requested === null) return empty(404);
    const annotated = annotatedFilepath(requested);
    if (!annotated.name) return empty(400);
    if (annotated.name.startsWith('/') || annotated.name.includes('..')) return empty(400);
    let dir = annotated.type ? fake.dirs[annotated.type] : dirForType(fake.dirs, q.get('type') ?? 'output');
    if (dir === undefined) return empty(400);
    const subfolder = q.get('subfolder');
    if (subfolder !== null) {
      const full = path.join(dir, subfolder);
      if (!isInside(dir, full) || path.isAbsolute(subfolder)) return empty(403);
      dir = full;
    }
    const filename = path.basename(annotated.name);
    const file = path.join(dir, filename);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return empty(404);
    const channel = q.get('channel') ?? 'rgba';
    const preview = q.get('preview');
    if (preview !== null) {
      const parts = preview.split(';');
      const format = parts[0] === 'jpeg' && !(q.get('channel') ?? '').includes('a') ? 'jpeg' : 'webp';
      const last = parts.at(-1) ?? '';
      const quality = /^\d+$/.test(last) ? Number(last) : 90;
      const body = await previewImage(file, format, Math.min(quality, 100), format === 'jpeg' || channel === 'rgb');
      return image(body, `image/${format}`, filename);
    }
    if (channel === 'rgb') return image(await rgbChannels(file), 'image/png', filename);
    if (channel === 'a') return image(await alphaChannel(file), 'image/png', filename);
    let type = guessMimeType(filename) ?? 'application/octet-stream';
    const lastModified = fs.statSync(file).mtime.toUTCString();
    if (fake.version !== '0.8.0') {
      const headers: Record<string, string> = { 'x-content-type-options': 'nosniff', 'last-modified': lastModified };
      let disposition = `filename="${filename}"`;
      if (ACTIVE_0_33.has(type)) {
        Object.assign(headers, { vary: 'Sec-Fetch-Dest', 'cache-control': 'no-store' });
        if (!(type === 'image/svg+xml' && req.headers['sec-fetch-dest'] === 'image')) {
          type = 'application/octet-stream';
          disposition = `attachment; ${disposition}`;
        }
      }
      return { status: 200, headers: { ...headers, 'content-disposition': disposition, 'content-type': type }, body: fs.readFileSync(file) };
    }
    if (FORCE_DOWNLOAD.has(type)) type = 'application/octet-stream';
    return {
      status: 200,
      headers: { 'content-type': type, 'content-disposition': `filename="${filename}"`, 'last-modified': lastModified },
      body: fs.readFileSync(file),
    };
  }),
];
