#!/usr/bin/env node
// Cold start of a built service: milliseconds from exec to the first 200 from /automa/health,
// each start on a fresh data folder. For the single executable the first start (which writes the
// embedded files to the cache folder) is reported apart from the later ones, which reuse it.
//
//   node bench/cold-start.mjs [--runs 10] [--] <command...>
//   node bench/cold-start.mjs release/comfyui-automa-0.1.0-linux-x64
//   node bench/cold-start.mjs -- node dist/bin.js
//   WINEPREFIX=… node bench/cold-start.mjs -- /usr/lib/wine/wine64 release/comfyui-automa-0.1.0-win-x64.exe
//
// Prints one line per start, then min / median / max and the load average before and after
// (the machine is shared: a figure is only as good as the load it was measured under).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ options: { runs: { type: 'string', default: '10' } }, allowPositionals: true });
if (positionals.length === 0) {
  process.stderr.write('usage: node bench/cold-start.mjs [--runs N] [--] <command...>\n');
  process.exit(2);
}
const runs = Number(values.runs);
const [command = '', ...commandArgs] = positionals;

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

/** Resolves true on a 200; false on anything else, a refused connection included. */
const healthy = (port) =>
  new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/automa/health', agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('error', () => resolve(false));
  });

/** One start: fresh data folder, the given cache folder; ms from spawn to the first 200. */
async function start(cache) {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'automa-cold-'));
  const port = await freePort();
  const env = { ...process.env, XDG_CACHE_HOME: cache };
  for (const name of Object.keys(env)) if (name.startsWith('AUTOMA_')) delete env[name];
  // Its output goes to a file (wine's console emulation mangles a pipe), shown if it fails.
  const logFile = path.join(data, 'output.log');
  const out = fs.openSync(logFile, 'w');
  const t0 = performance.now();
  const child = spawn(command, [...commandArgs, '--host', '127.0.0.1', '--port', String(port), '--data-dir', data, '--log-level', 'warn'], {
    env,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  let ms = null;
  // Polled every 2 ms: the poll's own cost is a connect() refused by the kernel until it listens.
  while (ms === null && child.exitCode === null && performance.now() - t0 < 30_000) {
    if (await healthy(port)) ms = performance.now() - t0;
    else await new Promise((resolve) => setTimeout(resolve, 2));
  }
  child.kill('SIGTERM');
  await exited;
  const output = fs.readFileSync(logFile, 'utf8');
  fs.rmSync(data, { recursive: true, force: true });
  if (ms === null) throw new Error(`${command} did not answer /automa/health (exit ${child.exitCode}):\n${output}`);
  return ms;
}

const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'automa-cold-cache-'));
const loadBefore = os.loadavg();
const first = await start(cache);
process.stdout.write(`first start (empty cache folder): ${first.toFixed(0)} ms\n`);
const times = [];
for (let i = 0; i < runs; i++) {
  times.push(await start(cache));
  process.stdout.write(`start ${i + 1}: ${times.at(-1).toFixed(0)} ms\n`);
}
const loadAfter = os.loadavg();
fs.rmSync(cache, { recursive: true, force: true });
const sorted = [...times].sort((a, b) => a - b);
const median = sorted.length % 2 === 1 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
const load = (l) => l.map((v) => v.toFixed(2)).join(' ');
process.stdout.write(
  `exec → /automa/health 200 over ${runs} later starts: min ${sorted[0].toFixed(0)} ms, median ${median.toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms\n` +
    `load average before ${load(loadBefore)}, after ${load(loadAfter)} (${os.cpus().length} CPUs)\n`,
);
