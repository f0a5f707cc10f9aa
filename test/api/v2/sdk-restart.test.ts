/**
 * @comfyorg/sdk across a restart of the gateway (a child process, killed with SIGKILL and started
 * again on the same port and data dir). Its own file: node --test gives it a fresh process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Comfy } from '@comfyorg/sdk';
import sharp from 'sharp';
import { makeTempDir } from '../../helpers/app.js';
import { eventually, getJson } from '../../helpers/comfy-client.js';
import { startFakeComfy } from '../../fake-comfy/server.js';
import { closedPort, startService, stopService } from '../../main/service.js';

function clientFor(url: string): Comfy {
  process.env.COMFY_BASE_URL = url;
  return new Comfy();
}

const photo = () => sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 250, g: 20, b: 30 } } }).png().toBuffer();

/** LoadImage (an asset) → ImageInvert → SaveImage. */
function invertWorkflow(client: Comfy, image: unknown, prefix: string) {
  const workflow = client.workflows.fromJson({
    '1': { class_type: 'LoadImage', inputs: {} },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: prefix } },
  });
  workflow.setInput('1', 'image', image);
  return workflow;
}

test('@comfyorg/sdk across a gateway restart mid-job: the same Job handle streams to the end and downloads its output', async (t) => {
  const fake = await startFakeComfy();
  t.after(() => fake.close());
  const data = makeTempDir();
  t.after(() => data.remove());
  // The same port after the restart: the SDK's base URL does not change.
  const args = ['--data-dir', data.dir, '--comfyui', fake.url, '--port', String(await closedPort())];
  // A refused connection counts as "not yet": right after a restart the port may briefly refuse.
  const backendUp = (url: string) => async () =>
    getJson<{ backends: { state: string }[] }>(`${url}/automa/backends`).then(
      (body) => body.backends.every((b) => b.state === 'up'),
      () => false,
    );

  const first = await startService(args);
  t.after(() => stopService(first));
  await eventually(backendUp(first.url), 10_000, 'backend up');
  const client = clientFor(first.url);
  const stall = fake.control.stall({ classType: 'ImageInvert' });
  const job = await client.submit(invertWorkflow(client, client.assets.fromBytes(await photo(), { filename: 'photo.png' }), 'restart'));

  const stream = job.events()[Symbol.asyncIterator]();
  for (;;) {
    const { value } = await stream.next();
    if (value?.kind === 'statusChange' && value.status === 'running') break;
  }
  await stall.reached;
  // While nothing listens on the port the SDK's stream fails (its poll backstop cannot connect).
  // The expectation is attached before the kill: the failure may come before stopService resolves.
  const streamFailed = assert.rejects(async () => {
    while (!(await stream.next()).done);
  });
  await stopService(first, 'SIGKILL');
  await streamFailed;

  const second = await startService(args);
  t.after(() => stopService(second));
  assert.equal(second.url, first.url);
  await eventually(backendUp(second.url), 10_000, 'backend up again');
  fake.control.releaseStalls();

  // What a client does after its stream failed: open the same handle's events again.
  const statuses: string[] = [];
  for await (const event of job.events()) if (event.kind === 'statusChange') statuses.push(event.status);
  assert.equal(statuses.at(-1), 'succeeded');
  await job.result();
  const [output] = job.getOutputs('3');
  assert.ok(output);
  const downloaded = await output.toBytes();
  assert.equal(downloaded.length, output.sizeBytes);
  const rehydrated = await client.jobs.get(job.id);
  assert.equal(rehydrated.status, 'succeeded');
  assert.equal(fake.control.received.prompts.filter((p) => p.promptId === job.id && p.status === 200).length, 1, 'ran once');
});
