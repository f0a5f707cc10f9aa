import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { invalidField } from '../../errors.js';
import { eventBody, patternProblem, runFeed, type EventFilter, type EventHub, type FeedSink } from '../../events/index.js';
import type { EventRecord, EventStore } from '../../store/index.js';
import { docs, media } from '../../route-docs.js';

export interface EventRouteDeps {
  readonly store: EventStore;
  readonly hub: EventHub;
  readonly heartbeatMs: number;
  readonly maxBacklogBytes: number;
}

const ID_TEXT = Type.String({ minLength: 1, maxLength: 200 });
const EventsQuery = Type.Object({
  types: Type.Optional(Type.String({ maxLength: 4000, description: 'Comma-separated type patterns, e.g. prompt.*,backend.down; all types when absent.' })),
  app: Type.Optional(ID_TEXT),
  sweep: Type.Optional(ID_TEXT),
  run: Type.Optional(ID_TEXT),
  prompt: Type.Optional({ ...ID_TEXT, description: "Only this prompt's events." }),
  since: Type.Optional(Type.String({ maxLength: 20, description: 'Resume after this event id (Last-Event-ID wins when both are sent).' })),
  token: Type.Optional(Type.String({ description: 'The API key, for EventSource, which cannot send headers.' })),
});
const streamDocs = docs('events', 'The event log as Server-Sent Events', {
  description: 'Missed events from the log first (from Last-Event-ID or ?since=), then live ones; without either, only what happens from now on.',
  querystring: EventsQuery,
  headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ description: 'Resume after this event id.' })) }),
  responses: {
    200: media('text/event-stream', 'The stream: `id`, `event` (the type) and `data` (JSON) per event; stream.truncated and stream.overflow say when events were missed'),
    400: 'A bad type pattern or resume id',
  },
});

/** Serves one event stream with a fixed filter (a run's events, a sweep's); `since` is `?since=` when the route takes it. */
export type StreamEvents = (request: FastifyRequest, reply: FastifyReply, filter: EventFilter, since?: string) => Promise<void>;

/**
 * `GET /automa/events`: the event log as Server-Sent Events. Resume with Last-Event-ID (what
 * EventSource sends by itself) or `?since=`: the missed events from the log, then live ones.
 * Returns the stream function for routes that are filtered forms of it (the runs code's
 * `/automa/runs/{id}/events` and `/automa/sweeps/{id}/events`).
 */
export function registerEventRoutes(app: FastifyInstance, deps: EventRouteDeps): StreamEvents {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const open = new Set<ServerResponse>();
  // Streams never end by themselves: closing the service ends them, or close() would wait on them.
  app.addHook('preClose', async () => {
    for (const raw of open) raw.end();
  });
  const stream: StreamEvents = (request, reply, filter, since) => streamEvents(deps, open, request, reply, filter, since);
  routes.get('/automa/events', { schema: streamDocs }, async (request, reply) => {
    const q = request.query;
    const subject = q.run ?? q.prompt;
    const filter: EventFilter = {
      types: parseTypes(q.types),
      ...(q.app !== undefined && { app: q.app }),
      ...(q.sweep !== undefined && { sweep: q.sweep }),
      ...(subject !== undefined && { subject }),
    };
    return stream(request, reply, filter, q.since);
  });
  return stream;
}

async function streamEvents(
  deps: EventRouteDeps,
  open: Set<ServerResponse>,
  request: FastifyRequest,
  reply: FastifyReply,
  filter: EventFilter,
  since?: string,
): Promise<void> {
  // Without a resume point a stream starts at the log's end: only what happens from now on.
  const afterId = resumePoint(request.headers['last-event-id'], since) ?? (await deps.store.lastId());
  const oldest = await deps.store.firstId();
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx and similar buffer responses unless told not to.
    'x-accel-buffering': 'no',
    'x-request-id': request.id,
  });
  raw.write(': comfyui-automa events\n\n');
  if (afterId > 0 && oldest !== null && afterId < oldest - 1) {
    // Retention dropped some of what the client missed: say so rather than pretend there is no gap.
    raw.write(`event: stream.truncated\ndata: ${JSON.stringify({ since: afterId, oldest_id: oldest })}\n\n`);
  }
  const stop = new AbortController();
  const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), deps.heartbeatMs);
  open.add(raw);
  raw.on('close', () => {
    open.delete(raw);
    clearInterval(heartbeat);
    stop.abort();
  });
  const sink: FeedSink = {
    write: (events: readonly EventRecord[]) => raw.write(events.map(frame).join('')),
    drained: () => new Promise<void>((resolve) => {
      raw.once('drain', resolve);
      raw.once('close', resolve);
    }),
    backlog: () => raw.writableLength,
    overflow: (lastSentId) => {
      const data = { reason: 'the client did not keep up', last_event_id: lastSentId, resume: `Last-Event-ID: ${lastSentId} or ?since=${lastSentId}` };
      // id: lets EventSource resume from here by itself.
      raw.end(`id: ${lastSentId}\nevent: stream.overflow\ndata: ${JSON.stringify(data)}\n\n`);
    },
    get closed() {
      return raw.destroyed || raw.writableEnded;
    },
  };
  await runFeed({ store: deps.store, hub: deps.hub, filter, afterId, sink, maxBacklogBytes: deps.maxBacklogBytes, signal: stop.signal });
  clearInterval(heartbeat);
}

const frame = (event: EventRecord): string => `id: ${event.id}\nevent: ${event.type}\ndata: ${eventBody(event)}\n\n`;

/** `?types=run.*,backend.down` → patterns; absent or empty → every type. */
export function parseTypes(text: string | undefined): readonly string[] | null {
  if (text === undefined || text.trim() === '') return null;
  const patterns = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  for (const pattern of patterns) {
    const problem = patternProblem(pattern);
    if (problem !== null) throw invalidField('types', `${JSON.stringify(pattern.slice(0, 100))} ${problem}`);
  }
  return patterns;
}

/** Last-Event-ID wins over ?since= (a reconnecting EventSource sends the header). */
function resumePoint(header: string | string[] | undefined, since: string | undefined): number | null {
  const given = typeof header === 'string' && header.trim() !== '' ? { field: 'Last-Event-ID', text: header.trim() } : since !== undefined ? { field: 'since', text: since } : null;
  if (given === null) return null;
  if (!/^\d{1,15}$/.test(given.text)) throw invalidField(given.field, `must be an event id (a whole number), got ${JSON.stringify(given.text.slice(0, 40))}`);
  return Number(given.text);
}
