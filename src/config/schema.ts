/**
 * Every setting of the service, declared once: its flag, its AUTOMA_* variable, its default and
 * the one line that `--help` prints. load.ts turns argv + env into a frozen, typed Config.
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface BackendConfig {
  /** Short unique name, used in URLs and logs. */
  readonly name: string;
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:8188 */
  readonly url: string;
}

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** postgres://… puts every table in PostgreSQL (several gateways may share it); null: the SQLite file in dataDir. */
  readonly database: string | null;
  /** This gateway's name among those sharing --database (default host:port). */
  readonly gatewayId: string;
  /** How long a gateway holds a backend without renewing (a dead gateway's backends move after it). */
  readonly leaseTtlMs: number;
  readonly backends: readonly BackendConfig[];
  readonly publicDir: string | null;
  readonly maxUploadSizeBytes: number;
  readonly maxJsonBodyBytes: number;
  /** --enable-cors-header: the allowed origin or `*`; null keeps ComfyUI's origin check instead. */
  readonly corsOrigin: string | null;
  /** From --api-key and --api-keys-file; empty means no authentication. */
  readonly apiKeys: readonly string[];
  readonly allowUnauthenticated: boolean;
  /** Serve ComfyUI's own frontend from the default backend at `/` (without --public-dir). */
  readonly comfyuiFrontend: boolean;
  readonly maxWsClients: number;
  readonly headerTimeoutMs: number;
  /** How long a whole request (headers and body) may take to arrive. */
  readonly requestTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Open client connections (HTTP and WebSocket) at once; more are answered 503 and closed. */
  readonly maxConnections: number;
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  /** Prompts a backend may hold beyond the one it runs. */
  readonly prefetch: number;
  /** Dispatch attempts before a prompt that backends keep losing fails. */
  readonly maxAttempts: number;
  readonly failoverAfterMs: number;
  readonly historyMaxItems: number;
  readonly historyMaxAgeMs: number;
  readonly upstreamConnectTimeoutMs: number;
  readonly upstreamHeadersTimeoutMs: number;
  readonly wsMaxBufferBytes: number;
  readonly wsPingIntervalMs: number;
  /** Most runs one sweep may make. */
  readonly maxSweepRuns: number;
  /** Event log retention: by age (0: none) and by count (0: none). */
  readonly eventRetentionMs: number;
  readonly eventRetentionCount: number;
  readonly sseHeartbeatMs: number;
  /** Bytes an SSE client may leave unread before it is closed with where to resume. */
  readonly sseMaxBufferBytes: number;
  /** Loopback and private addresses are refused as webhook targets unless this is set. */
  readonly webhookAllowPrivate: boolean;
  /** Wait before each retry of a failed delivery; the delivery is dead after the last. */
  readonly webhookRetryScheduleMs: readonly number[];
  readonly webhookConcurrency: number;
  readonly webhookConnectTimeoutMs: number;
  readonly webhookTimeoutMs: number;
  /** A schedule slot later than this (downtime) counts as missed and follows the schedule's policy. */
  readonly scheduleMisfireGraceMs: number;
}

/** 'flag' takes no value (given means true; env accepts true/false). */
export type OptionKind = 'string' | 'int' | 'number' | 'list' | 'flag';

export interface OptionSpec {
  /** Long flag without dashes. */
  readonly flag: string;
  readonly kind: OptionKind;
  readonly description: string;
  /** Shown in --help; the parsed default lives in load.ts. */
  readonly defaultText?: string;
  readonly valueName?: string;
  /** The value may be left out (`--flag` alone), and then is this. */
  readonly bareValue?: string;
}

export const OPTIONS = [
  { flag: 'host', kind: 'string', valueName: 'addr', defaultText: '127.0.0.1', description: 'Address to listen on.' },
  { flag: 'port', kind: 'int', valueName: 'n', defaultText: '8189', description: 'Port to listen on (0 picks a free one).' },
  {
    flag: 'data-dir',
    kind: 'string',
    valueName: 'dir',
    defaultText: './data',
    description: 'Where the database file and stored files live.',
  },
  {
    flag: 'database',
    kind: 'string',
    valueName: 'url',
    defaultText: 'the SQLite file in --data-dir',
    description: 'postgres://user:pass@host:port/db keeps every table in PostgreSQL; gateways started with the same URL and a shared --data-dir form one cluster.',
  },
  {
    flag: 'gateway-id',
    kind: 'string',
    valueName: 'name',
    defaultText: 'host:port',
    description: "This gateway's name among those sharing --database (unique per process).",
  },
  {
    flag: 'lease-ttl',
    kind: 'int',
    valueName: 'ms',
    defaultText: '10000',
    description: "With --database: how long a gateway drives a backend without renewing; a dead gateway's backends move to the others after it.",
  },
  {
    flag: 'comfyui',
    kind: 'list',
    valueName: '[name=]url',
    defaultText: 'http://127.0.0.1:8188',
    description: 'A ComfyUI backend; repeat for several (AUTOMA_COMFYUI takes a comma-separated list).',
  },
  {
    flag: 'public-dir',
    kind: 'string',
    valueName: 'dir',
    defaultText: 'none',
    description: 'Folder of the web app (SPA) to serve at /.',
  },
  {
    flag: 'max-upload-size',
    kind: 'number',
    valueName: 'MB',
    defaultText: '100',
    description: 'Largest request body accepted, in MB (as ComfyUI).',
  },
  {
    flag: 'max-json-body-size',
    kind: 'number',
    valueName: 'MB',
    defaultText: '10',
    description: 'Largest JSON body accepted by the /automa API, in MB.',
  },
  {
    flag: 'enable-cors-header',
    kind: 'string',
    valueName: 'origin',
    bareValue: '*',
    defaultText: 'off',
    description: 'Allow browsers on this origin (* when none is given) to call the API, as ComfyUI; replaces the origin check.',
  },
  {
    flag: 'api-key',
    kind: 'list',
    valueName: 'key',
    defaultText: 'none',
    description: 'Require Authorization: Bearer <key> on API requests; repeatable. Visible in the process list: prefer --api-keys-file.',
  },
  {
    flag: 'api-keys-file',
    kind: 'string',
    valueName: 'path',
    defaultText: 'none',
    description: 'File of API keys (16+ characters each), one per line; blank lines and # comments are ignored.',
  },
  {
    flag: 'allow-unauthenticated',
    kind: 'flag',
    defaultText: 'off',
    description: 'Allow a non-loopback --host without any API key (e.g. behind an authenticating proxy).',
  },
  {
    flag: 'comfyui-frontend',
    kind: 'flag',
    defaultText: 'off',
    description: 'Without --public-dir: browsers at / get ComfyUI’s own frontend (from the default backend), wired to the gateway.',
  },
  {
    flag: 'max-ws-clients',
    kind: 'int',
    valueName: 'n',
    defaultText: '1000',
    description: 'Most WebSocket clients connected at once; more are refused with 503.',
  },
  {
    flag: 'header-timeout',
    kind: 'int',
    valueName: 'ms',
    defaultText: '30000',
    description: 'How long a client may take to send its request headers (slow clients get 408).',
  },
  {
    flag: 'request-timeout',
    kind: 'int',
    valueName: 'ms',
    defaultText: '300000',
    description: 'How long a whole request, body included, may take to arrive (408 after); at least --header-timeout.',
  },
  {
    flag: 'max-connections',
    kind: 'int',
    valueName: 'n',
    defaultText: '4096',
    description: 'Most client connections (HTTP and WebSocket) open at once; more get 503 and are closed.',
  },
  {
    flag: 'idle-timeout',
    kind: 'int',
    valueName: 'ms',
    defaultText: '72000',
    description: 'How long an idle keep-alive connection stays open.',
  },
  {
    flag: 'prefetch',
    kind: 'int',
    valueName: 'n',
    defaultText: '1',
    description: 'Prompts each backend gets beyond the one it runs, so it never idles between prompts.',
  },
  {
    flag: 'max-attempts',
    kind: 'int',
    valueName: 'n',
    defaultText: '3',
    description: 'Times a prompt is dispatched again after a backend lost it before it fails.',
  },
  {
    flag: 'failover-after',
    kind: 'int',
    valueName: 'ms',
    defaultText: '10000',
    description: 'How long a backend may be down before its prompts move to other backends.',
  },
  {
    flag: 'history-max-items',
    kind: 'int',
    valueName: 'n',
    defaultText: '0 (no limit)',
    description: 'Keep at most this many history entries; older ones are removed.',
  },
  {
    flag: 'history-max-age',
    kind: 'number',
    valueName: 'days',
    defaultText: '0 (no limit)',
    description: 'Remove history entries older than this many days.',
  },
  {
    flag: 'log-level',
    kind: 'string',
    valueName: 'level',
    defaultText: 'info',
    description: `One of ${LOG_LEVELS.join(', ')}.`,
  },
  {
    flag: 'shutdown-timeout',
    kind: 'int',
    valueName: 'ms',
    defaultText: '10000',
    description: 'How long in-flight requests may take to finish on SIGINT/SIGTERM.',
  },
  {
    flag: 'upstream-connect-timeout',
    kind: 'int',
    valueName: 'ms',
    defaultText: '10000',
    description: 'How long connecting to a ComfyUI backend may take (proxy answers 504 after).',
  },
  {
    flag: 'upstream-headers-timeout',
    kind: 'int',
    valueName: 'ms',
    defaultText: '60000',
    description: 'How long a ComfyUI backend may take to start answering a proxied request (504 after).',
  },
  {
    flag: 'ws-max-buffer',
    kind: 'number',
    valueName: 'MB',
    defaultText: '16',
    description: 'Data held per proxied WebSocket direction before a too-slow peer is closed (1013/1008).',
  },
  {
    flag: 'ws-ping-interval',
    kind: 'int',
    valueName: 'ms',
    defaultText: '30000',
    description: 'Ping proxied WebSocket peers this often; one that misses a ping is dropped (0: off).',
  },
  {
    flag: 'max-sweep-runs',
    kind: 'int',
    valueName: 'n',
    defaultText: '10000',
    description: 'Most runs (cells) one sweep may make; a larger sweep is refused with 400 before anything is stored.',
  },
  {
    flag: 'event-retention-days',
    kind: 'number',
    valueName: 'days',
    defaultText: '7',
    description: 'Drop events (SSE, webhooks) older than this many days (0: keep); those still to be delivered stay.',
  },
  {
    flag: 'event-retention-count',
    kind: 'int',
    valueName: 'n',
    defaultText: '1000000',
    description: 'Keep at most this many events (0: no limit); those still to be delivered stay.',
  },
  {
    flag: 'sse-heartbeat',
    kind: 'int',
    valueName: 'ms',
    defaultText: '15000',
    description: 'Send a comment line on idle event streams this often, so proxies keep them open.',
  },
  {
    flag: 'sse-max-buffer',
    kind: 'number',
    valueName: 'MB',
    defaultText: '4',
    description: 'Data an event-stream client may leave unread before it is closed with where to resume.',
  },
  {
    flag: 'webhook-allow-private',
    kind: 'flag',
    defaultText: 'off',
    description: 'Allow webhook URLs on loopback and private addresses (link-local and metadata ones are always refused).',
  },
  {
    flag: 'webhook-retry-schedule',
    kind: 'list',
    valueName: 'durations',
    defaultText: '5s,5m,30m,2h,5h,10h,10h',
    description: 'Waits before each retry of a failed webhook delivery (ms, or with s/m/h); dead after the last.',
  },
  {
    flag: 'webhook-concurrency',
    kind: 'int',
    valueName: 'n',
    defaultText: '4',
    description: 'Deliveries in flight at once per webhook endpoint.',
  },
  {
    flag: 'webhook-connect-timeout',
    kind: 'int',
    valueName: 'ms',
    defaultText: '5000',
    description: 'How long connecting to a webhook receiver may take.',
  },
  {
    flag: 'webhook-timeout',
    kind: 'int',
    valueName: 'ms',
    defaultText: '15000',
    description: 'How long a webhook receiver may take to answer (headers and body) before the attempt fails.',
  },
  {
    flag: 'schedule-misfire-grace',
    kind: 'int',
    valueName: 'ms',
    defaultText: '60000',
    description: 'A schedule slot found later than this (after downtime) is missed: skipped or run once, per schedule.',
  },
] as const satisfies readonly OptionSpec[];

export type OptionFlag = (typeof OPTIONS)[number]['flag'];

/** AUTOMA_DATA_DIR for --data-dir, and so on. */
export const envName = (flag: string): string => `AUTOMA_${flag.toUpperCase().replaceAll('-', '_')}`;
