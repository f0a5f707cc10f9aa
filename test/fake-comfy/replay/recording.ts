/** The recording formats of ../shared/comfyui-recordings (see its README). */
import fs from 'node:fs';
import path from 'node:path';
import { RECORDINGS_DIR } from '../recordings.js';

export interface RecordedRequestBody {
  readonly kind: 'json' | 'multipart' | 'raw_text';
  readonly value?: unknown;
  readonly fields?: ReadonlyArray<{
    readonly name: string;
    readonly value?: string;
    readonly filename?: string;
    readonly content_type?: string;
    readonly data_base64?: string;
  }>;
}

export interface RecordedExchange {
  readonly kind: 'http';
  readonly t: number;
  readonly method: string;
  readonly path: string;
  readonly url: string;
  readonly request: { readonly headers: Readonly<Record<string, string>>; readonly body: RecordedRequestBody | null };
  readonly response: {
    readonly status: number;
    readonly headers: Readonly<Record<string, string>>;
    readonly body_kind: 'json' | 'text' | 'base64' | 'empty' | 'omitted';
    readonly body: unknown;
  };
  readonly elapsed_ms: number;
  readonly note?: string;
}

export interface HttpScenario {
  readonly scenario: string;
  readonly description: string;
  readonly exchanges: readonly RecordedExchange[];
}

export type WsEvent =
  | { readonly kind: 'ws_open'; readonly t: number; readonly client: string; readonly url: string }
  | { readonly kind: 'ws_send'; readonly t: number; readonly client: string; readonly data: unknown }
  | {
      readonly kind: 'ws_recv';
      readonly t: number;
      readonly client: string;
      readonly frame: 'text' | 'binary';
      readonly data?: { readonly type: string; readonly data: unknown };
      readonly event_type?: number;
      readonly decoded?: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'ws_closed' | 'ws_close_by_client'; readonly t: number; readonly client: string }
  | (RecordedExchange & { readonly kind: 'http' });

export interface WsScenario {
  readonly header: {
    readonly scenario: string;
    readonly description: string;
    readonly clients?: Readonly<Record<string, { readonly clientId?: string | null; readonly server_assigned_sid?: string }>>;
  };
  readonly events: readonly WsEvent[];
}

export function recordingFiles(dir = RECORDINGS_DIR): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.json') || name.endsWith('.jsonl'))
    .sort();
}

export function loadHttpScenario(file: string, dir = RECORDINGS_DIR): HttpScenario {
  return JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as HttpScenario;
}

export function loadWsScenario(file: string, dir = RECORDINGS_DIR): WsScenario {
  const lines = fs
    .readFileSync(path.join(dir, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const [header, ...events] = lines;
  return { header: header as unknown as WsScenario['header'], events: events as unknown as WsEvent[] };
}

/** When a recorded HTTP exchange started (its `t` is when the response completed). */
export const startTime = (exchange: RecordedExchange): number => exchange.t - exchange.elapsed_ms / 1000;
