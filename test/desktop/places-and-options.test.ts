import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { parseDesktopArgs, portOrFree } from '../../src/desktop/options.js';
import { appDataDir } from '../../src/desktop/places.js';
import { cacheRoot } from '../../packaging/sea/extract.js';

test('data lives in the platform app-data folder, extracted files in its cache folder', () => {
  assert.equal(appDataDir('win32', { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'C:\\Users\\u'), path.join('C:\\Users\\u\\AppData\\Roaming', 'comfyui-automa'));
  assert.equal(appDataDir('linux', { XDG_DATA_HOME: '/x/data' }, '/home/u'), path.join('/x/data', 'comfyui-automa'));
  assert.equal(appDataDir('linux', { XDG_DATA_HOME: '' }, '/home/u'), path.join('/home/u', '.local', 'share', 'comfyui-automa'));
  assert.equal(appDataDir('darwin', {}, '/Users/u'), path.join('/Users/u', 'Library', 'Application Support', 'comfyui-automa'));
  assert.equal(cacheRoot('linux', {}, '/home/u'), path.join('/home/u', '.cache', 'comfyui-automa'));
  assert.equal(cacheRoot('win32', { LOCALAPPDATA: 'L' }, 'H'), path.join('L', 'comfyui-automa', 'cache'));
});

test('--browser is the desktop mode’s own flag; everything else goes to the service', () => {
  assert.deepEqual(parseDesktopArgs(['--port', '1', '--browser', '/b', '--comfyui=http://x'], {}), { browser: '/b', serviceArgs: ['--port', '1', '--comfyui=http://x'] });
  assert.deepEqual(parseDesktopArgs(['--browser=/c'], { AUTOMA_BROWSER: '/env' }), { browser: '/c', serviceArgs: [] });
  assert.deepEqual(parseDesktopArgs([], { AUTOMA_BROWSER: '/env' }), { browser: '/env', serviceArgs: [] });
  assert.equal(parseDesktopArgs(['--help'], {}), 'help');
});

test('the preferred port when free, else 0 (any free port)', async (t) => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => busy.close());
  const port = (busy.address() as net.AddressInfo).port;
  assert.equal(await portOrFree(port), 0);
  busy.close();
  await new Promise((resolve) => busy.once('close', resolve));
  assert.equal(await portOrFree(port), port);
});
