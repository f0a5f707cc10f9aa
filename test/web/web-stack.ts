/**
 * What the web app's end-to-end tests share: the real service (with the built web app at `/`)
 * on a fake ComfyUI, and pages of one Chromium that collect console errors. Torn down with the test.
 */
import type { TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { startFakeComfy, type FakeComfy, type FakeComfyOptions } from '../fake-comfy/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { collectPageErrors, type Browser } from './browser.js';

/** A fake ComfyUI and the service in front of it, serving `webApp`; `argv` adds service flags; `dataDir`, data made beforehand. */
export async function startWebStack(
  t: TestContext,
  webApp: string,
  argv: readonly string[] = [],
  fakeOptions: FakeComfyOptions = {},
  options: { dataDir?: string } = {},
): Promise<{ fake: FakeComfy; app: TestApp }> {
  const fake = await startFakeComfy(fakeOptions);
  let app: TestApp | undefined;
  const reports: (() => Promise<void>)[] = [];
  failureReports.set(t, reports);
  // One hook, in this order: a failed test's pages are described while the service still runs.
  t.after(async () => {
    if (failed(t)) for (const report of reports) await report();
    await app?.close();
    await fake.close();
  });
  app = await startTestApp(['--comfyui', fake.url, ...argv], { webAppDirs: [webApp], ...(options.dataDir !== undefined && { dataDir: options.dataDir }) });
  return { fake, app };
}

/** Whether the test has failed (node's TestContext has `passed` at run time; its types do not say so yet). */
const failed = (t: TestContext): boolean => (t as TestContext & { readonly passed?: boolean }).passed === false;

/** Per test: what describes its pages should it fail (run by its stack's teardown, before the service stops). */
const failureReports = new WeakMap<TestContext, (() => Promise<void>)[]>();

/** A new page at `url`; its console errors (but `allowedErrors`) and uncaught exceptions are collected. */
export async function openPage(t: TestContext, browser: Browser, url: string, allowedErrors: readonly RegExp[] = []): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  const errors = collectPageErrors(page, allowedErrors);
  // What the page did, told only when the test fails: a wait that timed out says nothing else.
  const started = Date.now();
  const trail: string[] = [];
  const note = (line: string): void => void trail.push(`+${Date.now() - started} ms ${line}`);
  page.on('console', (message) => note(`console.${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => note(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) => note(`failed ${request.method()} ${request.url()}: ${request.failure()?.errorText ?? ''}`));
  page.on('response', (response) => note(`${response.status()} ${response.request().method()} ${response.url()}`));
  const report = async (): Promise<void> => {
    const text = await page.innerText('body', { timeout: 2_000 }).catch((err: unknown) => `(no text: ${String(err)})`);
    console.error(`page ${url} at the failure of "${t.name}":\n${trail.slice(-60).join('\n')}\n--- page text ---\n${text.slice(0, 3_000)}`);
  };
  const reports = failureReports.get(t);
  if (reports) reports.push(report);
  else t.after(async () => (failed(t) ? report() : undefined));
  t.after(() => page.close());
  await page.goto(url);
  note('loaded');
  return { page, errors };
}
