/** The read-only endpoints: node classes, system facts, models, and the small user/internal ones. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { route, type Route } from '../context.js';
import { empty, json, text } from '../http.js';

const STUB_PAGE = '<!doctype html><html><head><title>ComfyUI (fake)</title></head><body>Fake ComfyUI; API only.</body></html>\n';

export const infoRoutes: readonly Route[] = [
  route('GET', '/', () => ({
    ...text(200, STUB_PAGE, 'text/html'),
    headers: { 'content-type': 'text/html', 'cache-control': 'no-cache', pragma: 'no-cache', expires: '0' },
  })),
  route('GET', '/object_info', (fake) => json(fake.objectInfo())),
  route('GET', '/object_info/{node_class}', (fake, req) => {
    const name = req.params['node_class'] ?? '';
    const info = fake.objectInfo();
    return json(Object.hasOwn(info, name) ? { [name]: info[name] } : {});
  }),
  route('GET', '/system_stats', (fake) => json(systemStats(fake.dirs.root))),
  route('GET', '/features', (fake) => json(fake.serverFeatures())),
  route('GET', '/embeddings', (fake) => json(fake.embeddings)),
  route('GET', '/models', (fake) => json([...fake.models().keys()])),
  route('GET', '/models/{folder}', (fake, req) => {
    const files = fake.models().get(req.params['folder'] ?? '');
    return files ? json(files) : empty(404);
  }),
  route('GET', '/extensions', () => json([])),
  route('GET', '/view_metadata/{folder_name}', () => empty(404)),
  route('GET', '/users', () => json({ storage: 'server', migrated: false })),
  route('GET', '/settings', () => json({})),
  route('GET', '/userdata', (fake, req) => {
    const dir = req.query.get('dir') ?? '';
    if (!dir) return text(400, 'Directory not provided');
    const full = path.join(fake.dirs.user, 'default', dir);
    if (!fs.existsSync(full)) return text(404, 'Directory not found');
    return json(fs.readdirSync(full));
  }),
  route('GET', '/internal/logs', () => json(`${new Date().toISOString()} - Fake ComfyUI started\n`), false),
  route(
    'GET',
    '/internal/folder_paths',
    (fake) => json(Object.fromEntries([...fake.models().keys()].map((folder) => [folder, [path.join(fake.dirs.root, 'models', folder)]]))),
    false,
  ),
];

function systemStats(root: string): unknown {
  const total = os.totalmem();
  const free = os.freemem();
  return {
    system: {
      os: process.platform,
      ram_total: total,
      ram_free: free,
      comfyui_version: '0.8.0',
      required_frontend_version: '1.35.9',
      installed_templates_version: null,
      required_templates_version: '0.7.67',
      python_version: '3.11.2 (fake ComfyUI on Node.js ' + process.version + ')',
      pytorch_version: '1.13.0a0',
      embedded_python: false,
      argv: ['main.py', '--cpu', '--output-directory', path.join(root, 'output'), '--input-directory', path.join(root, 'input')],
    },
    devices: [
      { name: 'cpu', type: 'cpu', index: null, vram_total: total, vram_free: free, torch_vram_total: total, torch_vram_free: free },
    ],
  };
}
