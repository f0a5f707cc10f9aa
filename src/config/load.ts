import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkExposure, parseCorsOrigin, parseFlag, readApiKeys } from './access.js';
import { envName, LOG_LEVELS, OPTIONS, type BackendConfig, type Config, type LogLevel, type OptionSpec } from './schema.js';

export type LoadResult =
  | { readonly kind: 'config'; readonly config: Config }
  | { readonly kind: 'help'; readonly text: string }
  /** --version: the caller prints the package version (this module reads no files for it). */
  | { readonly kind: 'version' }
  | { readonly kind: 'invalid'; readonly problems: readonly string[] };

const MB = 1024 * 1024;
const DEFAULT_BACKEND = 'http://127.0.0.1:8188';
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * Parse flags over AUTOMA_* variables over defaults. Reads nothing but its arguments, except
 * that it checks --public-dir exists.
 * Every problem is collected so the user can fix them all in one go.
 */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): LoadResult {
  const problems: string[] = [];
  const raw = readRaw(argv, env, problems);
  if (raw === 'help') return { kind: 'help', text: helpText() };
  if (raw === 'version') return { kind: 'version' };

  const one = (flag: string): string | undefined => raw.get(flag)?.at(-1);
  const int = (flag: string, fallback: number, min: number, max: number): number => {
    const text = one(flag);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
      problems.push(`--${flag}: expected a whole number from ${min} to ${max}, got ${JSON.stringify(text)}`);
      return fallback;
    }
    return value;
  };
  const megabytes = (flag: string, fallback: number): number => {
    const text = one(flag);
    if (text === undefined) return fallback * MB;
    const value = Number(text);
    // A value that rounds down to zero bytes would refuse every body: not positive either.
    if (text.trim() === '' || !Number.isFinite(value) || Math.floor(value * MB) < 1) {
      problems.push(`--${flag}: expected a positive number of MB, got ${JSON.stringify(text)}`);
      return fallback * MB;
    }
    return Math.floor(value * MB);
  };

  const days = (flag: string): number => {
    const text = one(flag);
    if (text === undefined) return 0;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
      problems.push(`--${flag}: expected a number of days (0 for no limit), got ${JSON.stringify(text)}`);
      return 0;
    }
    return Math.round(value * 86_400_000);
  };

  const logLevel = one('log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`--log-level: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`);
  }
  const host = one('host') ?? '127.0.0.1';
  if (host.trim() === '') problems.push('--host: must not be empty');
  // An empty --data-dir would resolve to the working directory without a word.
  if (one('data-dir')?.trim() === '') problems.push('--data-dir: must not be empty');

  const port = int('port', 8189, 0, 65535);
  const config: Config = {
    host,
    port,
    dataDir: path.resolve(one('data-dir') ?? './data'),
    database: parseDatabaseUrl(one('database'), problems),
    // Stable across restarts (a restarted gateway takes its own leases back at once); with port 0
    // every process is its own.
    gatewayId: one('gateway-id') ?? `${os.hostname()}:${port === 0 ? `pid${process.pid}` : port}`,
    leaseTtlMs: int('lease-ttl', 10_000, 1_000, 600_000),
    backends: parseBackends(raw.get('comfyui') ?? [DEFAULT_BACKEND], problems),
    publicDir: one('public-dir') === undefined ? null : path.resolve(one('public-dir') ?? ''),
    maxUploadSizeBytes: megabytes('max-upload-size', 100),
    maxJsonBodyBytes: megabytes('max-json-body-size', 10),
    corsOrigin: parseCorsOrigin(one('enable-cors-header'), problems),
    apiKeys: readApiKeys(raw.get('api-key') ?? [], one('api-keys-file'), problems),
    allowUnauthenticated: parseFlag('allow-unauthenticated', one('allow-unauthenticated'), problems),
    comfyuiFrontend: parseFlag('comfyui-frontend', one('comfyui-frontend'), problems),
    maxWsClients: int('max-ws-clients', 1000, 1, 1_000_000),
    headerTimeoutMs: int('header-timeout', 30_000, 100, 300_000),
    requestTimeoutMs: int('request-timeout', 300_000, 100, 86_400_000),
    idleTimeoutMs: int('idle-timeout', 72_000, 100, 3_600_000),
    maxConnections: int('max-connections', 4096, 1, 1_000_000),
    logLevel: logLevel as LogLevel,
    shutdownTimeoutMs: int('shutdown-timeout', 10_000, 0, 600_000),
    prefetch: int('prefetch', 1, 0, 64),
    maxAttempts: int('max-attempts', 3, 1, 100),
    failoverAfterMs: int('failover-after', 10_000, 0, 3_600_000),
    historyMaxItems: int('history-max-items', 0, 0, 1_000_000_000),
    historyMaxAgeMs: days('history-max-age'),
    upstreamConnectTimeoutMs: int('upstream-connect-timeout', 10_000, 1, 600_000),
    upstreamHeadersTimeoutMs: int('upstream-headers-timeout', 60_000, 1, 3_600_000),
    wsMaxBufferBytes: megabytes('ws-max-buffer', 16),
    wsPingIntervalMs: int('ws-ping-interval', 30_000, 0, 3_600_000),
    maxSweepRuns: int('max-sweep-runs', 10_000, 1, 1_000_000),
    eventRetentionMs: one('event-retention-days') === undefined ? 7 * 86_400_000 : days('event-retention-days'),
    eventRetentionCount: int('event-retention-count', 1_000_000, 0, 1_000_000_000),
    sseHeartbeatMs: int('sse-heartbeat', 15_000, 10, 3_600_000),
    sseMaxBufferBytes: megabytes('sse-max-buffer', 4),
    webhookAllowPrivate: parseFlag('webhook-allow-private', one('webhook-allow-private'), problems),
    webhookRetryScheduleMs: parseDurations('webhook-retry-schedule', raw.get('webhook-retry-schedule') ?? DEFAULT_RETRY_SCHEDULE, problems),
    webhookConcurrency: int('webhook-concurrency', 4, 1, 256),
    webhookConnectTimeoutMs: int('webhook-connect-timeout', 5_000, 1, 600_000),
    webhookTimeoutMs: int('webhook-timeout', 15_000, 1, 600_000),
    scheduleMisfireGraceMs: int('schedule-misfire-grace', 60_000, 0, 86_400_000),
  };
  // Node refuses to start with headersTimeout > requestTimeout.
  if (config.requestTimeoutMs < config.headerTimeoutMs) {
    problems.push(`--request-timeout: must be at least --header-timeout (${config.headerTimeoutMs} ms), got ${config.requestTimeoutMs}`);
  }
  if (config.publicDir !== null) checkPublicDir(one('public-dir') ?? '', config.publicDir, problems);
  checkExposure(config.host, config.apiKeys, config.allowUnauthenticated, problems);
  if (problems.length > 0) return { kind: 'invalid', problems };
  return { kind: 'config', config: Object.freeze(config) };
}

/** postgres:// or postgresql:// with a host; the password is never echoed back. */
function parseDatabaseUrl(text: string | undefined, problems: string[]): string | null {
  if (text === undefined) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push('--database: expected a postgres://user:password@host:port/database URL');
    return null;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    problems.push(`--database: expected a postgres:// URL, got ${url.protocol}//…`);
    return null;
  }
  if (url.hostname === '' && !url.searchParams.has('host')) problems.push('--database: the URL names no host');
  return text;
}

/** Standard Webhooks' (and Svix's) schedule: about 27 hours from the first try to the last. */
const DEFAULT_RETRY_SCHEDULE = ['5s', '5m', '30m', '2h', '5h', '10h', '10h'];
const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** `5s,5m,2h` or plain milliseconds: one wait per retry, each at most a week. */
function parseDurations(flag: string, texts: readonly string[], problems: string[]): number[] {
  const waits: number[] = [];
  for (const text of texts.flatMap((t) => t.split(',')).map((t) => t.trim())) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
    const value = match === null ? NaN : Number(match[1]) * (DURATION_UNITS[match[2] ?? 'ms'] ?? NaN);
    if (!Number.isFinite(value) || value > 7 * 86_400_000) {
      problems.push(`--${flag}: expected durations like 5s,5m,2h (or milliseconds), each at most 7 days, got ${JSON.stringify(text)}`);
      return [];
    }
    waits.push(Math.round(value));
  }
  return waits;
}

/**
 * The one look at the file system here: a missing web-app folder is a typo the user should hear
 * about at start, with the other problems, not as a 404 on every page later.
 */
function checkPublicDir(given: string, dir: string, problems: string[]): void {
  // An empty value would resolve to the working directory and publish it, data dir included.
  if (given.trim() === '') {
    problems.push('--public-dir: must not be empty');
    return;
  }
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir, { throwIfNoEntry: false });
  } catch (err) {
    problems.push(`--public-dir: cannot read ${JSON.stringify(dir)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return;
  }
  if (stat === undefined) problems.push(`--public-dir: ${JSON.stringify(dir)} does not exist`);
  else if (!stat.isDirectory()) problems.push(`--public-dir: ${JSON.stringify(dir)} is not a directory`);
}

/** Flag values by flag name (repeatable flags keep every value); env fills flags not given. */
function readRaw(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): Map<string, string[]> | 'help' | 'version' {
  const known = new Map<string, OptionSpec>(OPTIONS.map((o) => [o.flag, o]));
  const { tokens } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    tokens: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      // Flags whose value may be left out are booleans to parseArgs, which would otherwise take
      // the next argument (`--enable-cors-header --port 1`) as their value; see the loop below.
      ...Object.fromEntries(OPTIONS.map((o) => [o.flag, { type: takesValueAlways(o) ? ('string' as const) : ('boolean' as const), multiple: true }])),
    },
  });
  const values = new Map<string, string[]>();
  const consumed = new Set<number>();
  for (const token of tokens) {
    if (consumed.has(token.index)) continue;
    const spec = token.kind === 'option' ? known.get(token.name) : undefined;
    if (token.kind === 'option' && spec !== undefined && !takesValueAlways(spec) && token.value === undefined) {
      const next = tokens.find((t) => t.index === token.index + 1);
      const bare = spec.bareValue;
      if (bare !== undefined && next?.kind === 'positional') consumed.add(next.index);
      const value = bare === undefined ? 'true' : next?.kind === 'positional' ? next.value : bare;
      values.set(token.name, [...(values.get(token.name) ?? []), value]);
    } else if (token.kind === 'positional') {
      problems.push(`unexpected argument ${JSON.stringify(token.value)}`);
    } else if (token.kind === 'option') {
      if (token.name === 'help') return 'help';
      if (token.name === 'version') return 'version';
      if (!known.has(token.name)) {
        problems.push(`unknown option ${token.rawName} (see --help)`);
      } else if (token.value === undefined) {
        problems.push(`${token.rawName}: needs a value`);
      } else {
        values.set(token.name, [...(values.get(token.name) ?? []), token.value]);
      }
    }
  }
  for (const option of OPTIONS) {
    const fromEnv = env[envName(option.flag)];
    if (values.has(option.flag) || fromEnv === undefined || fromEnv === '') continue;
    values.set(option.flag, option.kind === 'list' ? fromEnv.split(',').map((s) => s.trim()) : [fromEnv]);
  }
  return values;
}

const takesValueAlways = (option: OptionSpec): boolean => option.kind !== 'flag' && option.bareValue === undefined;

function parseBackends(specs: readonly string[], problems: string[]): BackendConfig[] {
  const backends: BackendConfig[] = [];
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const hasName = eq > 0 && !spec.slice(0, eq).includes('/');
    const urlText = hasName ? spec.slice(eq + 1) : spec;
    let url: URL;
    try {
      url = new URL(urlText);
    } catch {
      problems.push(`--comfyui: ${JSON.stringify(spec)} is not a URL`);
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push(`--comfyui: ${JSON.stringify(spec)} must be an http:// or https:// URL`);
      continue;
    }
    const name = hasName ? spec.slice(0, eq) : url.host;
    if (!NAME_RE.test(name)) {
      problems.push(`--comfyui: backend name ${JSON.stringify(name)} must match ${NAME_RE.source}`);
      continue;
    }
    if (backends.some((b) => b.name === name)) {
      problems.push(`--comfyui: backend name ${JSON.stringify(name)} is used twice (give one a name: name=url)`);
      continue;
    }
    backends.push({ name, url: url.href.replace(/\/+$/, '') });
  }
  return backends;
}

/** The text of --help, built from the option table so it cannot drift. */
export function helpText(): string {
  const rows = OPTIONS.map((o) => {
    const spec: OptionSpec = o;
    const value = spec.valueName === undefined ? '' : spec.bareValue !== undefined ? ` [${spec.valueName}]` : ` <${spec.valueName}>`;
    const left = `  --${o.flag}${value}`;
    const def = o.defaultText ? ` (default: ${o.defaultText})` : '';
    return `${left.padEnd(34)}${o.description}${def}\n${' '.repeat(34)}env: ${envName(o.flag)}`;
  });
  return [
    'Usage: comfyui-automa [options]',
    '',
    'ComfyUI automation service: durable queue and history, a pool of ComfyUI backends behind one',
    'endpoint, a transparent proxy under /comfyui/*, a document store and SPA hosting.',
    '',
    'Options (flags win over environment variables, which win over defaults):',
    ...rows,
    '  -v, --version                   Print the version and exit.',
    '  -h, --help                      Show this help.',
    '',
  ].join('\n');
}
