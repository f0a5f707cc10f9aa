/** The read-only endpoints: node classes, system facts, models, and the small user/internal ones. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { route, type Route } from '../context.js';
import { empty, json, text } from '../http.js';

const STUB_PAGE = '<!doctype html><html><head><title>ComfyUI (fake)</title></head><body>Fake ComfyUI; API only.</body></html>\n';

export const infoRoutes: readonly Route[] = [
  route('GET', '/', (fake) => ({
    ...text(200, STUB_PAGE, 'text/html'),
    headers: {
      'content-type': 'text/html',
      // 0.33 forbids storing the page at all (it names the frontend's hashed bundles).
      'cache-control': fake.version === '0.8.0' ? 'no-cache' : 'no-store, must-revalidate',
      pragma: 'no-cache',
      expires: '0',
    },
  })),
  route('GET', '/object_info', (fake) => json(fake.objectInfo())),
  route('GET', '/object_info/{node_class}', (fake, req) => {
    const name = req.params['node_class'] ?? '';
    const info = fake.objectInfo();
    return json(Object.hasOwn(info, name) ? { [name]: info[name] } : {});
  }),
  route('GET', '/system_stats', (fake) => json(systemStats(fake.dirs.root, fake.version))),
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

function systemStats(root: string, version: string): unknown {
  const total = os.totalmem();
  const free = os.freemem();
  const argv = ['main.py', '--cpu', '--output-directory', path.join(root, 'output'), '--input-directory', path.join(root, 'input')];
  const python = '3.11.2 (fake ComfyUI on Node.js ' + process.version + ')';
  const devices = [{ name: 'cpu', type: 'cpu', index: null, vram_total: total, vram_free: free, torch_vram_total: total, torch_vram_free: free }];
  if (version === '0.8.0') {
    return {
      system: {
        os: process.platform,
        ram_total: total,
        ram_free: free,
        comfyui_version: '0.8.0',
        required_frontend_version: '1.35.9',
        installed_templates_version: null,
        required_templates_version: '0.7.67',
        python_version: python,
        pytorch_version: '1.13.0a0',
        embedded_python: false,
        argv,
      },
      devices,
    };
  }
  // 0.33: every package it pins, with what is installed, and how it was deployed.
  return {
    system: {
      os: process.platform,
      ram_total: total,
      ram_free: free,
      comfyui_version: version,
      required_frontend_version: '1.48.7',
      installed_templates_version: '0.11.41',
      required_templates_version: '0.11.41',
      comfy_package_versions: [
        { name: 'comfyui-frontend-package', installed: '1.48.7', required: '1.48.7' },
        { name: 'comfyui-workflow-templates', installed: '0.11.41', required: '0.11.41' },
        { name: 'comfyui-embedded-docs', installed: '0.5.9', required: '0.5.9' },
        { name: 'comfy-kitchen', installed: null, required: '0.2.31' },
        { name: 'comfy-aimdo', installed: null, required: '0.4.13' },
      ],
      python_version: python,
      pytorch_version: '1.13.0a0',
      embedded_python: false,
      deploy_environment: 'local-git',
      argv,
    },
    devices,
  };
}
