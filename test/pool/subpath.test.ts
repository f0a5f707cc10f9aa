import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { ComfyTestClient, getJson, postJson } from '../helpers/comfy-client.js';
import { acceptedBy, forwardUpgrade, imageGraph, startFakes, startGateway, THREE, waitForState } from './pool-helpers.js';

/**
 * A reverse proxy that serves a backend under `/prefix` (HTTP and WebSocket upgrades), the way
 * ComfyUI often sits behind nginx; anything outside the prefix is a 404.
 */
async function startPrefixProxy(targetPort: number, prefix: string): Promise<{ url: string; close(): Promise<void> }> {
  const strip = (url: string | undefined): string | null => {
    if (url === undefined || !url.startsWith(`${prefix}/`)) return null;
    return url.slice(prefix.length);
  };
  const server = http.createServer((req, res) => {
    const path = strip(req.url);
    if (path === null) return void res.writeHead(404).end();
    const upstream = http.request({ host: '127.0.0.1', port: targetPort, method: req.method, path, headers: { ...req.headers, host: `127.0.0.1:${targetPort}` } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const path = strip(req.url);
    if (path === null) return void socket.destroy();
    forwardUpgrade(req, socket, head, targetPort, path);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}${prefix}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('a backend under a URL path (behind a reverse proxy) joins the pool, configured or added at runtime', async (t) => {
  const fakes = await startFakes(t, { a: THREE.a, d: THREE.c });
  const proxies = await Promise.all([startPrefixProxy(fakes.a.port, '/gpu0/comfy'), startPrefixProxy(fakes.d.port, '/gpu1')]);
  t.after(() => Promise.all(proxies.map((p) => p.close())));
  const [proxyA, proxyD] = proxies as [(typeof proxies)[0], (typeof proxies)[0]];

  const app = await startGateway(t, ['--comfyui', `a=${proxyA.url}/`], { waitFor: ['a'] });
  assert.equal((await postJson(`${app.url}/automa/backends`, { name: 'd', url: proxyD.url })).status, 201);
  await waitForState(app, ['d'], 'up');

  const client = await ComfyTestClient.connect(app.wsUrl, 'subpath');
  t.after(() => client.close());
  const plain = (await postJson(`${app.url}/prompt`, { prompt: imageGraph(1), client_id: 'subpath' })).body as { prompt_id: string };
  const blur = (await postJson(`${app.url}/prompt`, { prompt: imageGraph(2, { blur: true }), client_id: 'subpath' })).body as { prompt_id: string };
  await client.waitForDone(plain.prompt_id);
  await client.waitForDone(blur.prompt_id);
  assert.deepEqual(acceptedBy(fakes.d), [blur.prompt_id]);
  const history = await getJson<Record<string, { status: { status_str: string } }>>(`${app.url}/history`);
  assert.equal(history[plain.prompt_id]?.status.status_str, 'success');
  assert.equal(history[blur.prompt_id]?.status.status_str, 'success');
  // The pool's unions and the per-backend proxy reach them too.
  assert.deepEqual(await getJson(`${app.url}/embeddings`), THREE.a.embeddings);
  assert.deepEqual(await getJson(`${app.url}/automa/backends/d/comfyui/models/checkpoints`), THREE.c.models?.['checkpoints']);
});
