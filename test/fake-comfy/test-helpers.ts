/** Small helpers for tests that drive a fake directly (HTTP as JSON, a recording WS client). */
import type { TestContext } from 'node:test';
import { request } from './replay/http-client.js';
import { RecordingClient, type Frame } from './replay/ws-client.js';
import { startFakeComfy, type FakeComfy, type FakeComfyOptions } from './server.js';

export async function fakeFor(t: TestContext, options: FakeComfyOptions = {}): Promise<FakeComfy> {
  const fake = await startFakeComfy(options);
  t.after(() => fake.close());
  return fake;
}

export async function call(fake: FakeComfy, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const answer = await request(method, path, data ? { 'content-type': 'application/json' } : {}, data, fake.port);
  const text = answer.body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: answer.status, json, text };
}

export async function queuePrompt(fake: FakeComfy, prompt: unknown, extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await call(fake, 'POST', '/prompt', { prompt, ...extra });
  if (answer.status !== 200) throw new Error(`POST /prompt answered ${answer.status}: ${answer.text}`);
  return (answer.json as { prompt_id: string }).prompt_id;
}

export async function connect(t: TestContext, fake: FakeComfy, clientId: string, flags = true): Promise<RecordingClient> {
  const client = await RecordingClient.open(`${fake.wsUrl}?clientId=${clientId}`);
  t.after(() => client.close());
  if (flags) {
    client.ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
    await client.waitForFrames(2, 5_000, clientId);
  } else await client.waitForFrames(1, 5_000, clientId);
  return client;
}

export const textFrames = (frames: readonly Frame[]): Array<{ type: string; data: Record<string, unknown> }> =>
  frames.flatMap((f) => ('text' in f ? [f.text as { type: string; data: Record<string, unknown> }] : []));

export const types = (frames: readonly Frame[]): string[] =>
  frames.map((f) => ('text' in f ? f.text.type : `binary:${f.binary.readUInt32BE(0)}`));

/** Wait until `client` received a text frame matching `match`; resolves with its index. */
export async function frameWhere(
  client: RecordingClient,
  match: (frame: { type: string; data: Record<string, unknown> }) => boolean,
  label: string,
): Promise<number> {
  for (let seen = 0; ; seen++) {
    await client.waitForFrames(seen + 1, 5_000, label);
    const frame = client.frames[seen];
    if (frame && 'text' in frame && match(frame.text as { type: string; data: Record<string, unknown> })) return seen;
  }
}

export const SIMPLE = {
  '1': { class_type: 'EmptyImage', inputs: { width: 16, height: 16, batch_size: 1, color: 255 } },
  '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
  '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'ctl' } },
};

/** Wait for `executing {node: null}` of `promptId`: every frame of that prompt has arrived. */
export const untilDone = (client: RecordingClient, promptId: string): Promise<number> =>
  frameWhere(client, (f) => f.type === 'executing' && f.data['node'] === null && f.data['prompt_id'] === promptId, `end of ${promptId}`);
