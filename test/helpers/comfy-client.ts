import WebSocket from 'ws';
import { recentServiceLog } from './service-log.js';

/** A JSON frame as ComfyUI sends it. */
export interface Frame {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/**
 * A ComfyUI client written the way ComfyUI's own example scripts are: a WebSocket on
 * /ws?clientId=… plus fetch. It records every frame so tests can wait for and inspect them.
 */
export class ComfyTestClient {
  readonly frames: Frame[] = [];
  readonly binary: Buffer[] = [];
  private readonly waiters: { test: () => boolean; resolve: () => void }[] = [];
  private constructor(
    readonly ws: WebSocket,
    readonly clientId: string,
  ) {
    ws.on('message', (data, isBinary) => {
      const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
      if (isBinary) this.binary.push(buffer);
      else this.frames.push(JSON.parse(buffer.toString('utf8')) as Frame);
      this.check();
    });
    ws.on('close', () => this.check());
  }

  /** Connect to `<baseWs>/ws?clientId=<id>`; sends feature flags first when given. */
  static async connect(baseWs: string, clientId: string | null, flags?: Record<string, unknown>): Promise<ComfyTestClient> {
    const url = clientId === null ? `${baseWs}/ws` : `${baseWs}/ws?clientId=${encodeURIComponent(clientId)}`;
    const ws = new WebSocket(url);
    const client = new ComfyTestClient(ws, clientId ?? '');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    if (flags) ws.send(JSON.stringify({ type: 'feature_flags', data: flags }));
    await client.waitFor(() => client.frames.some((f) => f.type === 'status'));
    return client;
  }

  private check(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.test()) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  /** Resolve once `test` holds (checked on every frame); rejects after `timeoutMs`. */
  waitFor(test: () => boolean, timeoutMs = 15_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out; frames: ${this.frames.map((f) => f.type).join(',')}\nthe service's last log lines:\n${recentServiceLog()}`)),
        timeoutMs,
      );
      this.waiters.push({
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Wait for `executing {node: null, prompt_id}`: the prompt is done and its history written. */
  waitForDone(promptId: string, timeoutMs?: number): Promise<void> {
    return this.waitFor(() => this.frames.some((f) => f.type === 'executing' && f.data.node === null && f.data.prompt_id === promptId), timeoutMs);
  }

  framesOf(promptId: string): Frame[] {
    return this.frames.filter((f) => f.data.prompt_id === promptId);
  }

  close(): void {
    this.ws.close();
  }
}

/** Poll `test` until it holds: for state that has no event to wait on (e.g. a backend coming up). */
export async function eventually(test: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

export async function getJson<T = unknown>(url: string): Promise<T> {
  const response = await fetch(url);
  return (await response.json()) as T;
}

/** EmptyImage → ImageInvert → SaveImage, plus a PreviewImage: the recordings' basic workflow. */
export function simpleGraph(color = 1, prefix = 'gw'): Record<string, unknown> {
  return {
    '1': { class_type: 'EmptyImage', inputs: { width: 16, height: 16, batch_size: 1, color } },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: prefix } },
    '4': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
  };
}
