/**
 * The web app end to end: Debian's Chromium against the real service (built web app served at
 * `/`) and the fake ComfyUI. Waits are on what the page shows (Playwright's auto-waiting
 * locators), never sleeps; the timeouts only bound how long a broken build may hang.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import type { FakeComfy } from '../fake-comfy/server.js';
import type { TestApp } from '../helpers/app.js';
import { postJson } from '../helpers/comfy-client.js';
import { waitForBackendsUp } from '../helpers/stack.js';
import { axeViolations, browserForFile, collectPageErrors, launchBrowser } from './browser.js';
import { openPage as openWebPage, startWebStack } from './web-stack.js';

/** What the page's <img> elements tell (the test's tsconfig has no DOM types). */
interface ImageLike {
  readonly complete: boolean;
  readonly naturalWidth: number;
}

const shared = browserForFile();

const startStack = (t: TestContext, argv: readonly string[] = []): Promise<{ fake: FakeComfy; app: TestApp }> => startWebStack(t, shared.webApp, argv);
const openPage = (t: TestContext, url: string, allowedErrors: readonly RegExp[] = []): Promise<{ page: Page; errors: string[] }> => openWebPage(t, shared.browser, url, allowedErrors);

const PAGES = [
  { path: '/', en: 'Overview', zh: '概览' },
  { path: '/gallery', en: 'Gallery', zh: '图库' },
  { path: '/apps', en: 'Apps', zh: '应用' },
  { path: '/sweeps', en: 'Sweeps', zh: '扫参' },
  { path: '/sweeps/new', en: 'New sweep', zh: '新建扫参' },
  { path: '/backends', en: 'Backends', zh: '后端' },
  { path: '/automations', en: 'Automations', zh: '自动化' },
  { path: '/preferences', en: 'Settings', zh: '设置' },
] as const;

test('every page renders in English with no accessibility violations and no console errors; a browser at / gets the app, an API client the JSON index', async (t) => {
  const { app } = await startStack(t);
  await waitForBackendsUp(app.url);
  const index = await fetch(`${app.url}/`, { headers: { accept: 'application/json' } });
  assert.equal(((await index.json()) as { name: string }).name, 'comfyui-automa');

  const { page, errors } = await openPage(t, `${app.url}/`);
  for (const { path, en } of PAGES) {
    // Client-side navigation through the side bar, then a full load of the same URL (SPA fallback).
    await page.goto(`${app.url}${path}`);
    await page.getByRole('heading', { level: 1, name: en }).waitFor();
    await page.getByText('Loading…').first().waitFor({ state: 'detached' });
    assert.deepEqual(await axeViolations(page), [], `axe on ${path}`);
  }
  await page.goto(`${app.url}/`);
  await page.getByRole('link', { name: 'Backends' }).click();
  await page.getByRole('heading', { level: 1, name: 'Backends' }).waitFor();
  // Keyboard: Tab reaches the navigation and Enter follows a link.
  await page.getByRole('link', { name: 'Gallery' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Gallery' }).waitFor();
  assert.deepEqual(errors, []);
});

test('the app follows a Chinese browser, and the language can be switched in Settings', async (t) => {
  const { app } = await startStack(t);
  const zhBrowser = await launchBrowser({ locale: 'zh-CN' });
  t.after(() => zhBrowser.close());
  const page = await zhBrowser.context.newPage();
  const errors = collectPageErrors(page);
  for (const { path, zh } of PAGES) {
    await page.goto(`${app.url}${path}`);
    await page.getByRole('heading', { level: 1, name: zh }).waitFor();
  }
  assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang), 'zh-CN');
  assert.deepEqual(await axeViolations(page), [], 'axe on the Chinese settings page');
  await page.locator('input[aria-label="语言"]').click();
  await page.getByRole('option', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
  assert.deepEqual(errors, []);
});

test('a prompt queued through the API shows live progress and a preview on Overview, then its image in the Gallery', async (t) => {
  const { fake, app } = await startStack(t);
  await waitForBackendsUp(app.url);
  const { page, errors } = await openPage(t, `${app.url}/`);
  await page.getByTestId('live-state').and(page.locator('[data-connected="true"]')).waitFor();

  // Invert reports 4 steps with previews, then Save waits until the test lets it go.
  fake.control.setProgressSteps(4, 'ImageInvert');
  const stall = fake.control.stall('SaveImage');
  const prompt = {
    '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 3381759 } },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'e2e' } },
  };
  // No client_id: ComfyUI's targeting then sends progress and previews to every socket.
  const submitted = await postJson(`${app.url}/prompt`, { prompt, extra_data: { preview_method: 'auto' } });
  assert.equal(submitted.status, 200);
  const promptId = (submitted.body as { prompt_id: string }).prompt_id;
  await stall.reached;

  const running = page.locator(`[data-testid="running-job"][data-prompt-id="${promptId}"]`);
  await running.waitFor();
  await running.locator('[data-testid="job-progress"]:not([data-percent=""])').waitFor();
  const percent = Number(await running.getByTestId('job-progress').getAttribute('data-percent'));
  assert.ok(percent > 0 && percent < 100, `progress ${percent}% while Save waits`);
  await running.getByTestId('live-preview').waitFor();
  const preview = await running.getByTestId('live-preview').evaluate((img) => (img as unknown as ImageLike).naturalWidth);
  assert.ok(preview > 0, 'the preview frame decodes as an image');

  stall.release();
  await fake.control.waitForHistory(promptId);
  await running.waitFor({ state: 'detached' });

  await page.getByRole('link', { name: 'Gallery' }).click();
  const tile = page.locator(`[data-testid="gallery-tile"][data-prompt-id="${promptId}"]`);
  await tile.locator('img').waitFor();
  assert.match((await tile.locator('img').getAttribute('src')) ?? '', /^\/view\?filename=e2e_.*preview=webp/);
  assert.ok(await tile.locator('img').evaluate((img) => (img as unknown as ImageLike).complete && (img as unknown as ImageLike).naturalWidth === 64));

  await tile.click();
  const detail = page.getByTestId('job-detail');
  await detail.waitFor();
  await detail.getByText(/^Outputs \(1\)$/).waitFor();
  assert.equal(await detail.locator('img').count(), 1);
  assert.deepEqual(await axeViolations(page), [], 'axe with the detail drawer open');
  assert.deepEqual(errors, []);
});

test("another client's prompt shows its backend and steps on Overview from the event stream (/ws sends its progress only to that client)", async (t) => {
  const { fake, app } = await startStack(t);
  await waitForBackendsUp(app.url);
  const { page, errors } = await openPage(t, `${app.url}/`);
  await page.getByTestId('live-state').and(page.locator('[data-connected="true"]')).waitFor();

  fake.control.setProgressSteps(4, 'ImageInvert');
  const stall = fake.control.stall('SaveImage');
  const prompt = {
    '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 255 } },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'other' } },
  };
  const submitted = await postJson(`${app.url}/prompt`, { prompt, client_id: 'another-client' });
  assert.equal(submitted.status, 200);
  const promptId = (submitted.body as { prompt_id: string }).prompt_id;
  await stall.reached;

  const running = page.locator(`[data-testid="running-job"][data-prompt-id="${promptId}"]`);
  // Invert's four steps are done while Save waits: the last progress event says 4 of 4.
  await running.locator('[data-testid="job-progress"][data-source="events"][data-percent="100"]').waitFor();
  await running.getByText('ImageInvert: step 4 of 4').waitFor();
  await running.getByText(/^on /).waitFor();
  assert.equal(await running.getByTestId('live-preview').count(), 0, 'previews of another client\'s prompt stay with it');

  stall.release();
  await running.waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
});

test('a backend that stops shows as down on Overview and Backends within seconds, and as up once it is back', async (t) => {
  const { fake, app } = await startStack(t);
  await waitForBackendsUp(app.url);
  const { page, errors } = await openPage(t, `${app.url}/`);
  const card = page.getByTestId('backend-card');
  await card.and(page.locator('[data-state="up"]')).waitFor();

  await fake.control.crash();
  await card.and(page.locator('[data-state="down"]')).waitFor({ timeout: 15_000 });
  await page.getByRole('link', { name: 'Backends' }).click();
  await page.getByTestId('backend-row').getByTestId('backend-state').and(page.locator('[data-state="down"]')).waitFor();

  await fake.control.restart();
  await page.getByTestId('backend-row').getByTestId('backend-state').and(page.locator('[data-state="up"]')).waitFor({ timeout: 15_000 });
  assert.deepEqual(errors, []);
});

test('with --api-key the app asks for the key, then works, live socket included', async (t) => {
  const { app } = await startStack(t, ['--api-key', 'e2e-secret-key-0123456789']);
  await waitForBackendsUp(app.url).catch(() => undefined); // the helper sends no key
  // Before the key, the browser itself logs the refused requests and WebSocket handshake.
  const { page, errors } = await openPage(t, `${app.url}/`, [/401/, /WebSocket connection/]);
  const dialog = page.getByRole('dialog', { name: 'API key required' });
  await dialog.waitFor();
  await dialog.getByLabel('API key').fill('wrong-key');
  await dialog.getByRole('button', { name: 'Use this key' }).click();
  await dialog.getByText('The service refused this key.').waitFor();
  await dialog.getByLabel('API key').fill('e2e-secret-key-0123456789');
  await dialog.getByRole('button', { name: 'Use this key' }).click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByTestId('backend-card').waitFor();
  await page.getByTestId('live-state').and(page.locator('[data-connected="true"]')).waitFor();
  assert.equal(await page.evaluate(() => (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage.getItem('automa.apiKey')), 'e2e-secret-key-0123456789');
  assert.deepEqual(errors, []);
});
