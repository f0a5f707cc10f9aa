/**
 * The gallery end to end in Debian's Chromium against the real service and a fake ComfyUI:
 * filters that the server applies (the page asks GET /api/jobs with them), "Run with changes"
 * from a job's detail, "Open as app", delete, and a 4xx shown without a Retry. Waits are on
 * what the page shows, never sleeps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ComfyTestClient, eventually, getJson, postJson } from '../helpers/comfy-client.js';
import { waitForBackendsUp } from '../helpers/stack.js';
import { axeViolations, browserForFile } from './browser.js';
import { openPage, startWebStack } from './web-stack.js';

const shared = browserForFile();

const graph = (prefix: string, color: number) => ({
  '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color } },
  '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
  '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: prefix } },
});

interface JobDetail {
  status: string;
  workflow: { prompt: Record<string, { inputs: Record<string, unknown> }> };
}

test('gallery filters go to the server; a job runs again with changed values, opens as an app, and is deleted', async (t) => {
  const { app } = await startWebStack(t, shared.webApp);
  await waitForBackendsUp(app.url);
  const client = await ComfyTestClient.connect(app.wsUrl, 'gallery-e2e');
  t.after(() => client.close());
  const ids: Record<string, string> = {};
  for (const [prefix, color] of [['Sunset_Beach', 0xf0a35e], ['sunset_hills', 0xd94f70], ['forest', 0x2fb380]] as const) {
    const reply = await postJson(`${app.url}/prompt`, { prompt: graph(prefix, color), client_id: 'gallery-e2e' });
    ids[prefix] = (reply.body as { prompt_id: string }).prompt_id;
    await client.waitForDone(ids[prefix]);
  }

  // The 404 of a job that is not there is the browser's own console line.
  const { page, errors } = await openPage(t, shared.browser, `${app.url}/gallery`, [/404/]);
  const jobsRequests: URL[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/api/jobs') jobsRequests.push(url);
  });
  const tiles = page.getByTestId('gallery-tile');
  const total = page.getByTestId('gallery-total');
  await total.getByText('3 jobs in history').waitFor();
  assert.deepEqual(await axeViolations(page), [], 'axe with the filters');

  // Text in the parameters, case-insensitive, asked of the server once typing pauses.
  await page.getByRole('textbox', { name: 'Text in parameters' }).fill('SUNSET');
  await total.getByText('2 jobs in history').waitFor();
  assert.deepEqual((await tiles.evaluateAll((els) => els.map((el) => (el as unknown as { dataset: { promptId: string } }).dataset.promptId))).sort(), [ids.Sunset_Beach, ids.sunset_hills].sort());
  assert.ok(jobsRequests.some((url) => url.searchParams.get('text') === 'SUNSET'), 'the filter is a query parameter');
  assert.ok(!jobsRequests.some((url) => url.searchParams.get('text') === 'S'), 'not one request per key');

  // A day range that ends before today: nothing matches, and the page says so; Clear filters brings everything back.
  await page.getByLabel('To', { exact: true }).fill('2020-01-01');
  await page.getByText('No job matches these filters').waitFor();
  assert.ok(jobsRequests.some((url) => url.searchParams.get('created_before') === String(new Date(2020, 0, 2).getTime())));
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await total.getByText('3 jobs in history').waitFor();
  assert.equal(await page.getByRole('textbox', { name: 'Text in parameters' }).inputValue(), '');

  // Run with changes: the form holds the job's values; two are changed and queued as a new job.
  await page.locator(`[data-testid="gallery-tile"][data-prompt-id="${ids.forest}"]`).click();
  const detail = page.getByTestId('job-detail');
  await detail.waitFor();
  await detail.getByRole('button', { name: 'Run with changes' }).click();
  const form = page.getByTestId('rerun-form');
  const prefix = form.locator('input[data-input="3/filename_prefix"]');
  assert.equal(await prefix.inputValue(), 'forest');
  assert.equal(await form.locator('[data-input="2/image"]').count(), 0, 'links are not offered');
  await prefix.fill('forest_changed');
  const color = form.locator('input[data-input="1/color"]');
  await color.fill('not a number');
  await form.getByText('Must be a number').waitFor();
  assert.equal(await form.getByRole('button', { name: 'Queue with these values' }).isDisabled(), true);
  await color.fill('255');
  assert.deepEqual(await axeViolations(page), [], 'axe with the run-with-changes form');
  await form.getByRole('button', { name: 'Queue with these values' }).click();
  const queued = detail.getByTestId('rerun-queued');
  await queued.waitFor();
  const newId = (await queued.getAttribute('data-prompt-id')) ?? '';
  // Queued with the page's own client id: its frames go to the page, so the test asks the job.
  await eventually(async () => (await getJson<JobDetail>(`${app.url}/api/jobs/${newId}`)).status === 'completed', 15_000, 'the changed run finished');
  const rerun = await getJson<JobDetail>(`${app.url}/api/jobs/${newId}`);
  assert.equal(rerun.workflow.prompt['3']?.inputs.filename_prefix, 'forest_changed');
  assert.equal(rerun.workflow.prompt['1']?.inputs.color, 255);
  assert.deepEqual(rerun.workflow.prompt['2']?.inputs.image, ['1', 0]);

  // The new job is in the gallery, found by its changed value.
  await form.waitFor({ state: 'detached' });
  await page.getByRole('dialog', { name: /^Job / }).getByRole('button', { name: 'Close' }).click();
  await page.getByRole('textbox', { name: 'Text in parameters' }).fill('changed');
  await total.getByText('1 jobs in history').waitFor();
  await page.locator(`[data-testid="gallery-tile"][data-prompt-id="${newId}"]`).waitFor();
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await total.getByText('4 jobs in history').waitFor();

  // Delete takes a job out of history and out of the grid.
  await page.locator(`[data-testid="gallery-tile"][data-prompt-id="${ids.sunset_hills}"]`).click();
  await detail.getByRole('button', { name: 'Delete from history' }).click();
  await detail.waitFor({ state: 'detached' });
  await total.getByText('3 jobs in history').waitFor();
  assert.equal(await page.locator(`[data-testid="gallery-tile"][data-prompt-id="${ids.sunset_hills}"]`).count(), 0);

  // Open as app: an app made from the job's prompt, and the page goes to it.
  await page.locator(`[data-testid="gallery-tile"][data-prompt-id="${ids.forest}"]`).click();
  await detail.getByRole('button', { name: 'Open as app' }).click();
  await page.waitForURL(/\/apps\/[0-9a-f-]{36}$/);
  const appId = new URL(page.url()).pathname.split('/').pop() ?? '';
  const created = await getJson<{ name: string; prompt: Record<string, { inputs: Record<string, unknown> }> }>(`${app.url}/automa/apps/${appId}`);
  assert.equal(created.name, `From job ${ids.forest?.slice(0, 8)}`);
  assert.equal(created.prompt['3']?.inputs.filename_prefix, 'forest');
  await page.getByRole('heading', { name: `Run ${created.name}` }).waitFor();

  // A 4xx (a job that is not there) shows the service's message and no Retry.
  await page.goto(`${app.url}/gallery/00000000-0000-4000-8000-000000000000`);
  const alert = page.getByRole('dialog').getByRole('alert');
  await alert.getByText(/not found/).waitFor();
  assert.equal(await alert.getByRole('button', { name: 'Retry' }).count(), 0);
  assert.deepEqual(errors, []);
});
