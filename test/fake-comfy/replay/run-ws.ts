/**
 * Replays a recorded WebSocket scenario: sockets are opened, frames sent, HTTP requests made and
 * sockets closed in the recorded order, each action waiting until every client has received the
 * frames the recording shows it had before that moment. Then, per client, the frames must be the
 * same types in the same order, text frames of the same shape, binary frames of the same kind.
 */
import { decodeBinaryFrame } from '../../../src/upstream/protocol/index.js';
import { substitute } from './http-client.js';
import type { RecordedExchange, WsEvent, WsScenario } from './recording.js';
import { startTime } from './recording.js';
import { replayExchange, type ExchangeHooks, type ReplayContext } from './run-http.js';
import { shapeDiff } from './shape.js';
import { frameType, RecordingClient, type Frame } from './ws-client.js';

const WAIT_MS = 10_000;

type Recv = Extract<WsEvent, { kind: 'ws_recv' }>;

export interface WsHooks extends ExchangeHooks {
  /** After any action; `waitFrames(client, n)` waits until that client has n frames. */
  afterAction?(event: WsEvent, ctx: WsContext): Promise<void> | void;
}

export interface WsContext extends ReplayContext {
  waitFrames(client: string, count: number): Promise<void>;
}

const recordedType = (event: Recv): string => (event.frame === 'text' ? (event.data?.type ?? '?') : `binary:${event.event_type ?? '?'}`);

const actionTime = (event: WsEvent): number => (event.kind === 'http' ? startTime(event as RecordedExchange) : event.t);

export async function replayWs(scenario: WsScenario, ctx: ReplayContext, hooks: WsHooks = {}): Promise<string[]> {
  const clients = new Map<string, RecordingClient>();
  const received = scenario.events.filter((e): e is Recv => e.kind === 'ws_recv');
  const waitFrames = async (client: string, count: number): Promise<void> => {
    const c = clients.get(client);
    if (c) await c.waitForFrames(count, WAIT_MS, `client ${client}`);
  };
  const wsCtx: WsContext = { ...ctx, waitFrames };
  const diffs: string[] = [];
  try {
    for (const [index, event] of scenario.events.entries()) {
      if (event.kind === 'ws_recv' || event.kind === 'ws_closed') continue;
      for (const name of clients.keys()) {
        await waitFrames(name, received.filter((r) => r.client === name && r.t < actionTime(event)).length);
        learnSid(scenario, name, clients.get(name), ctx);
      }
      if (event.kind === 'ws_open') clients.set(event.client, await RecordingClient.open(substitute(event.url, ctx.subs)));
      else if (event.kind === 'ws_send') {
        const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
        clients.get(event.client)?.ws.send(data);
      } else if (event.kind === 'ws_close_by_client') {
        const client = clients.get(event.client);
        await client?.flush(); // frames the fake sent but the recording did not show are caught here
        await client?.close();
      } else if (event.kind === 'http') {
        diffs.push(...(await replayExchange(event as RecordedExchange, index, wsCtx, hooks)));
      }
      await hooks.afterAction?.(event, wsCtx);
    }
    for (const client of clients.values()) await client.flush();
  } finally {
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
  for (const [name, client] of clients) diffs.push(...compareFrames(name, received.filter((r) => r.client === name), client.frames));
  return diffs;
}

/** A server-assigned sid (no clientId in the URL) stands for the recorded one in later requests. */
function learnSid(scenario: WsScenario, name: string, client: RecordingClient | undefined, ctx: ReplayContext): void {
  const recorded = scenario.header.clients?.[name]?.server_assigned_sid;
  const first = client?.frames[0];
  if (!recorded || !first || !('text' in first)) return;
  const sid = (first.text.data as { sid?: unknown }).sid;
  if (typeof sid === 'string') ctx.subs.ids.set(recorded, sid);
}

function compareFrames(name: string, recorded: readonly Recv[], actual: readonly Frame[]): string[] {
  const want = recorded.map(recordedType);
  const got = actual.map(frameType);
  if (want.join(',') !== got.join(',')) {
    return [`client ${name}: frame types differ\n  recorded: ${want.join(', ')}\n  fake:     ${got.join(', ')}`];
  }
  const diffs: string[] = [];
  recorded.forEach((event, i) => {
    const frame = actual[i] as Frame;
    const at = `client ${name} frame #${i} (${want[i]})`;
    if (event.frame === 'text' && 'text' in frame) diffs.push(...shapeDiff(event.data?.data, frame.text.data).map((d) => `${at}: ${d}`));
    else if ('binary' in frame) diffs.push(...binaryDiff(event, frame.binary).map((d) => `${at}: ${d}`));
  });
  return diffs;
}

function binaryDiff(event: Recv, bytes: Buffer): string[] {
  const frame = decodeBinaryFrame(bytes);
  const decoded = event.decoded ?? {};
  if (frame.kind === 'text') {
    return frame.nodeId === decoded['node_id'] && frame.text === decoded['text'] ? [] : [`text frame ${frame.nodeId}: ${JSON.stringify(frame.text)} ≠ ${JSON.stringify(decoded['text'])}`];
  }
  if (frame.kind === 'preview_image_with_metadata') return shapeDiff(decoded['metadata'], frame.metadata);
  if (frame.kind === 'preview_image') return frame.format === decoded['image_type'] ? [] : [`preview format ${frame.format} ≠ ${String(decoded['image_type'])}`];
  return [`unexpected binary event ${frame.eventType}`];
}
