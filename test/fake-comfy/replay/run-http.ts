/** Replays a recorded HTTP scenario against a fake, exchange by exchange, collecting differences. */
import { parseJson } from '../../../src/upstream/protocol/index.js';
import type { FakeComfy } from '../server.js';
import { compareExchange } from './compare-http.js';
import { sendRecorded, type ActualResponse, type Substitutions } from './http-client.js';
import type { RecordedExchange } from './recording.js';

export interface ReplayContext {
  readonly fake: FakeComfy;
  readonly subs: Substitutions;
}

export interface ExchangeHooks {
  /** Before sending (e.g. wait for the fake to reach a state). */
  before?(exchange: RecordedExchange, ctx: ReplayContext): Promise<void> | void;
  /** After the answer (e.g. release a stalled node). */
  after?(exchange: RecordedExchange, ctx: ReplayContext): Promise<void> | void;
  /**
   * Replaces the default wait before history and job reads (until the fake is idle), for
   * scenarios that keep a prompt stalled while they read them.
   */
  settle?(exchange: RecordedExchange, ctx: ReplayContext): Promise<void>;
  /** Whether the body must be equal, not only the same shape. */
  exact?(exchange: RecordedExchange): boolean;
}

/** Map the recorded prompt_id of a response to the fake's, for the requests that follow. */
export function learnIds(exchange: RecordedExchange, actual: ActualResponse, subs: Substitutions): void {
  const recorded = exchange.response.body;
  if (exchange.response.body_kind !== 'json' || recorded === null || typeof recorded !== 'object') return;
  const recordedId = (recorded as { prompt_id?: unknown }).prompt_id;
  if (typeof recordedId !== 'string') return;
  try {
    const body = parseJson(actual.body.toString('utf8')) as { prompt_id?: unknown };
    if (typeof body.prompt_id === 'string' && body.prompt_id !== recordedId) subs.ids.set(recordedId, body.prompt_id);
  } catch {
    // not JSON: the status comparison reports it
  }
}

/** History and jobs are read once the prompts posted before have finished, as the recorder did. */
export async function settleBefore(exchange: RecordedExchange, fake: FakeComfy): Promise<void> {
  if (exchange.method === 'GET' && (/^\/(api\/)?history/.test(exchange.path) || exchange.path.startsWith('/api/jobs'))) {
    await fake.control.waitForIdle();
  }
}

export const describeExchange = (exchange: RecordedExchange, index: number): string =>
  `#${index} ${exchange.method} ${exchange.url}${exchange.note ? ` (${exchange.note})` : ''}`;

export async function replayExchange(
  exchange: RecordedExchange,
  index: number,
  ctx: ReplayContext,
  hooks: ExchangeHooks,
): Promise<string[]> {
  if (hooks.settle) await hooks.settle(exchange, ctx);
  else await settleBefore(exchange, ctx.fake);
  await hooks.before?.(exchange, ctx);
  const actual = await sendRecorded(exchange, ctx.subs);
  learnIds(exchange, actual, ctx.subs);
  await hooks.after?.(exchange, ctx);
  const diffs = await compareExchange(exchange, actual, { exact: hooks.exact?.(exchange) ?? false });
  return diffs.map((d) => `${describeExchange(exchange, index)}: ${d}`);
}

export async function replayHttp(exchanges: readonly RecordedExchange[], ctx: ReplayContext, hooks: ExchangeHooks = {}): Promise<string[]> {
  const diffs: string[] = [];
  for (const [index, exchange] of exchanges.entries()) diffs.push(...(await replayExchange(exchange, index, ctx, hooks)));
  return diffs;
}
