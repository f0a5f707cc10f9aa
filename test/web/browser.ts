/**
 * Real Chromium for the web app's end-to-end tests and screenshots: Debian's /usr/bin/chromium
 * (installed by scripts/ensure-chromium.sh when missing, never a downloaded build) driven by
 * playwright-core, with a fresh profile each time; and the built web app to serve.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Install Debian's chromium if it is not there yet (apt-get, as root). */
export function ensureChromium(): void {
  if (fs.existsSync(CHROMIUM) && fs.existsSync('/usr/share/fonts/truetype/wqy')) return;
  execFileSync('sh', [path.join(ROOT, 'scripts', 'ensure-chromium.sh')], { stdio: 'inherit' });
}

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh user-data-dir, removed on close. */
export async function launchBrowser(options: { locale?: string; colorScheme?: 'dark' | 'light' } = {}): Promise<Browser> {
  ensureChromium();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'automa-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    locale: options.locale ?? 'en-US',
    colorScheme: options.colorScheme ?? 'dark',
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The newest change under `dir`, tools' caches left out (vitest keeps its results in web/node_modules/.vite). */
/**
 * For a test file: the built web app and one Chromium, made before its tests and closed after
 * them. Call at the top level of the file; read the fields inside tests.
 */
export function browserForFile(): { readonly webApp: string; readonly browser: Browser } {
  let webApp = '';
  let browser: Browser | undefined;
  before(async () => {
    webApp = await builtWebApp();
    browser = await launchBrowser();
  });
  after(async () => browser?.close());
  return {
    get webApp() {
      return webApp;
    },
    get browser() {
      if (browser === undefined) throw new Error('the browser starts in the file\'s before hook');
      return browser;
    },
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (path.relative(dir, file).split(path.sep).some((part) => part === 'node_modules' || part.startsWith('.'))) continue;
    newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

/** Written last into a build folder: the build in it finished. */
const COMPLETE = '.complete';

/**
 * A build of the web app that matches the sources: dist/web when it is newer than web/ and
 * src/contract/ (as after `npm ci`, whose prepare step builds), else a finished build in
 * .tmp/web-e2e-* that is, else a fresh one. Test files run two at a time, so each builds into a
 * folder of its own: a build emptying a folder another file's service is serving from would
 * leave that page without its scripts.
 */
export async function builtWebApp(): Promise<string> {
  const dist = path.join(ROOT, 'dist', 'web');
  const index = path.join(dist, 'index.html');
  const sources = Math.max(newestMtime(path.join(ROOT, 'web')), newestMtime(path.join(ROOT, 'src', 'contract')));
  if (fs.existsSync(index) && fs.statSync(index).mtimeMs >= sources) return dist;
  const tmp = path.join(ROOT, '.tmp');
  fs.mkdirSync(tmp, { recursive: true });
  for (const name of fs.readdirSync(tmp)) {
    const marker = path.join(tmp, name, COMPLETE);
    if (name.startsWith('web-e2e-') && fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= sources) return path.join(tmp, name);
  }
  const outDir = fs.mkdtempSync(path.join(tmp, 'web-e2e-'));
  const { build } = await import('vite');
  await build({ configFile: path.join(ROOT, 'web', 'vite.config.ts'), build: { outDir, emptyOutDir: true }, logLevel: 'warn' });
  fs.writeFileSync(path.join(outDir, COMPLETE), '');
  return outDir;
}

/** Console errors and uncaught exceptions of a page, collected for a test to assert none. */
export function collectPageErrors(page: Page, allowed: readonly RegExp[] = []): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && !allowed.some((re) => re.test(message.text()))) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

const require = createRequire(import.meta.url);

/** Run axe-core in the page (WCAG 2 A and AA rules); the violations, one line each. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 4).join(' ')}`);
  });
  return violations;
}
