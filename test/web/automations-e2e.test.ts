/**
 * The Automations page end to end in Debian's Chromium, against the real service: a webhook made
 * in the page delivers to a real receiver on loopback (which verifies every request with the
 * standardwebhooks library), and schedules are made, paused and resumed, and show what they fired.
 * Waits are on what the page shows, never sleeps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getJson, postJson } from '../helpers/comfy-client.js';
import { waitForBackendsUp } from '../helpers/stack.js';
import { DEFAULT_CHECKPOINT, defaultWorkflowUi } from '../automation/helpers.js';
import { startReceiver } from '../events/helpers.js';
import { axeViolations, browserForFile } from './browser.js';
import { openPage, startWebStack } from './web-stack.js';

const shared = browserForFile();

// Loopback receivers need --webhook-allow-private; retries wait long so only the page's clicks send.
const WEBHOOK_FLAGS = ['--webhook-allow-private', '--webhook-retry-schedule', '3600'];

test('a webhook made in the page shows its secret once; a test delivery to a failing receiver logs the 503 and its answer, and delivering it again once the receiver is back logs a 204', async (t) => {
  const receiver = await startReceiver();
  t.after(() => receiver.close());
  const { app } = await startWebStack(t, shared.webApp, WEBHOOK_FLAGS);
  const { page, errors } = await openPage(t, shared.browser, `${app.url}/automations`);
  await page.getByRole('heading', { level: 1, name: 'Automations' }).waitFor();
  await page.getByText('No webhooks yet').waitFor();

  await page.getByRole('button', { name: 'New webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'New webhook' });
  await dialog.getByLabel('URL').fill(receiver.url);
  await dialog.getByLabel('Description (optional)').fill('e2e receiver');
  await dialog.getByRole('button', { name: 'Create webhook' }).click();

  const shown = page.getByRole('dialog', { name: 'Webhook created' });
  const secret = ((await shown.getByTestId('webhook-secret-value').textContent()) ?? '').trim();
  assert.match(secret, /^whsec_/);
  receiver.secret = secret;
  assert.deepEqual(await axeViolations(page), [], 'axe with the secret shown');
  await shown.getByRole('button', { name: 'I have stored it' }).click();
  await shown.waitFor({ state: 'detached' });
  assert.ok(!(await page.content()).includes(secret), 'the secret is gone from the page once the dialog is closed');
  const listed = await getJson<{ webhooks: Record<string, unknown>[] }>(`${app.url}/automa/webhooks`);
  assert.equal(listed.webhooks.length, 1);
  assert.equal(listed.webhooks[0]?.secret, undefined, 'the API never shows it again');

  const row = page.getByTestId('webhook-row');
  await row.and(page.locator('[data-status="active"]')).waitFor();
  const log = page.getByTestId('delivery-log');
  await log.getByText('Nothing delivered yet').waitFor();

  receiver.mode = 'fail';
  await row.getByRole('button', { name: `Send test ${receiver.url}` }).click();
  const failed = log.locator('[data-testid="delivery-row"][data-code="503"]');
  await failed.waitFor();
  assert.equal(await failed.getAttribute('data-status'), 'pending');
  await failed.getByText('receiver is down for maintenance').waitFor();
  await failed.getByRole('button', { name: /^Attempts of delivery/ }).click();
  await log.getByTestId('delivery-attempt').getByText(/^Attempt 1 · .* · HTTP 503 · \d+ ms$/).waitFor();

  receiver.mode = 'ok';
  await failed.getByRole('button', { name: /^Deliver again/ }).click();
  // The new delivery succeeds, and the endpoint being back sends the first one's retry at once too.
  await log.locator('[data-testid="delivery-row"][data-delivery-id="2"][data-status="succeeded"][data-code="204"]').waitFor();
  await log.locator('[data-testid="delivery-row"][data-delivery-id="1"][data-status="succeeded"][data-code="204"]').waitFor();
  await receiver.waitFor((received) => received.length === 2);
  assert.deepEqual(receiver.received.map((r) => r.body.type), ['webhook.test', 'webhook.test']);
  assert.equal(receiver.received[0]?.id, receiver.received[1]?.id, 'a redelivery is the same event, with the same webhook-id');
  assert.ok(receiver.hits.every((hit) => hit.verified), 'every request verified with the secret the page showed');

  await row.getByRole('switch', { name: `Deliver to ${receiver.url}` }).click({ force: true });
  await row.and(page.locator('[data-status="disabled"]')).waitFor();
  assert.deepEqual(await axeViolations(page), [], 'axe with the delivery log open');

  await row.getByRole('button', { name: `Delete webhook ${receiver.url}` }).click();
  await page.getByRole('dialog', { name: 'Delete this webhook?' }).getByRole('button', { name: 'Delete webhook' }).click();
  await page.getByText('No webhooks yet').waitFor();
  assert.deepEqual(errors, []);
});

test('a bad webhook URL is refused with the service’s reason and nothing is stored', async (t) => {
  const { app } = await startWebStack(t, shared.webApp);
  const { page, errors } = await openPage(t, shared.browser, `${app.url}/automations`);
  await page.getByRole('button', { name: 'New webhook' }).click();
  const dialog = page.getByRole('dialog', { name: 'New webhook' });
  // Without --webhook-allow-private, loopback is refused (SSRF rules).
  await dialog.getByLabel('URL').fill('http://127.0.0.1:9/hook');
  await dialog.getByRole('button', { name: 'Create webhook' }).click();
  await dialog.getByRole('alert').getByText(/^url: /).waitFor();
  assert.deepEqual((await getJson<{ webhooks: unknown[] }>(`${app.url}/automa/webhooks`)).webhooks, []);
  // Browsers log a refused request by itself; that is the point of this test.
  assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), []);
});

const PROMPT = {
  '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 65280 } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'scheduled' } },
};

test('a schedule made in the page shows its next fire times and pauses and resumes; a bad cron pattern is refused naming the field', async (t) => {
  const { app } = await startWebStack(t, shared.webApp);
  const { page, errors } = await openPage(t, shared.browser, `${app.url}/automations?tab=schedules`, [/status of 400/]);
  await page.getByText('No schedules yet').waitFor();
  assert.deepEqual(await axeViolations(page), [], 'axe on the empty schedules tab');

  await page.getByRole('button', { name: 'New schedule' }).click();
  const dialog = page.getByRole('dialog', { name: 'New schedule' });
  await dialog.getByLabel('Name').fill('Morning render');
  await dialog.getByText('API prompt', { exact: true }).click();
  await dialog.getByLabel('Prompt (API format)').fill(JSON.stringify(PROMPT));
  await dialog.getByLabel('Cron pattern').fill('61 * * * *');
  await dialog.getByRole('button', { name: 'Create schedule' }).click();
  await dialog.getByRole('alert').getByText(/^cron: /).waitFor();
  assert.deepEqual((await getJson<{ schedules: unknown[] }>(`${app.url}/automa/schedules`)).schedules, []);

  await dialog.getByText('Daily at 09:00').click();
  assert.equal(await dialog.getByLabel('Cron pattern').inputValue(), '0 9 * * *');
  await dialog.getByRole('button', { name: 'Create schedule' }).click();
  await dialog.waitFor({ state: 'detached' });

  const row = page.getByTestId('schedule-row');
  await row.and(page.locator('[data-status="active"]')).waitFor();
  await row.getByText('a prompt of 2 nodes').waitFor();
  const detail = page.getByTestId('schedule-detail');
  await detail.waitFor();
  assert.equal(await detail.getByTestId('schedule-next-fire').count(), 5);
  await detail.getByText('No slot has fired yet').waitFor();
  const [stored] = (await getJson<{ schedules: { cron: string; name: string; prompt: unknown }[] }>(`${app.url}/automa/schedules`)).schedules;
  assert.deepEqual({ cron: stored?.cron, name: stored?.name, prompt: stored?.prompt }, { cron: '0 9 * * *', name: 'Morning render', prompt: PROMPT });

  await row.getByRole('button', { name: 'Pause Morning render' }).click();
  await row.and(page.locator('[data-status="paused"]')).waitFor();
  await detail.getByText('Paused: nothing fires until it is resumed.').waitFor();
  await row.getByRole('button', { name: 'Resume Morning render' }).click();
  await row.and(page.locator('[data-status="active"]')).waitFor();
  await detail.getByTestId('schedule-next-fire').first().waitFor();
  assert.deepEqual(await axeViolations(page), [], 'axe with a schedule open');
  assert.deepEqual(errors, []);
});

test('a schedule of an app made in the page submits a run with the inputs given in its form', async (t) => {
  const { app } = await startWebStack(t, shared.webApp, [], { models: { checkpoints: [DEFAULT_CHECKPOINT] } });
  await waitForBackendsUp(app.url);
  const imported = await postJson(`${app.url}/automa/apps`, { name: 'txt2img', workflow: defaultWorkflowUi() });
  assert.equal(imported.status, 201);
  const appId = (imported.body as { id: string }).id;
  const { page, errors } = await openPage(t, shared.browser, `${app.url}/automations?tab=schedules`);
  await page.getByRole('button', { name: 'New schedule' }).click();
  const dialog = page.getByRole('dialog', { name: 'New schedule' });
  await dialog.getByLabel('Name').fill('Nightly fox');
  await dialog.getByLabel('App', { exact: true }).click();
  await page.getByRole('option', { name: 'txt2img' }).click();
  await dialog.getByRole('textbox', { name: 'Prompt', exact: true }).fill('a red fox in fresh snow');
  await dialog.getByRole('button', { name: 'Create schedule' }).click();
  await dialog.waitFor({ state: 'detached' });
  const row = page.getByTestId('schedule-row');
  await row.getByText('a run of app txt2img').waitFor();
  const [stored] = (await getJson<{ schedules: { app: string; inputs: Record<string, unknown> }[] }>(`${app.url}/automa/schedules`)).schedules;
  assert.equal(stored?.app, appId);
  assert.equal(stored?.inputs.prompt, 'a red fox in fresh snow');
  assert.equal(stored?.inputs.seed, 'random', 'the seed stays random: each slot draws its own');
  assert.deepEqual(await axeViolations(page), [], 'axe with an app schedule');
  assert.deepEqual(errors, []);
});

test('a schedule that fired shows the prompt its slot produced, linked to the gallery', async (t) => {
  const { app } = await startWebStack(t, shared.webApp);
  await waitForBackendsUp(app.url);
  // One second from now: the scheduler's own timer fires it; the page waits for what it shows.
  const created = await postJson(`${app.url}/automa/schedules`, { name: 'soon', prompt: PROMPT, at: new Date(Date.now() + 1000).toISOString() });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = (created.body as { id: string }).id;
  const { page, errors } = await openPage(t, shared.browser, `${app.url}/automations?tab=schedules&schedule=${id}`);
  const fire = page.getByTestId('schedule-fire').and(page.locator('[data-status="fired"]'));
  await fire.waitFor({ timeout: 20_000 });
  await page.getByTestId('schedule-row').and(page.locator('[data-status="done"]')).waitFor({ timeout: 20_000 });
  const link = fire.getByRole('link');
  const promptId = ((await link.getAttribute('title')) ?? '').trim();
  assert.match(promptId, /^[0-9a-f-]{36}$/);
  await link.click();
  await page.getByTestId('job-detail').and(page.locator(`[data-prompt-id="${promptId}"]`)).waitFor();
  assert.deepEqual(errors, []);
});
