/**
 * What /view says a file is. Types follow Python's mimetypes, which is what ComfyUI answers with;
 * anything a browser would execute or render as a document is sent as a download instead.
 */

const TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  avif: 'image/avif',
  ico: 'image/vnd.microsoft.icon',
  svg: 'image/svg+xml',
  exr: 'image/x-exr',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
  mkv: 'video/x-matroska',
  avi: 'video/x-msvideo',
  mp3: 'audio/mpeg',
  wav: 'audio/x-wav',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  opus: 'audio/opus',
  m4a: 'audio/mp4',
  aac: 'audio/aac',
  glb: 'model/gltf-binary',
  gltf: 'model/gltf+json',
  obj: 'model/obj',
  stl: 'model/stl',
  ply: 'application/octet-stream',
  fbx: 'application/octet-stream',
  txt: 'text/plain',
  csv: 'text/csv',
  md: 'text/markdown',
  json: 'application/json',
  pdf: 'application/pdf',
  zip: 'application/zip',
  html: 'text/html',
  htm: 'text/html',
  xhtml: 'application/xhtml+xml',
  xml: 'text/xml',
  js: 'text/javascript',
  mjs: 'text/javascript',
  css: 'text/css',
};

// Documents and scripts: opened in a tab they would run with our origin's rights.
const ACTIVE = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'text/javascript',
  'text/css',
  'application/pdf',
]);

export function contentTypeOf(name: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot === -1 ? '' : name.slice(dot + 1).toLowerCase();
  return TYPES[ext] ?? 'application/octet-stream';
}

export const isActiveType = (contentType: string): boolean => ACTIVE.has(contentType.split(';')[0]?.trim().toLowerCase() ?? '');

/**
 * Headers for a file sent to a browser, as ComfyUI 0.33 sends them: inline files get ComfyUI's
 * exact `filename="…"`; active types become an opaque, never stored download, except an SVG
 * that an <img> asks for (`Sec-Fetch-Dest: image`, which runs no script), kept inline as
 * image/svg+xml; the answer then varies on Sec-Fetch-Dest. Every answer carries nosniff.
 */
export function safeFileHeaders(name: string, contentType: string, fetchDest?: string): Record<string, string> {
  const active = isActiveType(contentType);
  const headers: Record<string, string> = { 'content-type': contentType, 'content-disposition': dispositionFilename(name), 'x-content-type-options': 'nosniff' };
  if (!active) return headers;
  headers['vary'] = 'Sec-Fetch-Dest';
  headers['cache-control'] = 'no-store';
  headers['content-security-policy'] = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
  if (contentType.startsWith('image/svg+xml') && fetchDest === 'image') return headers;
  headers['content-type'] = 'application/octet-stream';
  headers['content-disposition'] = `attachment; ${dispositionFilename(name)}`;
  return headers;
}

/** `filename="x.png"`, with an RFC 6266 `filename*` when the name is not plain ASCII. */
export function dispositionFilename(name: string): string {
  if (/^[\x20-\x7e]*$/.test(name) && !/["\\]/.test(name)) return `filename="${name}"`;
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
