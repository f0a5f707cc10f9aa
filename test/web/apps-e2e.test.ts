/**
 * Apps and Sweeps end to end in Debian's Chromium against the real service and a fake ComfyUI
 * with the recorded node set: the frontend's default workflow imported from its file (and from a
 * PNG dropped on the page), run with a changed prompt until its image is in the gallery; a 2×3
 * sweep built in the page fills six cells and its contact sheet downloads. Waits are on what the
 * page shows, never sleeps.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test, type TestContext } from 'node:test';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { DEFAULT_CHECKPOINT, defaultWorkflowUi } from '../automation/helpers.js';
import { getJson, postJson } from '../helpers/comfy-client.js';
import { waitForBackendsUp } from '../helpers/stack.js';
import { axeViolations, browserForFile } from './browser.js';
import { openPage, startWebStack } from './web-stack.js';

const shared = browserForFile();

async function stack(t: TestContext) {
  const started = await startWebStack(t, shared.webApp, [], { models: { checkpoints: [DEFAULT_CHECKPOINT] } });
  await waitForBackendsUp(started.app.url);
  return started;
}

const NEW_PROMPT = 'a lighthouse at dusk, oil painting';

test('the default workflow imported from its file becomes a form; run with a changed prompt, the result appears and its image is in the gallery', async (t) => {
  const { app } = await stack(t);
  const { page, errors } = await openPage(t, shared.browser, `${app.url}/apps`);
  await page.getByText('No apps yet').waitFor();
  await page.getByText('Pick an app, or import a workflow').waitFor();

  await page.getByLabel('App name').fill('txt2img');
  // The `workflow` field of the shared pair is the file the frontend saves.
  const workflow = JSON.stringify(defaultWorkflowUi());
  await page.getByTestId('app-dropzone').locator('input[type="file"]').setInputFiles({ name: 'default.json', mimeType: 'application/json', buffer: Buffer.from(workflow) });
  await page.getByRole('heading', { name: 'Run txt2img' }).waitFor();
  await page.getByText('UI workflow').waitFor();
  await page.getByRole('link', { name: /^txt2img/ }).waitFor();

  const form = page.getByRole('form', { name: 'Run form' });
  // Generated from the schema: a multiline prompt, a seed with random and a dice, a cfg slider, a choice of checkpoints.
  await form.getByRole('textbox', { name: 'Prompt', exact: true }).fill(NEW_PROMPT);
  assert.equal(await form.getByLabel('A new random seed for each run').isChecked(), true);
  await form.getByRole('slider', { name: 'Cfg' }).waitFor();
  await form.getByLabel('Ckpt name', { exact: true }).click();
  await page.getByRole('option', { name: DEFAULT_CHECKPOINT }).waitFor();
  await page.keyboard.press('Escape');
  assert.deepEqual(await axeViolations(page), [], 'axe on the run form');

  await form.getByRole('button', { name: 'Run' }).click();
  const card = page.getByTestId('run-card').first();
  await card.and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: 30_000 });
  await card.locator('img').waitFor();
  const promptId = (await card.getAttribute('data-prompt-id')) ?? '';
  const job = await getJson<{ workflow: { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> } }>(`${app.url}/api/jobs/${promptId}`);
  assert.equal(job.workflow.prompt['6']?.inputs.text, NEW_PROMPT, 'the positive prompt node got the new text');
  assert.equal(typeof job.workflow.prompt['3']?.inputs.seed, 'number', 'the random seed was drawn and recorded');

  await page.getByRole('link', { name: 'Gallery', exact: true }).click();
  const tile = page.locator(`[data-testid="gallery-tile"][data-prompt-id="${promptId}"]`);
  await tile.locator('img').waitFor();
  assert.deepEqual(errors, []);
});

/** A PNG with `workflow` in a tEXt chunk, as ComfyUI's SaveImage writes it. */
async function pngWithWorkflow(workflow: unknown): Promise<Buffer> {
  const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } }).png().toBuffer();
  const data = Buffer.concat([Buffer.from('workflow\0', 'latin1'), Buffer.from(JSON.stringify(workflow), 'latin1')]);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write('tEXt', 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  const at = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, at), head, data, crc, png.subarray(at)]);
}

test('a ComfyUI PNG dropped on the page imports as an app named after the file; a file that is no workflow is refused with the reason', async (t) => {
  const { app } = await stack(t);
  const { page, errors } = await openPage(t, shared.browser, `${app.url}/apps`, [/status of 400/]);
  const drop = async (name: string, type: string, bytes: Buffer) => {
    const transfer = await page.evaluateHandle(
      ({ name, type, base64 }) => {
        const binary = atob(base64);
        const buffer = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i++) buffer[i] = binary.charCodeAt(i);
        // The test's tsconfig has no DOM types: the page's DataTransfer, typed by what is used here.
        const dt = new (globalThis as unknown as { DataTransfer: new () => { items: { add(file: File): void } } }).DataTransfer();
        dt.items.add(new File([buffer], name, { type }));
        return dt;
      },
      { name, type, base64: bytes.toString('base64') },
    );
    await page.getByTestId('app-dropzone').dispatchEvent('drop', { dataTransfer: transfer });
  };
  await drop('not-a-workflow.json', 'application/json', Buffer.from('[1, 2]'));
  await page.getByRole('alert').getByText('The workflow was not imported').waitFor();
  assert.deepEqual((await getJson<{ items: unknown[] }>(`${app.url}/automa/apps`)).items, []);

  await drop('lighthouse.png', 'image/png', await pngWithWorkflow(defaultWorkflowUi()));
  await page.getByRole('heading', { name: 'Run lighthouse' }).waitFor();
  await page.getByText('from a PNG').waitFor();
  assert.deepEqual(errors, []);
});

test('a 2×3 sweep built in the page shows 6 cells before queueing, fills six cells live, and its contact sheet downloads', async (t) => {
  const { app } = await stack(t);
  const created = await postJson(`${app.url}/automa/apps`, { name: 'txt2img', workflow: defaultWorkflowUi() });
  assert.equal(created.status, 201);
  const appId = (created.body as { id: string }).id;
  const { page, errors } = await openPage(t, shared.browser, `${app.url}/sweeps/new?app=${appId}`);

  const first = page.getByTestId('sweep-axis').nth(0);
  await first.getByLabel('Axis 1', { exact: true }).click();
  await page.getByRole('option', { name: 'Cfg', exact: true }).click();
  const values = first.getByLabel('Values of axis 1', { exact: true });
  await values.fill('4');
  await values.press('Enter');
  await values.fill('7');
  await values.press('Enter');
  await page.getByTestId('cell-count').and(page.locator('[data-count="2"]')).waitFor();

  await page.getByRole('button', { name: 'Add an axis' }).click();
  const second = page.getByTestId('sweep-axis').nth(1);
  await second.getByLabel('Axis 2', { exact: true }).click();
  await page.getByRole('option', { name: 'Steps', exact: true }).click();
  await second.getByText('Range', { exact: true }).click();
  await second.getByLabel('From, axis 2', { exact: true }).fill('10');
  await second.getByLabel('To, axis 2', { exact: true }).fill('30');
  await second.getByLabel('Step, axis 2', { exact: true }).fill('10');
  await page.getByTestId('cell-count').and(page.locator('[data-count="6"]')).waitFor();
  assert.equal(await page.getByTestId('cell-count').textContent(), '6 cells, one run each');
  assert.deepEqual(await axeViolations(page), [], 'axe on the sweep builder');

  await page.getByRole('button', { name: 'Queue 6 runs' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sweep' }).waitFor();
  await page.locator('[data-testid="sweep"][data-status="finished"]').waitFor({ timeout: 60_000 });
  const cells = page.getByTestId('sweep-cell');
  assert.equal(await cells.count(), 6);
  for (let i = 0; i < 6; i++) await cells.nth(i).and(page.locator('[data-status="succeeded"]')).locator('img').waitFor();
  // Rows are the first axis (cfg), columns the second (steps), in cell order.
  assert.equal(await cells.nth(5).getAttribute('aria-label'), 'cfg 7, steps 30: Succeeded');
  await page.getByText('6 of 6 done').waitFor();
  assert.deepEqual(await axeViolations(page), [], 'axe on the finished sweep');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Contact sheet' }).click()]);
  const file = await download.path();
  const meta = await sharp(fs.readFileSync(file)).metadata();
  assert.equal(meta.format, 'png');
  assert.ok((meta.width ?? 0) > (meta.height ?? 0), `three columns by two rows: ${meta.width}×${meta.height}`);
  assert.match(download.suggestedFilename(), /^sweep-[0-9a-f]{8}\.png$/);
  assert.deepEqual(errors, []);
});
