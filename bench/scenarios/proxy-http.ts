/**
 * The transparent proxy under /comfyui/*: small JSON, 2 MB downloads and uploads, against the
 * same fake ComfyUI reached directly (and nginx / @fastify/reply-from when present), plus the
 * proxy's memory while a large upload streams through.
 */
import http from 'node:http';
import { paired, repeated, withCpu, type BenchContext } from '../lib/context.js';
import type { FakeProcess } from '../lib/fakes.js';
import { fire, progress } from '../lib/load.js';
import { findNginx, hasReplyFrom, startNginx, startReplyFrom, type Peer } from '../lib/peers.js';
import { row, type ScenarioRow } from '../lib/report.js';
import type { Service } from '../lib/service.js';

const MB = 1024 * 1024;
/** 44 names make the fake's /embeddings answer 1,010 bytes of JSON. */
export const BENCH_EMBEDDINGS = Array.from({ length: 44 }, (_, i) => `embedding-name-${String(i).padStart(4, '0')}`);
const SMALL_PATH = '/embeddings';
const DOWNLOAD_NAME = 'bench-2mb.bin';
const DOWNLOAD_PATH = `/view?filename=${DOWNLOAD_NAME}&type=input`;
const UPLOAD_PATH = '/upload/image';
const BOUNDARY = 'automa-bench-boundary';

function multipartUpload(bytes: number): Buffer {
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="image"; filename="bench-upload.png"\r\nContent-Type: image/png\r\n\r\n`;
  const tail = `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="overwrite"\r\n\r\ntrue\r\n--${BOUNDARY}--\r\n`;
  return Buffer.concat([Buffer.from(head), Buffer.alloc(bytes, 0x5a), Buffer.from(tail)]);
}

interface Targets {
  readonly direct: string;
  readonly ours: string;
  readonly nginx: Peer | null;
  readonly replyFrom: Peer | null;
}

export async function proxyHttpScenarios(ctx: BenchContext, fake: FakeProcess, service: Service): Promise<ScenarioRow[]> {
  const direct = fake.fakes[0]?.url ?? '';
  await fake.call({ cmd: 'writeInput', fake: 0, name: DOWNLOAD_NAME, bytes: 2 * MB });
  const nginxBinary = findNginx();
  const targets: Targets = {
    direct,
    ours: `${service.url}/comfyui`,
    nginx: nginxBinary === null ? null : await startNginx(nginxBinary, direct, ctx.pinning),
    replyFrom: hasReplyFrom(ctx.root) ? await startReplyFrom(ctx.root, direct, ctx.pinning) : null,
  };
  if (targets.nginx === null) progress('  nginx is not installed: its rows are skipped (the bench installs nothing)');
  if (targets.replyFrom === null) progress('  @fastify/reply-from is not in node_modules: its row reports STACK.md\'s figure, not measured here');
  try {
    return [...(await smallJson(ctx, service, targets)), ...(await bigBodies(ctx, targets)), await largeUpload(ctx, service)];
  } finally {
    await targets.nginx?.stop();
    await targets.replyFrom?.stop();
  }
}

async function smallJson(ctx: BenchContext, service: Service, t: Targets): Promise<ScenarioRow[]> {
  // autocannon rounds a duration up to whole seconds.
  const seconds = ctx.size(4, 1);
  const rate = async (base: string): Promise<number> => (await fire({ url: base + SMALL_PATH, connections: 50, seconds })).rps;
  if (!ctx.quick) for (const base of [t.direct, t.ours, t.nginx?.url, t.replyFrom?.url]) if (base) await fire({ url: base + SMALL_PATH, connections: 50, seconds: 1 });
  let cpuMs = 0;
  let requests = 0;
  const ours = async (): Promise<number> => {
    const { result, cpuMs: spent } = await withCpu(service, () => fire({ url: t.ours + SMALL_PATH, connections: 50, seconds }));
    cpuMs += spent;
    requests += result.ok;
    return result.rps;
  };
  const vsDirect = await paired('1 KB JSON, /comfyui vs direct', ctx.repeats, ours, () => rate(t.direct));
  const rows = [
    row({ name: '1 KB JSON via /comfyui/* (50 connections)', value: vsDirect.value, unit: 'req/s', baseline: 'direct to the fake ComfyUI', baselineValue: vsDirect.baseline, target: 0.25 }),
    row({ name: '1 KB JSON via /comfyui/*: service CPU per request', value: (cpuMs * 1000) / Math.max(1, requests), unit: 'µs', lowerIsBetter: true }),
  ];
  if (t.nginx) {
    const nginx = t.nginx;
    const vs = await paired('1 KB JSON, /comfyui vs nginx', ctx.repeats, () => rate(t.ours), () => rate(nginx.url));
    rows.push(row({ name: '1 KB JSON via /comfyui/* vs nginx', value: vs.value, unit: 'req/s', baseline: 'nginx (Debian) reverse proxy, same fake', baselineValue: vs.baseline }));
  } else {
    rows.push(row({ name: '1 KB JSON via /comfyui/* vs nginx', value: null, unit: 'req/s', baseline: 'nginx: not installed, skipped (STACK.md: nginx 0.57 of direct)' }));
  }
  if (t.replyFrom) {
    const replyFrom = t.replyFrom;
    const vs = await paired('1 KB JSON, /comfyui vs reply-from', ctx.repeats, () => rate(t.ours), () => rate(replyFrom.url));
    rows.push(row({ name: '1 KB JSON via /comfyui/* vs @fastify/reply-from', value: vs.value, unit: 'req/s', baseline: '@fastify/reply-from on the same route, same fake', baselineValue: vs.baseline, target: 1.7 }));
  } else {
    rows.push(
      row({
        name: '1 KB JSON via /comfyui/* vs @fastify/reply-from',
        value: null,
        unit: 'req/s',
        baseline: '@fastify/reply-from: not installed, not measured here (STACK.md: 0.15 of direct)',
        target: 1.7,
      }),
    );
  }
  return rows;
}

async function bigBodies(ctx: BenchContext, t: Targets): Promise<ScenarioRow[]> {
  const seconds = ctx.size(3, 1);
  const upload = multipartUpload(2 * MB);
  const uploadHeaders = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
  const download = async (base: string): Promise<number> => (await fire({ url: base + DOWNLOAD_PATH, connections: 8, seconds })).readBytesPerSec / MB;
  const send = async (base: string): Promise<number> =>
    ((await fire({ url: base + UPLOAD_PATH, connections: 4, seconds, method: 'POST', body: upload, headers: uploadHeaders })).rps * upload.length) / MB;
  const rows: ScenarioRow[] = [];
  for (const [what, measure] of [['download', download], ['upload', send]] as const) {
    const vs = await paired(`2 MB ${what}, /comfyui vs direct`, ctx.repeats, () => measure(t.ours), () => measure(t.direct));
    rows.push(row({ name: `2 MB ${what} via /comfyui/*`, value: vs.value, unit: 'MB/s', baseline: 'direct to the fake ComfyUI', baselineValue: vs.baseline }));
    if (t.nginx) {
      const nginx = t.nginx;
      const vsNginx = await paired(`2 MB ${what}, /comfyui vs nginx`, ctx.repeats, () => measure(t.ours), () => measure(nginx.url));
      rows.push(row({ name: `2 MB ${what} via /comfyui/* vs nginx`, value: vsNginx.value, unit: 'MB/s', baseline: 'nginx (Debian) reverse proxy, same fake', baselineValue: vsNginx.baseline, target: 0.9 }));
    } else {
      rows.push(row({ name: `2 MB ${what} via /comfyui/* vs nginx`, value: null, unit: 'MB/s', baseline: 'nginx: not installed, skipped', target: 0.9 }));
    }
  }
  return rows;
}

/** Stream `bytes` to the proxy (the fake drains what passes its cap, then answers 413). */
function streamUpload(url: string, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(MB, 0x61);
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': bytes } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
    let sent = 0;
    const pump = (): void => {
      while (sent < bytes) {
        const piece = bytes - sent >= chunk.length ? chunk : chunk.subarray(0, bytes - sent);
        sent += piece.length;
        if (!request.write(piece)) return void request.once('drain', pump);
      }
      request.end();
    };
    pump();
  });
}

async function largeUpload(ctx: BenchContext, service: Service): Promise<ScenarioRow> {
  const bytes = ctx.size(1024, 256) * MB;
  const growth = await repeated(`RSS growth during a ${bytes / MB} MB upload`, ctx.repeats, async () => {
    const before = service.figures().rssBytes;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, service.figures().rssBytes)), 20);
    try {
      await streamUpload(`${service.url}/comfyui${UPLOAD_PATH}`, bytes);
    } finally {
      clearInterval(sampler);
    }
    return (Math.max(peak, service.figures().rssBytes) - before) / MB;
  });
  return row({
    name: `proxy RSS growth during a ${bytes >= 1024 * MB ? `${bytes / (1024 * MB)} GB` : `${bytes / MB} MB`} upload via /comfyui/*`,
    value: growth.value,
    unit: 'MB',
    target: 20,
    lowerIsBetter: true,
  });
}
