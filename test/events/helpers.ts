import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface SseEvent {
  readonly id: string | null;
  readonly event: string | null;
  readonly data: string;
}

export interface EventBody {
  readonly id: number;
  readonly type: string;
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
}

export interface SseClient {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly events: SseEvent[];
  readonly comments: string[];
  /** Resolves once `match` holds for the events received so far (checked on each new one). */
  waitFor(match: (events: readonly SseEvent[]) => boolean, what?: string): Promise<void>;
  /** The `data` of each event with an id, parsed. */
  bodies(): EventBody[];
  /** Drop the connection from the client's side. */
  close(): void;
  readonly ended: Promise<void>;
}

/** A real EventSource-like client over node:http: parses id/event/data lines and comments. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
      const events: SseEvent[] = [];
      const comments: string[] = [];
      const waiters: { match: (e: readonly SseEvent[]) => boolean; resolve: () => void; reject: (err: Error) => void; what: string }[] = [];
      let buffer = '';
      let closed = false;
      const check = (): void => {
        for (const w of [...waiters]) {
          if (w.match(events)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      };
      const ended = new Promise<void>((done) => {
        response.on('close', () => {
          closed = true;
          for (const w of waiters.splice(0)) w.reject(new Error(`stream ended before ${w.what}; got ${events.map((e) => e.event).join(', ')}`));
          done();
        });
      });
      response.setEncoding('utf8').on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | null = null;
          let event: string | null = null;
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length > 0 || event !== null) events.push({ id, event, data: data.join('\n') });
        }
        check();
      });
      resolve({
        status: response.statusCode ?? 0,
        headers: response.headers,
        events,
        comments,
        waitFor: (match, what = 'the expected events') =>
          new Promise<void>((ok, fail) => {
            if (match(events)) return ok();
            if (closed) return fail(new Error(`stream already ended before ${what}`));
            waiters.push({ match, resolve: ok, reject: fail, what });
          }),
        bodies: () => events.filter((e) => e.id !== null && !e.event?.startsWith('stream.')).map((e) => JSON.parse(e.data) as EventBody),
        close: () => request.destroy(),
        ended,
      });
    });
    request.on('error', reject);
  });
}

export interface ReceivedWebhook {
  readonly id: string;
  readonly timestamp: string;
  readonly body: EventBody;
  readonly raw: string;
}

export type ReceiverMode = 'ok' | 'fail' | 'hang' | { redirect: string };

export interface Receiver {
  readonly url: string;
  /** Deliveries that verified with standardwebhooks, in arrival order (2xx answers only). */
  readonly received: ReceivedWebhook[];
  /** Every request that arrived, whatever it was answered. */
  readonly hits: { readonly id: string; readonly verified: boolean }[];
  mode: ReceiverMode;
  secret: string | null;
  waitFor(match: (received: readonly ReceivedWebhook[]) => boolean, what?: string): Promise<void>;
  /** Resolves at the next request that arrives (any mode). */
  nextHit(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1:0 that verifies every request with the standardwebhooks
 * library, as a receiver in any language would; `mode` says how it answers.
 */
export async function startReceiver(): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const hits: { id: string; verified: boolean }[] = [];
  const waiters: { match: (r: readonly ReceivedWebhook[]) => boolean; resolve: () => void }[] = [];
  const hitWaiters: (() => void)[] = [];
  const hanging = new Set<ServerResponse>();
  const receiver: Receiver = {
    url: '',
    received,
    hits,
    mode: 'ok',
    secret: null,
    waitFor: (match) =>
      new Promise<void>((resolve) => {
        if (match(received)) return resolve();
        waiters.push({ match, resolve });
      }),
    nextHit: () => new Promise<void>((resolve) => hitWaiters.push(resolve)),
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (raw += chunk));
    request.on('end', () => {
      const headers = { 'webhook-id': String(request.headers['webhook-id']), 'webhook-timestamp': String(request.headers['webhook-timestamp']), 'webhook-signature': String(request.headers['webhook-signature']) };
      let verified = false;
      try {
        if (receiver.secret !== null) new Webhook(receiver.secret).verify(raw, headers);
        verified = receiver.secret !== null;
      } catch {
        verified = false;
      }
      hits.push({ id: headers['webhook-id'], verified });
      for (const wake of hitWaiters.splice(0)) wake();
      const mode = receiver.mode;
      if (mode === 'hang') {
        hanging.add(response);
        return;
      }
      if (typeof mode === 'object') {
        response.writeHead(302, { location: mode.redirect }).end();
        return;
      }
      if (mode === 'fail' || !verified) {
        response.writeHead(mode === 'fail' ? 503 : 401, { 'content-type': 'text/plain' }).end(mode === 'fail' ? 'receiver is down for maintenance' : 'bad signature');
        return;
      }
      received.push({ id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], body: JSON.parse(raw) as EventBody, raw });
      response.writeHead(204).end();
      for (const w of [...waiters]) {
        if (w.match(received)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}

/** A JSON request; `T` is what the test expects the body to be (checked by its assertions). */
export async function request<T = Record<string, unknown>>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T };
}

/** A small valid-looking API graph (the backend is never reached in these tests). */
export const graph = (color: number): Record<string, unknown> => ({
  '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'ev' } },
});

export const DEAD_BACKEND = 'http://127.0.0.1:9';
