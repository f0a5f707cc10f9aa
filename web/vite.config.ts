/// <reference types="vitest/config" />
// The web app's build and its component tests. Built by scripts/build.mjs into dist/web (the
// service serves it at `/`); `npx vite --config web/vite.config.ts` serves it with hot reload
// and proxies the APIs to a running service (AUTOMA_URL, default http://127.0.0.1:8189).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const service = process.env.AUTOMA_URL ?? 'http://127.0.0.1:8189';
// The first path segments the service answers itself (src/upstream/protocol/route-roots.ts).
const apiRoots = ['automa', 'api', 'queue', 'prompt', 'history', 'interrupt', 'view', 'upload', 'object_info', 'system_stats', 'ws'];

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  resolve: {
    // The JSON contract shared with the server: types only (src/contract imports nothing).
    alias: { '@contract': path.resolve(here, '../src/contract/index.ts') },
  },
  build: {
    outDir: path.resolve(here, '../dist/web'),
    emptyOutDir: true,
    // Hashed names under assets/: the service sends them with a year of immutable caching.
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: Object.fromEntries(apiRoots.map((root) => [`/${root}`, { target: service, ws: root === 'ws' }])),
  },
  test: {
    root: here,
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test-setup.ts'],
    css: false,
  },
});
