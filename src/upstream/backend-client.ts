import { Pool, errors as undiciErrors } from 'undici';
import { parseExactJson, stringifyExactJson } from '../json.js';
import { upstreamConnector } from './connector.js';
import { AppError, backendTimeout, backendUnavailable } from '../errors.js';
import { messageOf } from '../values.js';

/** A ComfyUI backend's identity: what every upstream module needs to reach it. */
export interface BackendRef {
  readonly name: string;
  readonly url: string;
}

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
}

/** ComfyUI's history entry as /history/{id} returns it. */
export interface UpstreamHistoryEntry {
  readonly prompt?: unknown;
  readonly outputs?: Record<string, Record<string, unknown>>;
  readonly status?: { status_str?: string; completed?: boolean; messages?: unknown[] };
  readonly meta?: Record<string, unknown>;
}

export interface UpstreamQueue {
  readonly running: readonly string[];
  readonly pending: readonly string[];
}

export interface BackendClient {
  readonly backend: BackendRef;
  /** POST /prompt; answers ComfyUI's status and body (a 400 is an answer, not an error). */
  submitPrompt(body: Readonly<Record<string, unknown>>): Promise<JsonResponse>;
  /** The entry for one prompt, or undefined when the backend does not know it (yet). */
  history(promptId: string): Promise<UpstreamHistoryEntry | undefined>;
  deleteHistory(promptIds: readonly string[]): Promise<void>;
  /** Prompt ids running and pending on the backend. */
  queue(): Promise<UpstreamQueue>;
  interrupt(promptId?: string): Promise<void>;
  /** POST /queue {delete}: drop prompts still waiting in the backend's own queue. */
  deletePending(promptIds: readonly string[]): Promise<void>;
  objectInfo(): Promise<Record<string, unknown>>;
  /** GET /object_info/{class}: one class as the backend reports it now (its combos re-scanned). */
  nodeInfo(classType: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  systemStats(): Promise<Record<string, unknown>>;
  /** GET /node_replacements (ComfyUI 0.14+): old class → registered successors. */
  nodeReplacements(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * JSON calls to one ComfyUI backend over a keep-alive pool. Network failures become AppErrors
 * here (502 unreachable, 504 timeout), so callers never see a raw socket error.
 */
export function createBackendClient(backend: BackendRef, options: { timeoutMs?: number } = {}): BackendClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  // A backend may live under a path (behind a reverse proxy): the pool takes the origin only.
  const base = new URL(backend.url);
  const prefix = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, { connections: 8, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connect: upstreamConnector({ timeout: 5_000 }) });

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown, timeout = timeoutMs): Promise<JsonResponse> => {
    try {
      const response = await pool.request({
        method,
        path: prefix + path,
        headersTimeout: timeout,
        bodyTimeout: timeout,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body !== undefined && { body: stringifyExactJson(body) }),
      });
      const text = await response.body.text();
      return { status: response.statusCode, body: parseJson(text) };
    } catch (err) {
      throw toUpstreamError(backend, err);
    }
  };
  const expectOk = async (method: 'GET' | 'POST', path: string, body?: unknown, timeout?: number): Promise<unknown> => {
    const response = await call(method, path, body, timeout);
    if (response.status !== 200) {
      throw backendUnavailable(backend.name, `${method} ${path} answered ${response.status}`);
    }
    return response.body;
  };

  return {
    backend,
    submitPrompt: (body) => call('POST', '/prompt', body),
    history: async (promptId) => {
      const body = (await expectOk('GET', `/history/${encodeURIComponent(promptId)}`)) as Record<string, UpstreamHistoryEntry> | null;
      return body?.[promptId];
    },
    deleteHistory: async (promptIds) => void (await expectOk('POST', '/history', { delete: promptIds })),
    queue: async () => {
      const body = (await expectOk('GET', '/queue')) as { queue_running?: unknown[][]; queue_pending?: unknown[][] } | null;
      const ids = (rows: unknown[][] | undefined): string[] => (rows ?? []).map((row) => String(row[1]));
      return { running: ids(body?.queue_running), pending: ids(body?.queue_pending) };
    },
    interrupt: async (promptId) => void (await expectOk('POST', '/interrupt', promptId === undefined ? {} : { prompt_id: promptId })),
    deletePending: async (promptIds) => void (await expectOk('POST', '/queue', { delete: promptIds })),
    objectInfo: async () => (await expectOk('GET', '/object_info')) as Record<string, unknown>,
    nodeInfo: async (classType, timeout) =>
      (await expectOk('GET', `/object_info/${encodeURIComponent(classType)}`, undefined, timeout)) as Record<string, unknown>,
    systemStats: async () => (await expectOk('GET', '/system_stats')) as Record<string, unknown>,
    nodeReplacements: async () => expectOk('GET', '/node_replacements'),
    close: async () => pool.close(),
  };
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return parseExactJson(text);
  } catch {
    return text;
  }
}

/** Socket and timeout failures from undici → the AppError the client of the gateway sees. */
export function toUpstreamError(backend: BackendRef, err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = messageOf(err);
  if (
    err instanceof undiciErrors.ConnectTimeoutError ||
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError
  ) {
    return backendTimeout(backend.name, message);
  }
  return backendUnavailable(backend.name, message);
}
