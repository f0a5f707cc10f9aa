/**
 * What the web app's end-to-end tests share: the real service (with the built web app at `/`)
 * on a fake ComfyUI, and pages of one Chromium that collect console errors. Torn down with the test.
 */
import type { TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { startFakeComfy, type FakeComfy, type FakeComfyOptions } from '../fake-comfy/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { collectPageErrors, type Browser } from './browser.js';

/** A fake ComfyUI and the service in front of it, serving `webApp`; `argv` adds service flags. */
export async function startWebStack(t: TestContext, webApp: string, argv: readonly string[] = [], fakeOptions: FakeComfyOptions = {}): Promise<{ fake: FakeComfy; app: TestApp }> {
  const fake = await startFakeComfy(fakeOptions);
  t.after(() => fake.close());
  const app = await startTestApp(['--comfyui', fake.url, ...argv], { webAppDirs: [webApp] });
  t.after(() => app.close());
  return { fake, app };
}

/** A new page at `url`; its console errors (but `allowedErrors`) and uncaught exceptions are collected. */
export async function openPage(t: TestContext, browser: Browser, url: string, allowedErrors: readonly RegExp[] = []): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  t.after(() => page.close());
  const errors = collectPageErrors(page, allowedErrors);
  await page.goto(url);
  return { page, errors };
}
