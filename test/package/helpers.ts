import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { ROOT } from '../main/service.js';

export const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const fileName = (target: 'linux-x64' | 'win-x64'): string => (target === 'linux-x64' ? `comfyui-automa-${VERSION}-linux-x64` : `comfyui-automa-${VERSION}-win-x64.exe`);

/**
 * Runs `npm run package` for one target into a fresh temp folder (the build of dist/ included,
 * also into that folder): what the release would contain, built from the checkout as it is.
 * packaging/test.sh packages every target once for all the test files, before they run, and
 * names that release folder in RELEASE_UNDER_TEST: its executables are used as they are.
 */
export async function packageFresh(target: 'linux-x64' | 'win-x64'): Promise<{ dir: string; executable: string; remove: () => void }> {
  const given = process.env.RELEASE_UNDER_TEST;
  if (given !== undefined && given !== '') {
    const executable = path.join(given, fileName(target));
    if (!fs.existsSync(executable)) throw new Error(`RELEASE_UNDER_TEST has no ${fileName(target)}`);
    return { dir: given, executable, remove: () => {} };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `automa-package-${target}-`));
  await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, 'packaging', 'package.mjs'), '--target', target, '--out', path.join(dir, 'release'), '--dist', path.join(dir, 'dist')],
    { cwd: ROOT, maxBuffer: 16 * 2 ** 20 },
  );
  return { dir, executable: path.join(dir, 'release', fileName(target)), remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

interface Message {
  readonly type: string;
  readonly data: Record<string, unknown>;
}

/** Resolves with the first JSON text frame that matches; the socket stays open. */
export function nextMessage(socket: WebSocket, match: (message: Message) => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData, isBinary: boolean): void => {
      if (isBinary) return;
      const message = JSON.parse(String(data)) as Message;
      if (!match(message)) return;
      socket.off('message', onMessage);
      resolve();
    };
    socket.on('message', onMessage);
    socket.once('close', (code) => reject(new Error(`socket closed (${code}) before the awaited message`)));
    socket.once('error', reject);
  });
}

/**
 * Submits a one-image prompt through the gateway at `url`, waits for its run to end (ComfyUI's
 * `executing` with node null, by which time history has it), and returns its id and image file.
 */
export async function runPrompt(url: string, clientId: string): Promise<{ promptId: string; filename: string }> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?clientId=${clientId}`);
  try {
    await nextMessage(socket, (message) => message.type === 'status');
    const graph = {
      1: { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 255 } },
      2: { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'package' } },
    };
    const submitted = await fetch(`${url}/prompt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: graph, client_id: clientId }),
    });
    if (submitted.status !== 200) throw new Error(`POST /prompt answered ${submitted.status}: ${await submitted.text()}`);
    const { prompt_id: promptId } = (await submitted.json()) as { prompt_id: string };
    await nextMessage(socket, (message) => message.type === 'executing' && message.data.node === null && message.data.prompt_id === promptId);
    const history = (await (await fetch(`${url}/history/${promptId}`)).json()) as Record<string, { outputs: Record<string, { images: { filename: string }[] }> }>;
    const filename = history[promptId]?.outputs['2']?.images[0]?.filename;
    if (filename === undefined) throw new Error(`no image in ${JSON.stringify(history)}`);
    return { promptId, filename };
  } finally {
    socket.close();
  }
}
