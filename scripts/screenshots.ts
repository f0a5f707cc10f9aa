/**
 * `npm run screenshots`: every page of the web app in Debian's Chromium, against the real
 * service and two fake ComfyUI backends with some history, into docs/screenshots/ for the README.
 * Run through tsx; uses the test helpers (fake ComfyUI, app on a temp data dir).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeComfy } from '../test/fake-comfy/server.js';
import { startTestApp } from '../test/helpers/app.js';
import { eventually, getJson, postJson } from '../test/helpers/comfy-client.js';
import { waitForBackendsUp } from '../test/helpers/stack.js';
import { DEFAULT_CHECKPOINT } from '../test/automation/helpers.js';
import { builtWebApp, launchBrowser } from '../test/web/browser.js';
import { shootAutomaPages } from './screenshot-automa.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'docs', 'screenshots');

const COLORS = [0x4858f1, 0xf0a35e, 0x2fb380, 0xd94f70, 0x8d97f7, 0x6bc4e8, 0xe8d36b, 0x9b6be8];

// The default workflow's checkpoint on both, so the Apps and Sweeps pages can run it.
const gpu = await startFakeComfy({ models: { checkpoints: [DEFAULT_CHECKPOINT] } });
const cpu = await startFakeComfy({ models: { checkpoints: [DEFAULT_CHECKPOINT] } });
const app = await startTestApp(['--comfyui', `gpu-1=${gpu.url}`, '--comfyui', `gpu-2=${cpu.url}`, '--webhook-allow-private'], { webAppDirs: [await builtWebApp()] });
const browser = await launchBrowser();
try {
  await waitForBackendsUp(app.url);
  fs.mkdirSync(OUT, { recursive: true });

  // History: pictures of a few colors and sizes, and one failure.
  const ids: string[] = [];
  for (const [i, color] of COLORS.entries()) {
    const prompt = {
      '1': { class_type: 'EmptyImage', inputs: { width: 512, height: i % 3 === 0 ? 768 : 512, batch_size: 1, color } },
      '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: `shot${i}` } },
    };
    const answer = await postJson(`${app.url}/prompt`, { prompt });
    ids.push((answer.body as { prompt_id: string }).prompt_id);
  }
  gpu.control.failNode('ImageBlur', { message: 'CUDA out of memory. Tried to allocate 2.00 GiB' });
  cpu.control.failNode('ImageBlur', { message: 'CUDA out of memory. Tried to allocate 2.00 GiB' });
  const failing = {
    '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0 } },
    '2': { class_type: 'ImageBlur', inputs: { image: ['1', 0], blur_radius: 1, sigma: 1 } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'fail' } },
  };
  await postJson(`${app.url}/prompt`, { prompt: failing });
  await eventually(async () => (await getJson<{ pagination: { total: number } }>(`${app.url}/api/jobs?status=pending,in_progress`)).pagination.total === 0, 60_000, 'history done');

  // A running prompt with progress and a preview, and two waiting behind it.
  gpu.control.setProgressSteps(8, 'ImageInvert');
  cpu.control.setProgressSteps(8, 'ImageInvert');
  const stalls = [gpu.control.stall('SaveImage'), cpu.control.stall('SaveImage')];
  const running = (color: number) => ({
    '1': { class_type: 'EmptyImage', inputs: { width: 256, height: 256, batch_size: 1, color } },
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'live' } },
  });

  const page = await browser.context.newPage();
  const shot = async (name: string, url: string, heading: string) => {
    await page.goto(`${app.url}${url}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.getByText('Loading…').first().waitFor({ state: 'detached' }).catch(() => undefined);
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await page.screenshot({ path: path.join(OUT, `${name}.png`) });
    console.log(`docs/screenshots/${name}.png`);
  };

  await page.goto(`${app.url}/`);
  await page.getByTestId('live-state').and(page.locator('[data-connected="true"]')).waitFor();
  for (const color of [0x4858f1, 0xf0a35e, 0x2fb380, 0xd94f70, 0x8d97f7, 0x6bc4e8]) await postJson(`${app.url}/prompt`, { prompt: running(color), extra_data: { preview_method: 'auto' } });
  await Promise.all(stalls.map((s) => s.reached));
  // No reload here: progress and previews sent before a reload would not come again.
  await page.getByTestId('live-preview').nth(1).waitFor();
  await page.getByText('Loading…').first().waitFor({ state: 'detached' });
  await page.screenshot({ path: path.join(OUT, 'overview.png') });
  console.log('docs/screenshots/overview.png');
  await shot('gallery', '/gallery', 'Gallery');
  // Every thumbnail loaded (lazy images, converted to WebP by /view on first request).
  await page.waitForFunction(
    `[...document.querySelectorAll('[data-testid="gallery-tile"] img')].filter((img) => img.complete && img.naturalWidth > 0).length === ${COLORS.length}`,
  );
  await page.screenshot({ path: path.join(OUT, 'gallery.png') });
  await page.goto(`${app.url}/gallery/${ids[1]}`);
  await page.getByTestId('job-detail').locator('img').first().waitFor();
  await page.screenshot({ path: path.join(OUT, 'gallery-detail.png') });
  console.log('docs/screenshots/gallery-detail.png');
  await page.getByRole('button', { name: 'Run with changes' }).click();
  await page.getByTestId('rerun-form').locator('input[data-input="3/filename_prefix"]').fill('shot1_warmer');
  await page.getByTestId('rerun-form').locator('input[data-input="1/color"]').fill('15771230');
  await page.screenshot({ path: path.join(OUT, 'gallery-rerun.png') });
  console.log('docs/screenshots/gallery-rerun.png');
  await page.keyboard.press('Escape');
  await shot('backends', '/backends', 'Backends');
  await shot('settings', '/preferences', 'Settings');

  const zh = await launchBrowser({ locale: 'zh-CN', colorScheme: 'light' });
  const zhPage = await zh.context.newPage();
  // Mantine keeps the chosen scheme in localStorage, as the Settings page's switch does.
  await zhPage.goto(`${app.url}/preferences`);
  await zhPage.evaluate(() => (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem('mantine-color-scheme-value', 'light'));
  await zhPage.goto(`${app.url}/`);
  await zhPage.getByRole('heading', { level: 1, name: '概览' }).waitFor();
  await zhPage.getByTestId('backend-card').first().waitFor();
  await zhPage.screenshot({ path: path.join(OUT, 'overview-zh-light.png') });
  console.log('docs/screenshots/overview-zh-light.png');
  await zh.close();
  for (const s of stalls) s.release();
  await eventually(async () => (await getJson<{ pagination: { total: number } }>(`${app.url}/api/jobs?status=pending,in_progress`)).pagination.total === 0, 60_000, 'queue drained');
  await shootAutomaPages(app.url, page, OUT);
} finally {
  await browser.close();
  await app.close();
  await gpu.close();
  await cpu.close();
}
