/**
 * Access to the recorded real-ComfyUI traffic in ../shared/comfyui-recordings: the fake serves
 * the recorded /object_info, and the comparison suite replays the scenarios.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJson, type ObjectInfo } from '../../src/upstream/protocol/index.js';

/** Where the recordings live; AUTOMA_COMFY_RECORDINGS overrides (tests only, never the service). */
export const RECORDINGS_DIR =
  process.env['AUTOMA_COMFY_RECORDINGS'] ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/comfyui-recordings');

/** The recordings of one ComfyUI version: 0.8.0 at the top, newer ones in a folder named after them. */
export function recordingsDirFor(version: string): string {
  return version === '0.8.0' ? RECORDINGS_DIR : path.join(RECORDINGS_DIR, version);
}

/** The recorded GET /object_info body (446 classes), big ints exact and floats kept as floats. */
export function loadRecordedObjectInfo(dir = RECORDINGS_DIR): ObjectInfo {
  const file = parseJson(fs.readFileSync(path.join(dir, 'object_info_full.json'), 'utf8'), { keepFloats: true }) as {
    exchanges: Array<{ response: { body: ObjectInfo } }>;
  };
  const body = file.exchanges[0]?.response.body;
  if (!body) throw new Error(`no /object_info body in ${dir}/object_info_full.json`);
  return body;
}

/** The recorded GET /node_replacements body (0.14+; the first exchange of node_replacements.json). */
export function loadRecordedNodeReplacements(dir: string): unknown {
  const file = JSON.parse(fs.readFileSync(path.join(dir, 'node_replacements.json'), 'utf8')) as {
    exchanges: Array<{ path: string; response: { body: unknown } }>;
  };
  return file.exchanges.find((e) => e.path === '/node_replacements')?.response.body ?? {};
}

/** A subset of an object_info by class name; unknown names are an error, to catch typos. */
export function pickNodeClasses(objectInfo: ObjectInfo, classes: readonly string[]): ObjectInfo {
  const missing = classes.filter((name) => !Object.hasOwn(objectInfo, name));
  if (missing.length > 0) throw new Error(`unknown node classes: ${missing.join(', ')}`);
  return Object.fromEntries(classes.map((name) => [name, objectInfo[name]!]));
}
