/**
 * Other reverse proxies to measure beside ours, each only when already present on the machine
 * (the bench installs nothing): Debian's nginx, and @fastify/reply-from when it is in
 * node_modules. Both run pinned to the service CPU, like the service.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { servicePrefix, type Pinning } from './proc.js';
import { killOnExit, stopChild } from './service.js';

export interface Peer {
  readonly name: string;
  /** Base URL that maps `<url>/x` to the upstream's `/x`, like our /comfyui. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Absolute path of the nginx binary, or null (it is often in /usr/sbin, outside a user's PATH). */
export function findNginx(): string | null {
  const found = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).stdout.trim();
  if (found !== '') return found;
  return fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null;
}

export function hasReplyFrom(root: string): boolean {
  return fs.existsSync(path.join(root, 'node_modules', '@fastify', 'reply-from', 'package.json'));
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitForPort(port: number, child: ChildProcess, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * nginx as a streaming reverse proxy at /comfyui/: one worker, upstream keep-alive, uploads
 * streamed (proxy_request_buffering off), responses through memory buffers only.
 */
export async function startNginx(binary: string, upstream: string, pinning: Pinning): Promise<Peer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'automa-bench-nginx-'));
  const port = await freePort();
  const target = new URL(upstream);
  const conf = `
worker_processes 1;
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 0;
  upstream comfy { server ${target.hostname}:${target.port}; keepalive 64; }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location /comfyui/ {
      proxy_pass http://comfy/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_request_buffering off;
      proxy_max_temp_file_size 0;
    }
  }
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const command = [...servicePrefix(pinning), binary, '-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')];
  const child = spawn(command[0] ?? binary, command.slice(1), { stdio: 'ignore' });
  killOnExit(child, () => fs.rmSync(dir, { recursive: true, force: true }));
  await waitForPort(port, child, 'nginx');
  return {
    name: 'nginx',
    url: `http://127.0.0.1:${port}/comfyui`,
    stop: async () => {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A bare Fastify app whose /comfyui/* routes call reply.from() (bench/reply-from-main.ts). */
export async function startReplyFrom(root: string, upstream: string, pinning: Pinning): Promise<Peer> {
  const port = await freePort();
  const command = [...servicePrefix(pinning), process.execPath, '--import', 'tsx', path.join(root, 'bench', 'reply-from-main.ts'), upstream, String(port)];
  const child = spawn(command[0] ?? process.execPath, command.slice(1), { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  killOnExit(child);
  await waitForPort(port, child, '@fastify/reply-from');
  return { name: '@fastify/reply-from', url: `http://127.0.0.1:${port}/comfyui`, stop: () => stopChild(child) };
}
