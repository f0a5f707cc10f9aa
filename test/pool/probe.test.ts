import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { createLogger } from '../../src/log.js';
import { BackendLink } from '../../src/queue/backend-link.js';
import { eventually } from '../helpers/comfy-client.js';
import { startFakeComfy } from '../fake-comfy/server.js';
import { forwardUpgrade } from './pool-helpers.js';

/**
 * A pass-through in front of a backend whose GET /system_stats can be made to fail while the
 * WebSocket and every other route keep working: a ComfyUI that hangs with its socket open.
 */
async function startFlakyStats(targetPort: number): Promise<{ url: string; failing: boolean; close(): Promise<void> }> {
  const state = { failing: false };
  const server = http.createServer((req, res) => {
    if (state.failing && req.url === '/system_stats') return void res.writeHead(500).end();
    const upstream = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    forwardUpgrade(req, socket, head, targetPort, req.url ?? '/');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    get failing() {
      return state.failing;
    },
    set failing(value: boolean) {
      state.failing = value;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('a backend whose probes fail leaves placement with its socket still open, and is announced again when probes answer', async (t) => {
  const fake = await startFakeComfy({ nodeClasses: ['EmptyImage', 'SaveImage'] });
  t.after(() => fake.close());
  const flaky = await startFlakyStats(fake.port);
  t.after(() => flaky.close());
  let ups = 0;
  const link = new BackendLink(
    { name: 'flaky', url: flaky.url },
    {
      instanceKey: 'probe-test',
      capacity: 2,
      logger: createLogger('silent'),
      probeIntervalMs: 20,
      events: { onUp: () => void (ups += 1), onDown: () => undefined, onMessage: () => undefined, onBinary: () => undefined },
    },
  );
  t.after(() => link.stop());
  link.start();
  await eventually(() => ups === 1 && link.healthy, 5_000, 'link up');
  assert.equal(link.freeSlots(), 2);

  flaky.failing = true;
  await eventually(() => !link.healthy, 5_000, 'probe failure noticed');
  assert.equal(link.up, true, 'the socket is still open');
  assert.equal(link.freeSlots(), 0, 'out of placement');
  assert.match(link.lastError ?? '', /health probe failed/);

  flaky.failing = false;
  await eventually(() => link.healthy, 5_000, 'probe answers again');
  assert.equal(link.freeSlots(), 2, 'back in placement');
  assert.equal(link.lastError, null);
  assert.equal(ups, 2, 'announced as up again, so the gateway reconciles and dispatches');
});
