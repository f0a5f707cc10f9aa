/**
 * `npm run fake-comfyui -- --port 8188 [--host 127.0.0.1] [--data-dir DIR] [--node-delay-ms N]`
 * Runs the fake on its own so the service can be tried end to end without a GPU or ComfyUI.
 */
import { parseArgs } from 'node:util';
import { FAKE_COMFY_VERSIONS, type FakeComfyVersion } from './options.js';
import { startFakeComfy } from './server.js';

const HELP = `Fake ComfyUI (0.8.0 or 0.33.0 behaviour, simulated nodes)

  --comfyui-version V which ComfyUI to behave as: ${FAKE_COMFY_VERSIONS.join(' or ')} (default 0.8.0)
  --port N            port to listen on (default 8188; 0 = any free port)
  --host ADDR         address to bind (default 127.0.0.1)
  --data-dir DIR      keep input/, output/, temp/ here (default: a temp dir, removed on exit)
  --node-delay-ms N   every node takes N ms (default: instant, 10 ms for unsimulated classes)
  --preview-method M  like ComfyUI's flag: "auto" makes sampler-style steps send previews
  --enable-cors-header  turn off the Origin/Host check
  -h, --help`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8188' },
      'comfyui-version': { type: 'string', default: '0.8.0' },
      host: { type: 'string', default: '127.0.0.1' },
      'data-dir': { type: 'string' },
      'node-delay-ms': { type: 'string' },
      'preview-method': { type: 'string' },
      'enable-cors-header': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  const previewMethod = values['preview-method'];
  if (previewMethod !== undefined && !['none', 'auto', 'latent2rgb', 'taesd'].includes(previewMethod)) {
    throw new Error(`--preview-method must be none, auto, latent2rgb or taesd, got ${previewMethod}`);
  }
  const version = values['comfyui-version'];
  if (!(FAKE_COMFY_VERSIONS as readonly string[]).includes(version)) {
    throw new Error(`--comfyui-version must be ${FAKE_COMFY_VERSIONS.join(' or ')}, got ${version}`);
  }
  const fake = await startFakeComfy({
    comfyuiVersion: version as FakeComfyVersion,
    port,
    host: values.host,
    ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
    ...(previewMethod !== undefined ? { previewMethod: previewMethod as 'none' | 'auto' | 'latent2rgb' | 'taesd' } : {}),
    enableCorsHeader: values['enable-cors-header'],
  });
  const delay = values['node-delay-ms'];
  if (delay !== undefined) fake.control.setNodeDelay(Number(delay));
  console.log(`fake ComfyUI ${version} listening on ${fake.url} (ws: ${fake.wsUrl}, files in ${fake.dirs.root})`);
  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
