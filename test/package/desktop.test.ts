/**
 * `comfyui-automa desktop` from the fresh Linux executable, on a private X display (Xvfb) and
 * D-Bus session: the app window opens (a screenshot is kept in .tmp/), the tray helper reports
 * ready and its menu works as a panel would use it, a second launch opens a window on the
 * running instance instead of a second server, and Quit stops the service with its data intact.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import { eventually } from '../helpers/comfy-client.js';
import { startFakeComfy } from '../fake-comfy/server.js';
import { ROOT, runBin, startService, stopService, type BinOptions } from '../main/service.js';
import { packageFresh, runPrompt } from './helpers.js';
import { colourCount, screenshot, startSessionBus, startXvfb, TrayMenu } from './x11.js';

let built: Awaited<ReturnType<typeof packageFresh>> | undefined;
before(async () => {
  const t0 = Date.now();
  built = await packageFresh('linux-x64');
  process.stdout.write(`# packaged in ${Date.now() - t0} ms\n`);
});
after(() => built?.remove());

test('desktop mode: window, tray menu, single instance, Quit', async (t) => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'automa-desktop-'));
  t.after(() => fs.rmSync(home, { recursive: true, force: true, maxRetries: 5 }));
  const xvfb = await startXvfb();
  t.after(() => xvfb.stop());
  const bus = await startSessionBus();
  t.after(() => bus.stop());
  const fake = await startFakeComfy();
  t.after(() => fake.close());

  const options: BinOptions = {
    executable: built?.executable ?? '',
    subcommand: 'desktop',
    cwd: home,
    env: {
      HOME: home,
      XDG_DATA_HOME: path.join(home, 'data'),
      XDG_CACHE_HOME: path.join(home, 'cache'),
      XDG_CONFIG_HOME: path.join(home, 'config'),
      DISPLAY: xvfb.display,
      DBUS_SESSION_BUS_ADDRESS: bus.address,
      AUTOMA_BROWSER: '/usr/bin/chromium',
    },
  };
  // The data folder is the platform's app-data folder: nothing says --data-dir.
  const dataDir = path.join(home, 'data', 'comfyui-automa');
  const service = await startService(['--comfyui', fake.url, '--log-level', 'debug'], options);
  t.after(() => stopService(service));

  const t0 = Date.now();
  await service.waitForLog((line) => line.msg === 'tray ready');
  t.diagnostic(`tray ready ${Date.now() - t0} ms`);
  const opened = await service.waitForLog((line) => line.msg === 'window opened');
  assert.equal(opened.kind, 'app');
  // The window asked for the page: the app is on screen once it has drawn it.
  await service.waitForLog((line) => line.msg === 'request done' && line.url === '/' && line.status === 200);
  let shot: Buffer = Buffer.alloc(0);
  // Below the window's top (where Chromium may show an info bar), the page itself: its text drawn.
  await eventually(async () => (await colourCount((shot = await screenshot(xvfb.display)), 100)) > 4, 30_000, 'the page drawn');
  t.diagnostic(`page drawn ${Date.now() - t0} ms`);
  fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, '.tmp', 'desktop-window.png'), shot);

  // The tray's menu, as a panel sees it: the status line says ComfyUI is reachable.
  const menu = await TrayMenu.find(bus.address);
  await eventually(async () => [...(await menu.labels()).keys()].some((label) => /^ComfyUI connected/.test(label)), 15_000, 'status: connected');
  t.diagnostic(`connected ${Date.now() - t0} ms`);
  assert.deepEqual([...(await menu.labels()).keys()].slice(1), ['Open', 'Pause queue', 'Open data folder', 'Quit']);

  await menu.click('Pause queue');
  await service.waitForLog((line) => line.msg === 'queue paused');
  assert.ok((await menu.labels()).has('Resume queue'));
  await menu.click('Resume queue');
  await service.waitForLog((line) => line.msg === 'queue resumed');
  const { promptId } = await runPrompt(service.url, 'desktop-test');

  t.diagnostic(`prompt ran ${Date.now() - t0} ms`);
  // A second launch finds the running one over loopback and only opens a window on it.
  const second = await runBin(['desktop'], options);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`already running at ${service.url.replace(/[.:/]/g, '\\$&')}`));
  const log = fs.readFileSync(path.join(dataDir, 'logs', 'comfyui-automa.log'), 'utf8');
  assert.equal(log.split('\n').filter((line) => line.includes('"comfyui-automa listening"')).length, 1, 'a second server started');

  t.diagnostic(`second launch ${Date.now() - t0} ms`);
  await menu.click('Quit');
  assert.deepEqual(await service.exited, { code: 0, signal: null });
  t.diagnostic(`quit ${Date.now() - t0} ms`);
  assert.ok(service.logs.some((line) => line.msg === 'stopped'));
  assert.equal(fs.existsSync(path.join(dataDir, 'desktop.lock')), false, 'the lock is left behind');
  const db = new DatabaseSync(path.join(dataDir, 'automa.sqlite'));
  t.after(() => db.close());
  assert.equal(db.prepare('PRAGMA integrity_check').get()?.integrity_check, 'ok');
  assert.equal(db.prepare('SELECT count(*) AS n FROM prompts WHERE id = ?').get(promptId)?.n, 1);
});
