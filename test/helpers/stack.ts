import type { TestContext } from 'node:test';
import { startFakeComfy, type FakeComfy, type FakeComfyOptions } from '../fake-comfy/server.js';
import { startTestApp, type TestApp } from './app.js';
import { eventually, getJson } from './comfy-client.js';

/** Wait until every backend of the gateway at `appUrl` is up and has reported its object_info. */
export async function waitForBackendsUp(appUrl: string, timeoutMs = 10_000): Promise<void> {
  await eventually(
    async () => {
      const { backends } = await getJson<{ backends: { state: string; node_classes: number }[] }>(`${appUrl}/automa/backends`);
      return backends.length > 0 && backends.every((b) => b.state === 'up' && b.node_classes > 0);
    },
    timeoutMs,
    'backends up with object_info',
  );
}

/** A fake ComfyUI and the gateway in front of it, both torn down after the test. */
export async function startStack(
  t: TestContext,
  fakeOptions: FakeComfyOptions = {},
  argv: readonly string[] = [],
): Promise<{ fake: FakeComfy; app: TestApp }> {
  const fake = await startFakeComfy(fakeOptions);
  t.after(() => fake.close());
  const app = await startTestApp(['--comfyui', fake.url, ...argv]);
  t.after(() => app.close());
  await waitForBackendsUp(app.url);
  return { fake, app };
}
