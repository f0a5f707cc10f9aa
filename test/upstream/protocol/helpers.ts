/** Recorded ComfyUI data for the protocol unit tests. */
import fs from 'node:fs';
import path from 'node:path';
import type { ObjectInfo } from '../../../src/upstream/protocol/index.js';
import { loadRecordedObjectInfo, RECORDINGS_DIR } from '../../fake-comfy/recordings.js';

/** The recorded /object_info (650 KB: load it once per test file). */
export function recordedObjectInfo(): ObjectInfo {
  return loadRecordedObjectInfo();
}

export function recordedExchanges(file: string, dir = RECORDINGS_DIR): Array<{
  note?: string;
  method: string;
  url: string;
  request: { body: { kind: string; value?: unknown } | null; headers: Record<string, string> };
  response: { status: number; body: unknown; headers: Record<string, string> };
}> {
  return (JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { exchanges: [] }).exchanges;
}

export function recordedEvents(file: string): Array<Record<string, unknown>> {
  return fs
    .readFileSync(path.join(RECORDINGS_DIR, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .slice(1)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
