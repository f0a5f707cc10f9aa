/**
 * The screenshots of the pages that need more than history: Apps (the default workflow imported,
 * run twice), a finished 2×3 sweep, and Automations (a webhook with its delivery log against a
 * local receiver, a schedule with a slot that fired). Used by scripts/screenshots.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { defaultWorkflowUi } from '../test/automation/helpers.js';
import { eventually, getJson, postJson } from '../test/helpers/comfy-client.js';

async function created(url: string, body: unknown): Promise<string> {
  const answer = await postJson(url, body);
  if (answer.status !== 201 && answer.status !== 202) throw new Error(`${url}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return (answer.body as { id: string }).id;
}

export async function shootAutomaPages(appUrl: string, page: Page, out: string): Promise<void> {
  const save = async (name: string) => {
    await page.getByText('Loading…').first().waitFor({ state: 'detached' }).catch(() => undefined);
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await page.screenshot({ path: path.join(out, `${name}.png`) });
    console.log(`docs/screenshots/${name}.png`);
  };

  const appId = await created(`${appUrl}/automa/apps`, { name: 'txt2img', workflow: defaultWorkflowUi() });
  for (const prompt of ['a lighthouse at dusk, oil painting', 'a red fox in fresh snow, morning light']) {
    await created(`${appUrl}/automa/apps/${appId}/runs`, { inputs: { prompt, seed: 'random' } });
  }
  await eventually(async () => (await getJson<{ items: { status: string }[] }>(`${appUrl}/automa/runs?app=${appId}`)).items.every((r) => r.status === 'succeeded'), 60_000, 'runs done');
  await page.goto(`${appUrl}/apps/${appId}`);
  await page.waitForFunction(`[...document.querySelectorAll('[data-testid="run-card"] img')].filter((img) => img.complete && img.naturalWidth > 0).length === 2`);
  await save('apps');

  const sweepId = await created(`${appUrl}/automa/apps/${appId}/sweeps`, {
    name: 'cfg × steps',
    inputs: { prompt: 'a lighthouse at dusk, oil painting', seed: 42 },
    axes: [{ input: 'cfg', values: [4, 7] }, { input: 'steps', range: { from: 10, to: 30, step: 10 } }],
  });
  await page.goto(`${appUrl}/sweeps/${sweepId}`);
  await page.locator('[data-testid="sweep"][data-status="finished"]').waitFor({ timeout: 60_000 });
  await page.waitForFunction(`[...document.querySelectorAll('[data-testid="sweep-cell"] img')].filter((img) => img.complete && img.naturalWidth > 0).length === 6`);
  await save('sweep');
  await page.goto(`${appUrl}/sweeps/new?app=${appId}`);
  await page.getByTestId('sweep-axis').waitFor();
  await save('sweep-builder');

  const receiver = http.createServer((request, response) => {
    request.resume().on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}'));
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/comfyui`;
    const hookId = await created(`${appUrl}/automa/webhooks`, { url, events: ['run.succeeded', 'run.failed', 'sweep.completed'], description: 'render farm notifier' });
    await created(`${appUrl}/automa/webhooks`, { url: `${url}/backends`, events: ['backend.*'], description: 'on-call pager', enabled: false });
    await postJson(`${appUrl}/automa/webhooks/${hookId}/test`, {});
    await created(`${appUrl}/automa/apps/${appId}/runs`, { inputs: { prompt: 'a quiet harbour', seed: 7 } });
    await eventually(async () => (await getJson<{ deliveries: { status: string }[] }>(`${appUrl}/automa/webhooks/${hookId}/deliveries`)).deliveries.filter((d) => d.status === 'succeeded').length >= 2, 30_000, 'deliveries');
    await page.goto(`${appUrl}/automations?webhook=${hookId}`);
    await page.getByTestId('delivery-row').nth(1).waitFor();
    await save('automations-webhooks');
  } finally {
    receiver.close();
  }

  const prompt = (await getJson<{ prompt: Record<string, unknown> }>(`${appUrl}/automa/apps/${appId}`)).prompt;
  await created(`${appUrl}/automa/schedules`, { name: 'Nightly render', app: appId, inputs: { prompt: 'a lighthouse at dusk, oil painting', seed: 'random' }, cron: '0 3 * * *', timezone: 'Europe/Paris' });
  await created(`${appUrl}/automa/schedules`, { name: 'Weekly cfg grid', sweep: { app: appId, axes: [{ input: 'cfg', values: [4, 7] }, { input: 'steps', values: [10, 20, 30] }] }, cron: '0 6 * * 1' });
  const soon = await created(`${appUrl}/automa/schedules`, { name: 'Launch preview', prompt, at: new Date(Date.now() + 1500).toISOString() });
  await page.goto(`${appUrl}/automations?tab=schedules&schedule=${soon}`);
  await page.locator('[data-testid="schedule-fire"][data-status="fired"]').waitFor({ timeout: 30_000 });
  await save('automations-schedules');
}
