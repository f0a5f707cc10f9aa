import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEventHub, createWebhookSender } from '../../src/events/index.js';
import { createAddressPolicy } from '../../src/events/webhooks/address-policy.js';
import { createWebhookClient } from '../../src/events/webhooks/http-client.js';
import { createLogger } from '../../src/log.js';
import type { NewWebhookEndpoint, Store, WebhookDelivery } from '../../src/store/index.js';
import { startReceiver } from '../events/helpers.js';
import { openSharedTestStore, openTestStore, STORE_KINDS } from '../helpers/stores.js';

const T = 1_000_000;

function endpoint(id: string, overrides: Partial<NewWebhookEndpoint> = {}): NewWebhookEndpoint {
  return { id, kind: 'subscription', url: `https://example.com/${id}`, secret: `whsec_${id}`, events: ['*'], filter: {}, description: null, enabled: true, ...overrides };
}

async function pending(store: Store, id: string): Promise<WebhookDelivery[]> {
  return [...(await store.webhooks.deliveries(id, { status: 'pending', limit: 100 }))].reverse();
}

for (const kind of STORE_KINDS) {
  test(`${kind}: endpoints read back as made; update, pause and remove`, async (t) => {
    const { webhooks } = await openTestStore(kind, t);
    const made = await webhooks.create(endpoint('a', { events: ['run.*'], filter: { app: 'app1' }, description: 'd' }), T);
    assert.deepEqual(made, {
      id: 'a', kind: 'subscription', url: 'https://example.com/a', events: ['run.*'], filter: { app: 'app1' }, description: 'd', enabled: true,
      pausedTime: null, pausedReason: null, lastSuccessTime: null, createTime: T, updateTime: T,
    });
    await webhooks.create(endpoint('b', { kind: 'one_off', filter: { subject: 's1' } }), T);
    await webhooks.create(endpoint('c', { enabled: false }), T);
    assert.equal(await webhooks.secret('a'), 'whsec_a');
    assert.equal(await webhooks.secret('zz'), undefined);
    assert.deepEqual((await webhooks.list()).map((e) => e.id), ['a', 'b', 'c']);
    assert.deepEqual((await webhooks.list('one_off')).map((e) => e.id), ['b']);
    assert.deepEqual((await webhooks.active()).map((e) => e.id), ['a', 'b']);

    const updated = await webhooks.update('a', { url: 'https://example.com/a2', events: ['*'], filter: { sweep: 'sw' }, description: null }, T + 1);
    assert.deepEqual([updated?.url, updated?.events, updated?.filter, updated?.description, updated?.updateTime], ['https://example.com/a2', ['*'], { sweep: 'sw' }, null, T + 1]);
    assert.equal(await webhooks.update('zz', { enabled: true }, T), undefined);

    assert.equal(await webhooks.pause('a', 'kept failing', T + 2), true);
    assert.equal(await webhooks.pause('a', 'again', T + 3), false, 'already paused');
    assert.deepEqual([(await webhooks.get('a'))?.pausedTime, (await webhooks.get('a'))?.pausedReason], [T + 2, 'kept failing']);
    assert.deepEqual((await webhooks.active()).map((e) => e.id), ['b']);
    const lifted = await webhooks.update('a', { enabled: true }, T + 4);
    assert.deepEqual([lifted?.pausedTime, lifted?.pausedReason, lifted?.enabled], [null, null, true]);
    assert.equal(await webhooks.remove('a'), true);
    assert.equal(await webhooks.remove('a'), false);
    assert.equal(await webhooks.get('a'), undefined);
  });

  test(`${kind}: an appended event fans out to each active endpoint whose patterns and filters take it`, async (t) => {
    const store = await openTestStore(kind, t);
    const { webhooks, events } = store;
    await webhooks.create(endpoint('all'), T);
    await webhooks.create(endpoint('runs', { events: ['run.*'] }), T);
    await webhooks.create(endpoint('exact', { events: ['run.succeeded', 'sweep.completed'] }), T);
    await webhooks.create(endpoint('app', { events: ['*'], filter: { app: 'a1' } }), T);
    await webhooks.create(endpoint('sweep', { events: ['*'], filter: { sweep: 'sw1' } }), T);
    await webhooks.create(endpoint('subject', { kind: 'one_off', events: ['*'], filter: { subject: 'r1' } }), T);
    await webhooks.create(endpoint('off', { enabled: false }), T);
    await webhooks.create(endpoint('paused'), T);
    await webhooks.pause('paused', 'x', T);
    const e1 = await events.append({ type: 'run.succeeded', subject: 'r1', app: 'a1', sweep: 'sw1', data: { n: 1 } });
    const e2 = await events.append({ type: 'runx.queued', subject: 'r2', app: 'a2', data: {} });
    const e3 = await events.append({ type: 'backend.up', subject: null, data: {} });
    const got = async (id: string): Promise<(number | null)[]> => (await pending(store, id)).map((d) => d.eventId);
    const pausedId = (await events.after(0, 100)).find((e) => e.type === 'webhook.paused')?.id;
    assert.deepEqual(await got('all'), [pausedId, e1, e2, e3], 'webhook.paused is an event like the others');
    assert.deepEqual(await got('runs'), [e1], "'run.*' is a prefix up to the dot");
    assert.deepEqual(await got('exact'), [e1]);
    assert.deepEqual(await got('app'), [e1]);
    assert.deepEqual(await got('sweep'), [e1]);
    assert.deepEqual(await got('subject'), [e1]);
    assert.deepEqual(await got('off'), []);
    assert.deepEqual(await got('paused'), []);
    const first = (await pending(store, 'all'))[1];
    assert.deepEqual(
      first && { ...first, id: 0 },
      { id: 0, endpointId: 'all', eventId: e1, subject: 'r1', status: 'pending', attempts: 0, nextTime: first?.createTime, createTime: first?.createTime, updateTime: first?.createTime, lastStatusCode: null, lastError: null },
    );
    // A webhook.paused event (appended by pause) reached the endpoints that take it.
    const paused = (await events.after(0, 100)).find((e) => e.type === 'webhook.paused');
    assert.deepEqual(paused && JSON.parse(paused.dataJson), { webhook_id: 'paused', url: 'https://example.com/paused', reason: 'x', dead_lettered: 0 });
  });

  test(`${kind}: due gives each subject's oldest pending delivery, skips busy and leased ones; a lease is taken once`, async (t) => {
    const store = await openTestStore(kind, t);
    const { webhooks, events } = store;
    await webhooks.create(endpoint('w'), T);
    for (const subject of ['s1', 's1', 's2', null, null]) await events.append({ type: 'x.y', subject, data: {} });
    const all = await pending(store, 'w');
    const [a1, a2, b1, n1] = all;
    assert.ok(a1 && a2 && b1 && n1);
    const now = Math.max(...all.map((d) => d.createTime));
    const ids = async (busy: number[] = [], limit = 10): Promise<number[]> => (await webhooks.due('w', now, limit, new Set(busy))).map((d) => d.id);
    assert.deepEqual(await ids(), [a1.id, b1.id, n1.id], 'one per subject (null is a subject too), oldest first');
    assert.deepEqual(await ids([a1.id]), [b1.id, n1.id]);
    assert.deepEqual(await ids([], 2), [a1.id, b1.id]);
    assert.deepEqual(await webhooks.due('w', a1.createTime - 1, 10, new Set()), [], 'not due before its time');

    assert.equal(await webhooks.lease(a1, now, now + 500), true);
    assert.equal(await webhooks.lease(a1, now, now + 500), false, 'held');
    assert.deepEqual(await ids(), [b1.id, n1.id], 'a leased delivery is not due; the subject waits behind it');
    assert.equal(await webhooks.nextDueTime(now), now + 500, 'its lease lapsing is the next thing due');
    assert.deepEqual((await webhooks.due('w', now + 500, 10, new Set())).map((d) => d.id), [a1.id, b1.id, n1.id], 'a lapsed lease frees it');
    assert.equal(await webhooks.lease(a1, now + 500, now + 1000), true, 'and it can be taken again');

    await webhooks.recordAttempt(a1, { time: now + 1, statusCode: 200, latencyMs: 5, error: null, response: 'ok' }, { status: 'succeeded' });
    assert.deepEqual(await ids(), [a2.id, b1.id, n1.id], 'the next of the subject is due once the first is done');
    assert.equal(await webhooks.lease(a1, now + 2000, now + 3000), false, 'a finished delivery is not leased');
    assert.equal((await webhooks.get('w'))?.lastSuccessTime, now + 1);
  });

  test(`${kind}: attempts move a delivery from the state they were made from; late ones are logged only`, async (t) => {
    const store = await openTestStore(kind, t);
    const { webhooks, events } = store;
    await webhooks.create(endpoint('w'), T);
    const eventId = await events.append({ type: 'x.y', subject: 's', data: {} });
    const [d0] = await pending(store, 'w');
    assert.ok(d0);
    await webhooks.recordAttempt(d0, { time: T + 1, statusCode: 503, latencyMs: 3, error: 'HTTP 503', response: 'down' }, { status: 'pending', nextTime: T + 100 });
    const d1 = await webhooks.delivery('w', d0.id);
    assert.deepEqual([d1?.status, d1?.attempts, d1?.nextTime, d1?.lastStatusCode, d1?.lastError, d1?.updateTime], ['pending', 1, T + 100, 503, 'HTTP 503', T + 1]);
    // The same first attempt recorded again (a second sender whose lease had lapsed): logged, not applied.
    await webhooks.recordAttempt(d0, { time: T + 2, statusCode: 200, latencyMs: 3, error: null, response: 'ok' }, { status: 'succeeded' });
    assert.deepEqual(await webhooks.delivery('w', d0.id), d1);
    assert.equal((await webhooks.get('w'))?.lastSuccessTime, null);
    assert.ok(d1);
    await webhooks.recordAttempt(d1, { time: T + 3, statusCode: null, latencyMs: 0, error: 'ECONNREFUSED', response: null }, { status: 'dead' });
    assert.equal((await webhooks.delivery('w', d0.id))?.status, 'dead');
    const log = await webhooks.attempts('w', { limit: 10 });
    assert.deepEqual(log.map((a) => [a.deliveryId, a.eventId, a.attempt, a.statusCode, a.error]), [
      [d0.id, eventId, 2, null, 'ECONNREFUSED'],
      [d0.id, eventId, 1, 200, null],
      [d0.id, eventId, 1, 503, 'HTTP 503'],
    ]);
    assert.deepEqual((await webhooks.attempts('w', { limit: 10, beforeId: log[1]?.id ?? 0 })).map((a) => a.statusCode), [503]);
    assert.deepEqual(await webhooks.attempts('w', { deliveryId: d0.id + 1000, limit: 10 }), []);
    assert.equal(await webhooks.delivery('other', d0.id), undefined);
  });

  test(`${kind}: a pause for failures since a time is refused once the endpoint succeeded at or after it`, async (t) => {
    const store = await openTestStore(kind, t);
    const { webhooks, events } = store;
    await webhooks.create(endpoint('w'), T);
    await events.append({ type: 'x.y', subject: 's', data: {} });
    const [d0] = await pending(store, 'w');
    assert.ok(d0);
    // Another sender's success, recorded after this one read the endpoint and decided to pause it.
    await webhooks.recordAttempt(d0, { time: T + 50, statusCode: 200, latencyMs: 3, error: null, response: 'ok' }, { status: 'succeeded' });
    assert.equal(await webhooks.pause('w', 'failing', T + 60, T + 50), false, 'succeeded at the time the failures are counted from');
    assert.equal(await webhooks.pause('w', 'failing', T + 60, T + 20), false, 'succeeded after it');
    assert.equal((await webhooks.get('w'))?.pausedTime, null);
    assert.equal((await events.after(0, 100)).some((e) => e.type === 'webhook.paused'), false);
    assert.equal(await webhooks.pause('w', 'failing', T + 60, T + 51), true, 'no success since');
  });

  test(`${kind}: pause dead-letters pending deliveries; recover, redeliver, hurry and test`, async (t) => {
    const store = await openTestStore(kind, t);
    const { webhooks, events } = store;
    await webhooks.create(endpoint('w', { events: ['x.*'] }), T);
    await events.append({ type: 'x.a', subject: 's1', data: {} });
    await events.append({ type: 'x.b', subject: 's2', data: {} });
    const [d1] = await pending(store, 'w');
    assert.ok(d1);
    assert.equal(await webhooks.pause('w', 'failing', T + 10), true);
    assert.deepEqual((await webhooks.deliveries('w', { status: 'dead', limit: 10 })).map((d) => [d.status, d.nextTime, d.updateTime]), [
      ['dead', null, T + 10],
      ['dead', null, T + 10],
    ]);
    const pausedEvent = (await events.after(0, 100)).find((e) => e.type === 'webhook.paused');
    assert.deepEqual(pausedEvent && JSON.parse(pausedEvent.dataJson), { webhook_id: 'w', url: 'https://example.com/w', reason: 'failing', dead_lettered: 2 });

    await webhooks.update('w', { enabled: true }, T + 11);
    const newest = Math.max(...(await webhooks.deliveries('w', { limit: 10 })).map((d) => d.createTime));
    assert.equal(await webhooks.recover('w', newest + 1, T + 20), 0, 'only those made since');
    assert.equal(await webhooks.recover('w', 0, T + 20), 2);
    const back = await pending(store, 'w');
    assert.deepEqual(back.map((d) => [d.attempts, d.nextTime]), [[0, T + 20], [0, T + 20]]);

    const again = await webhooks.redeliver('w', d1.id, T + 30);
    assert.deepEqual(again && [again.eventId, again.subject, again.status, again.nextTime, again.attempts], [d1.eventId, 's1', 'pending', T + 30, 0]);
    assert.equal(await webhooks.redeliver('w', 999_999, T + 30), undefined);

    await webhooks.recordAttempt(back[0] as WebhookDelivery, { time: T + 31, statusCode: 500, latencyMs: 1, error: 'HTTP 500', response: null }, { status: 'pending', nextTime: T + 5_000 });
    await webhooks.hurry('w', T + 40);
    assert.equal((await webhooks.delivery('w', back[0]?.id ?? 0))?.nextTime, T + 40, 'a backoff is cut short');
    assert.equal((await webhooks.delivery('w', back[1]?.id ?? 0))?.nextTime, T + 20, 'earlier times stay');

    const probe = await webhooks.test('w', { hello: 'world' }, T + 50);
    assert.deepEqual([probe.endpointId, probe.subject, probe.status, probe.nextTime], ['w', 'w', 'pending', T + 50]);
    const probeEvent = await events.get(probe.eventId);
    assert.deepEqual([probeEvent?.type, probeEvent?.dataJson], ['webhook.test', '{"hello":"world"}']);
    await webhooks.create(endpoint('other'), T);
    await webhooks.test('w', {}, T + 60);
    assert.deepEqual(await pending(store, 'other'), [], 'webhook.test goes to its endpoint only');
    assert.deepEqual((await webhooks.deliveries('w', { limit: 2 })).map((d) => d.nextTime), [T + 60, T + 50], 'newest first');
  });
}

test('postgres: two gateways reading the same due deliveries lease each one once', async (t) => {
  const { store: a, another } = await openSharedTestStore('postgres', t);
  const b = await another();
  await a.webhooks.create(endpoint('w'), T);
  for (let i = 0; i < 20; i++) await a.events.append({ type: 'x.y', subject: `s${i}`, data: {} });
  const now = Date.now() + 1_000;
  const [fromA, fromB] = await Promise.all([a, b].map((s) => s.webhooks.due('w', now, 100, new Set())));
  assert.equal(fromA?.length, 20);
  assert.deepEqual(fromA?.map((d) => d.id), fromB?.map((d) => d.id), 'both see every delivery due');
  const leases = await Promise.all([...(fromA ?? []), ...(fromB ?? [])].map((d, i) => (i % 2 === 0 ? a : b).webhooks.lease(d, now, now + 60_000)));
  assert.equal(leases.filter(Boolean).length, 20, 'each delivery leased once');
});

test('postgres: two gateways sending from one database send each delivery once', async (t) => {
  const { store: a, another } = await openSharedTestStore('postgres', t);
  const b = await another();
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const created = await a.webhooks.create(endpoint('w', { url: receiver.url, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }), Date.now());
  receiver.secret = (await a.webhooks.secret(created.id)) ?? '';
  const logger = createLogger('silent');
  const policy = createAddressPolicy({ allowPrivate: true });
  const senders = [];
  for (const store of [a, b]) {
    const hub = createEventHub({ store: store.events, logger });
    await hub.start();
    t.after(() => hub.stop());
    const client = createWebhookClient({ policy, connectTimeoutMs: 2_000, timeoutMs: 5_000 });
    const sender = createWebhookSender({ events: store.events, webhooks: store.webhooks, hub, client, logger, retryScheduleMs: [50], concurrency: 8, leaseMs: 30_000, userAgent: 'test' });
    sender.start();
    t.after(() => sender.stop());
    senders.push(sender);
  }
  const count = 40;
  for (let i = 0; i < count; i++) await (i % 2 === 0 ? a : b).events.append({ type: 'x.y', subject: `s${i % 5}`, data: { i } });
  await receiver.waitFor((r) => r.length >= count, `${count} deliveries`);
  // Stopping waits for every attempt in flight: a second send of any event has arrived by then.
  await Promise.all(senders.map((s) => s.stop()));
  const ids = receiver.hits.map((h) => h.id);
  assert.equal(ids.length, count, 'no event was sent twice');
  assert.equal(new Set(ids).size, count);
  const bySubject = new Map<number, number[]>();
  for (const r of receiver.received) {
    const data = r.body.data as { i: number };
    const list = bySubject.get(data.i % 5) ?? [];
    list.push(data.i);
    bySubject.set(data.i % 5, list);
  }
  for (const list of bySubject.values()) assert.deepEqual(list, [...list].sort((x, y) => x - y), 'a subject\'s events arrive in order');
});
