import type { FastifyInstance } from 'fastify';
import { notFound } from '../../errors.js';
import { isTerminalFrame, type JobEventSource, type JobFrame } from './job-events.js';
import { originOf } from './jobs.js';

/** A comment line often enough that the SDK's 45 s idle timeout never takes a quiet job for a dead stream. */
const HEARTBEAT_MS = 15_000;

/** Output URLs in a frame made absolute for this connection (the log keeps them host-relative). */
function absolute(frame: JobFrame, origin: string): Record<string, unknown> {
  const fix = (output: unknown): unknown =>
    typeof output === 'object' && output !== null && typeof (output as { url?: unknown }).url === 'string'
      ? { ...output, url: origin + (output as { url: string }).url }
      : output;
  if (frame.event === 'output') return fix(frame.data) as Record<string, unknown>;
  if (frame.event === 'status' && Array.isArray(frame.data.outputs)) return { ...frame.data, outputs: frame.data.outputs.map(fix) };
  return frame.data;
}

/**
 * GET /api/v2/jobs/{id}/events: the job's SSE stream. On connect: the frames missed since
 * `Last-Event-ID` when they can be replayed, else a snapshot (progress, outputs, status); then
 * live frames, ending after the terminal status. Every frame carries an `id:` to resume from.
 */
export function registerJobEventsRoute(app: FastifyInstance, deps: { source: JobEventSource }): void {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  app.get('/api/v2/jobs/:id/events', async (request, reply) => {
    const { id } = request.params as { id: string };
    const given = request.headers['last-event-id'];
    const lastEventId = typeof given === 'string' && given !== '' ? given : null;
    const origin = originOf(request);
    const early: JobFrame[] = [];
    let write: ((frame: JobFrame) => void) | null = null;
    const subscription = await deps.source.open(id, lastEventId, (frame) => (write === null ? early.push(frame) : write(frame)));
    if (subscription === undefined) throw notFound('Job', id);

    const raw = reply.hijack().raw;
    let ended = false;
    const heartbeat = setInterval(() => raw.write(': keepalive\n\n'), HEARTBEAT_MS);
    const end = (): void => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      subscription.close();
      open.delete(end);
      raw.end();
    };
    open.add(end);
    request.raw.on('close', end);
    raw.on('error', end);
    raw.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    write = (frame) => {
      if (ended) return;
      raw.write(`id: ${frame.id}\nevent: ${frame.event}\ndata: ${JSON.stringify(absolute(frame, origin))}\n\n`);
      if (isTerminalFrame(frame)) end();
    };
    for (const frame of [...subscription.frames, ...early]) write(frame);
  });
}
