/**
 * The Windows executable, built fresh by `npm run package`, run under wine (packaging/test.sh
 * prepares the prefix): health, a prompt through the gateway to the fake ComfyUI, its output as
 * is and converted by sharp (its Windows DLLs), and the history kept over a restart.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { eventually } from '../helpers/comfy-client.js';
import { startFakeComfy } from '../fake-comfy/server.js';
import { closedPort } from '../main/service.js';
import { packageFresh, runPrompt, VERSION } from './helpers.js';

const WINE = '/usr/lib/wine/wine64';
let built: Awaited<ReturnType<typeof packageFresh>> | undefined;
before(async () => {
  assert.ok(process.env.WINEPREFIX, 'run through packaging/test.sh (npm run test:package), which prepares WINEPREFIX');
  built = await packageFresh('win-x64');
});
after(() => built?.remove());

/** Wine's Z: drive is the Linux root. */
const windowsPath = (linuxPath: string): string => `Z:${linuxPath.replaceAll('/', '\\')}`;

/**
 * Runs the exe under wine. Its output goes to a file: wine's console emulation mangles a pipe.
 * Resolves with the exit code and the output once it exits.
 */
function wine(args: readonly string[], outFile: string): { child: ChildProcess; exited: Promise<{ code: number | null; output: () => string }> } {
  const out = fs.openSync(outFile, 'w');
  const child = spawn(WINE, [built?.executable ?? '', ...args], { stdio: ['ignore', out, out], env: { ...process.env, WINEDEBUG: '-all' } });
  fs.closeSync(out);
  const exited = new Promise<{ code: number | null; output: () => string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, output: () => fs.readFileSync(outFile, 'utf8') })),
  );
  return { child, exited };
}

test('the Windows executable under wine: --version, a prompt with a sharp preview, history over a restart', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'automa-wine-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const fake = await startFakeComfy();
  t.after(() => fake.close());

  const version = await wine(['--version'], path.join(dir, 'version.txt')).exited;
  assert.equal(version.code, 0);
  assert.equal(version.output().trim(), VERSION);

  const port = await closedPort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['--port', String(port), '--data-dir', windowsPath(path.join(dir, 'data')), '--comfyui', fake.url];
  const start = async (log: string): Promise<ReturnType<typeof wine>> => {
    const service = wine(args, path.join(dir, log));
    t.after(() => service.child.kill('SIGKILL'));
    // Its log is a file (see wine()): health answering is the sign it is up.
    await eventually(
      async () => ((await fetch(`${url}/automa/health`).then((r) => r.json()).catch(() => null)) as { backends?: { state: string }[] } | null)?.backends?.[0]?.state === 'up',
      60_000,
      'the service up with its backend',
    );
    return service;
  };

  let service = await start('first.log');
  const { promptId, filename } = await runPrompt(url, 'wine-test');
  const png = await fetch(`${url}/view?filename=${encodeURIComponent(filename)}&type=output`);
  assert.equal(png.status, 200);
  assert.equal(png.headers.get('content-type'), 'image/png');
  const webp = await fetch(`${url}/view?filename=${encodeURIComponent(filename)}&type=output&preview=webp;80`);
  assert.equal(webp.status, 200, await webp.clone().text());
  assert.equal(Buffer.from(await webp.arrayBuffer()).toString('latin1', 8, 12), 'WEBP');

  // Windows has no SIGTERM: ending the process is what closing its console does. The history
  // was written before the prompt's end was announced, so it is there after a restart.
  service.child.kill('SIGKILL');
  await service.exited;
  service = await start('second.log');
  const history = (await (await fetch(`${url}/history/${promptId}`)).json()) as Record<string, { status: { status_str: string } }>;
  assert.equal(history[promptId]?.status.status_str, 'success');
});
