import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEventHub, runFeed, type FeedSink } from '../../src/events/index.js';
import { createLogger } from '../../src/log.js';
import { createSqliteStore, type EventRecord } from '../../src/store/index.js';
import { makeTempDir } from '../helpers/app.js';

/** A client that takes `budget` bytes and then stops reading, as a stalled browser tab would. */
function stalledClient(budget: number): FeedSink & { got: EventRecord[]; overflowedAt: number | null; unread: number } {
  const sink = {
    got: [] as EventRecord[],
    overflowedAt: null as number | null,
    unread: 0,
    closed: false,
    write(events: readonly EventRecord[]): boolean {
      sink.got.push(...events);
      sink.unread += events.reduce((n, e) => n + e.dataJson.length, 0);
      return sink.unread < budget;
    },
    drained: () => new Promise<void>(() => undefined),
    backlog: () => sink.unread,
    overflow(lastSentId: number): void {
      sink.overflowedAt = lastSentId;
      sink.closed = true;
    },
  };
  return sink;
}

test('a live consumer that stops reading is let go with the id of the last event it was sent', async (t) => {
  const temp = makeTempDir();
  t.after(temp.remove);
  const store = createSqliteStore({ dataDir: temp.dir });
  t.after(() => store.close());
  const hub = createEventHub({ store: store.events, logger: createLogger('silent') });
  await hub.start();
  t.after(() => hub.stop());

  const sink = stalledClient(5_000);
  const feed = runFeed({ store: store.events, hub, filter: { types: null }, afterId: 0, sink, maxBacklogBytes: 5_000 });
  const padding = 'x'.repeat(1_000);
  for (let i = 0; i < 50 && sink.overflowedAt === null; i++) {
    await store.events.append({ type: 'test.filler', subject: null, data: { padding } });
    await hub.settled();
  }
  await feed;
  assert.notEqual(sink.overflowedAt, null, 'the feed gave up on the consumer');
  assert.equal(sink.overflowedAt, sink.got.at(-1)?.id, 'resume from the last event it was sent');
  assert.ok(sink.got.length < 50);
});

test('a feed started behind the log catches up from it, page by page, then follows live, in order, once each', async (t) => {
  const temp = makeTempDir();
  t.after(temp.remove);
  const store = createSqliteStore({ dataDir: temp.dir });
  t.after(() => store.close());
  const hub = createEventHub({ store: store.events, logger: createLogger('silent') });
  await hub.start();
  t.after(() => hub.stop());
  for (let i = 0; i < 1_200; i++) await store.events.append({ type: i % 2 === 0 ? 'run.progress' : 'backend.up', subject: `s${i % 7}`, data: { i } });

  const got: EventRecord[] = [];
  const stop = new AbortController();
  const sink: FeedSink = {
    write: (events) => (got.push(...events), true),
    drained: async () => undefined,
    backlog: () => 0,
    overflow: () => assert.fail('no overflow'),
    closed: false,
  };
  const feed = runFeed({ store: store.events, hub, filter: { types: ['run.*'] }, afterId: 100, sink, maxBacklogBytes: 1e9, signal: stop.signal });
  // Appends while it catches up: some land in the log it is paging through, some arrive live.
  for (let i = 1_200; i < 1_300; i++) await store.events.append({ type: 'run.progress', subject: 'late', data: { i } });
  await hub.settled();
  const expected = (await store.events.after(100, 10_000)).filter((e) => e.type.startsWith('run.')).map((e) => e.id);
  for (let i = 0; i < 1_000 && got.length < expected.length; i++) await hub.settled();
  stop.abort();
  await feed;
  assert.deepEqual(got.map((e) => e.id), expected);
});
