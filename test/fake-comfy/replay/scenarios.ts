/**
 * What each recording needs before and during its replay on a fresh fake: state the recording
 * server already had (files, a cache), and stalls standing in for ImageBlur's seconds-long runs
 * so that an interrupt or a reconnect lands while the recorded node is still running.
 */
import type { FakeComfy } from '../server.js';
import { request } from './http-client.js';
import type { HttpScenario, RecordedExchange, WsEvent, WsScenario } from './recording.js';
import type { ExchangeHooks, ReplayContext } from './run-http.js';
import type { WsHooks } from './run-ws.js';
import { PLANS_0_33 } from './scenarios-0-33.js';

// Uploaded bytes the recordings refer to (from upload_image.json: the 82-byte version ends up
// as rec_upload_e8bef0.png after the overwrite, which is what view.json and upload_mask.json saw).
const UPLOAD_82 =
  'iVBORw0KGgoAAAANSUhEUgAAABAAAAAQCAIAAACQkWg2AAAAGUlEQVR4nGNkYPjPQApgIkn1qIZRDUNKAwA+MAEfWiW9ygAAAABJRU5ErkJggg==';

const SIMPLE_PROMPT = {
  '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 16711680 } },
  '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
  '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'rec_simple' } },
};

export async function runPrompt(fake: FakeComfy, prompt: unknown): Promise<void> {
  const body = Buffer.from(JSON.stringify({ prompt }));
  const answer = await request('POST', '/prompt', { 'content-type': 'application/json' }, body, fake.port);
  const { prompt_id: id } = JSON.parse(answer.body.toString()) as { prompt_id: string };
  await fake.control.waitForHistory(id);
}

export async function upload(fake: FakeComfy, name: string, data: Buffer, type = 'input'): Promise<void> {
  const boundary = 'fakeboundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    data,
    Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\n${type}\r\n--${boundary}--\r\n`),
  ]);
  const answer = await request('POST', '/upload/image', { 'content-type': `multipart/form-data; boundary=${boundary}` }, body, fake.port);
  if (answer.status !== 200) throw new Error(`setup upload of ${name} answered ${answer.status}`);
}

function firstPrompt(events: readonly WsEvent[]): Record<string, { class_type: string; inputs: Record<string, unknown> }> {
  const post = events.find((e): e is RecordedExchange & { kind: 'http' } => e.kind === 'http' && e.method === 'POST' && e.path === '/prompt');
  const body = post?.request.body?.value as { prompt?: unknown } | undefined;
  if (!body?.prompt) throw new Error('scenario has no POST /prompt');
  return structuredClone(body.prompt) as Record<string, { class_type: string; inputs: Record<string, unknown> }>;
}

const isOurs = (exchange: RecordedExchange, ctx: ReplayContext): boolean => {
  const id = (exchange.request.body?.value as { prompt_id?: unknown } | undefined)?.prompt_id;
  return typeof id === 'string' && ctx.subs.ids.has(id);
};

/** Stall `target` at setup; release it once the recorded interrupt has been answered. */
function releaseAfterInterrupt(fake: FakeComfy, target: Parameters<FakeComfy['control']['stall']>[0], onlyOurs: boolean): WsHooks {
  const stall = fake.control.stall(target);
  return {
    after: (exchange, ctx) => {
      if (exchange.method === 'POST' && exchange.path === '/interrupt' && (!onlyOurs || isOurs(exchange, ctx))) stall.release();
    },
  };
}

const EXACT_PATHS = /^\/(api\/)?(upload\/|object_info\/|features|embeddings|models|extensions|users|settings)/;

export const exactWhenDeterministic = (exchange: RecordedExchange): boolean =>
  (exchange.method === 'GET' || exchange.path.includes('/upload/')) && EXACT_PATHS.test(exchange.path);

export interface ScenarioPlan {
  setup?(fake: FakeComfy, scenario: HttpScenario | WsScenario): Promise<WsHooks | void>;
  /** Exchanges (by index) of an HTTP scenario the fake does not reproduce (reasons where set); the others still run. */
  readonly notReplayed?: ReadonlySet<number>;
  /** Why the whole scenario is not replayed (the test shows as skipped with this reason). */
  readonly skip?: string;
}

/** The plans for one version's recordings (0.33.0 adds its own scenarios). */
export function plansFor(version: string): Readonly<Record<string, ScenarioPlan>> {
  return version === '0.8.0' ? PLANS : { ...PLANS, ...PLANS_0_33 };
}

export const PLANS: Readonly<Record<string, ScenarioPlan>> = {
  'upload_mask.json': { setup: (fake) => upload(fake, 'rec_upload_e8bef0.png', Buffer.from(UPLOAD_82, 'base64')) },
  'view.json': {
    setup: async (fake) => {
      await runPrompt(fake, SIMPLE_PROMPT);
      await upload(fake, 'rec_upload_e8bef0.png', Buffer.from(UPLOAD_82, 'base64'));
      await upload(fake, 'rec_not_really.txt', Buffer.from('hello'));
      const hooks: ExchangeHooks = { exact: (e) => exactWhenDeterministic(e) || e.url.includes('type=input') };
      return hooks;
    },
  },
  'queue_history_interrupt_free.json': {
    setup: async (fake) => releaseAfterInterrupt(fake, { classType: 'ImageBlur', nodeId: '2' }, true),
  },
  'ws_cached_run.jsonl': { setup: (fake, s) => runPrompt(fake, firstPrompt((s as WsScenario).events)) },
  'ws_partially_cached_run.jsonl': {
    setup: async (fake, s) => {
      const prompt = firstPrompt((s as WsScenario).events);
      const save = prompt['3'];
      if (save) save.inputs['filename_prefix'] = 'ws_simple';
      await runPrompt(fake, prompt);
    },
  },
  'ws_interrupt.jsonl': { setup: async (fake) => releaseAfterInterrupt(fake, { classType: 'ImageBlur', nodeId: '3' }, true) },
  'ws_no_client_id_interrupt_and_error.jsonl': {
    setup: async (fake) => releaseAfterInterrupt(fake, { classType: 'ImageBlur', nodeId: '3' }, false),
  },
  'ws_reconnect_during_run.jsonl': {
    setup: async (fake) => {
      const stall = fake.control.stall({ classType: 'ImageBlur', nodeId: '3' });
      const hooks: WsHooks = {
        // A2 has status, executing and the feature_flags answer: now let node 3 finish.
        afterAction: async (event, ctx) => {
          if (event.kind === 'ws_send' && event.client === 'A2') {
            await ctx.waitFrames('A2', 3);
            stall.release();
          }
        },
      };
      return hooks;
    },
  },
};
