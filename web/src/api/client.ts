/**
 * The one module that talks to the service over HTTP. Every call sends the API key from the
 * settings (Authorization: Bearer, as src/api/security accepts it) and turns any non-2xx answer
 * into an ApiError carrying the service's `{error:{type,message,details}}`.
 */
import type {
  AddBackendBody,
  AppSummary,
  AppView,
  CreateSweepBody,
  InputBindingBody,
  Page,
  RunCreated,
  RunView,
  SweepSummary,
  SweepView,
  AttemptList,
  BackendList,
  BackendView,
  CreatedWebhook,
  CreateScheduleBody,
  CreateWebhookBody,
  DeliveryList,
  DeliveryQueued,
  ErrorBody,
  JobDetail,
  JobList,
  JobStatus,
  OutputFile,
  QueueSnapshot,
  ScheduleDetail,
  ScheduleList,
  SubmitResult,
  WebhookList,
  WebhookView,
} from '@contract';
import { getSettings } from '../settings/settings-store';

/** One field the service refused (extra_info.fields of an `invalid_fields` error). */
export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

export class ApiError extends Error {
  readonly status: number;
  /** The service's error type (`unauthorized`, `not_found`, …), or `network` when no answer came. */
  readonly type: string;
  readonly details: string;
  /** Each bad field with its reason, when the service listed them. */
  readonly fields: readonly FieldProblem[];

  constructor(status: number, type: string, message: string, details = '', fields: readonly FieldProblem[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
    this.details = details;
    this.fields = fields;
  }
}

function fieldProblems(extra: unknown): FieldProblem[] {
  const fields = (extra as { fields?: unknown } | undefined)?.fields;
  if (!Array.isArray(fields)) return [];
  return fields.filter((f): f is FieldProblem => typeof f === 'object' && f !== null && typeof (f as FieldProblem).field === 'string' && typeof (f as FieldProblem).reason === 'string');
}

const unauthorizedListeners = new Set<() => void>();

/** Hear every 401, to ask the user for a key; returns the unsubscribe function. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** The headers every request carries: the API key when one is set. */
export function authHeaders(): Record<string, string> {
  const key = getSettings().apiKey;
  return key === '' ? {} : { authorization: `Bearer ${key}` };
}

/** Read an error answer: the service's JSON shape, or whatever text came back. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (body.error && typeof body.error.message === 'string') {
      return new ApiError(response.status, body.error.type ?? 'error', body.error.message, body.error.details ?? '', fieldProblems(body.error.extra_info));
    }
  } catch {
    // not JSON: fall through to the text itself
  }
  return new ApiError(response.status, 'error', text.trim().slice(0, 300) || `${response.status} ${response.statusText}`);
}

/** A raw authenticated fetch; 401s are announced, failures become ApiErrors. */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: { accept: 'application/json', ...authHeaders(), ...(init.headers as Record<string, string> | undefined) } });
  } catch (err) {
    throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
  }
  if (response.status === 401) for (const listener of unauthorizedListeners) listener();
  if (!response.ok) throw await errorFromResponse(response);
  return response;
}

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await apiFetch(path, signal ? { signal } : {});
  return (await response.json()) as T;
}

async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const response = await apiFetch(path, init);
  const text = await response.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export interface JobsQuery {
  readonly statuses: readonly JobStatus[];
  readonly order: 'asc' | 'desc';
  readonly sortBy: 'created_at' | 'execution_duration';
  readonly offset: number;
  readonly limit: number;
  /** The service's own filters (GET /api/jobs `app`, `backend`, `created_from`, `created_before`, `text`). */
  readonly appId?: string;
  readonly backend?: string;
  /** ms since the epoch, inclusive. */
  readonly createdFrom?: number;
  /** ms since the epoch, exclusive. */
  readonly createdBefore?: number;
  readonly text?: string;
}

/** Where a file of a prompt's outputs can be read; `preview` asks /view for a light WebP. */
export function viewUrl(file: OutputFile, options: { preview?: boolean } = {}): string {
  const params = new URLSearchParams({ filename: file.filename, subfolder: file.subfolder, type: file.type });
  // src/files/view.ts: `preview=webp;<quality>` converts on the server (same size, far fewer bytes).
  if (options.preview === true) params.set('preview', 'webp;60');
  return `/view?${params.toString()}`;
}

/** The /ws URL for our client id, with the key as `?token=` (browsers cannot set WS headers). */
export function wsUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  const { apiKey, clientId } = getSettings();
  const params = new URLSearchParams({ clientId });
  if (apiKey !== '') params.set('token', apiKey);
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws?${params.toString()}`;
}

/**
 * The event stream's URL (Server-Sent Events), resuming after `since` when given; the key goes
 * as `?token=` because EventSource cannot set headers.
 */
export function eventsUrl(types: readonly string[], since: number | null): string {
  const params = new URLSearchParams({ types: types.join(',') });
  if (since !== null) params.set('since', String(since));
  const { apiKey } = getSettings();
  if (apiKey !== '') params.set('token', apiKey);
  return `/automa/events?${params.toString()}`;
}

/** ComfyUI's POST /upload/image answer. */
export interface UploadedImage {
  readonly name: string;
  readonly subfolder: string;
  readonly type: string;
}

async function sendForm<T>(method: string, path: string, form: FormData): Promise<T> {
  // No content-type: the browser writes multipart/form-data with its boundary.
  const response = await apiFetch(path, { method, body: form });
  return (await response.json()) as T;
}

const appPath = (id: string) => `/automa/apps/${encodeURIComponent(id)}`;
const sweepPath = (id: string) => `/automa/sweeps/${encodeURIComponent(id)}`;
const webhookPath = (id: string) => `/automa/webhooks/${encodeURIComponent(id)}`;
const schedulePath = (id: string) => `/automa/schedules/${encodeURIComponent(id)}`;

/** The service's API, one function per call the app makes. */
export const api = {
  backends: (signal?: AbortSignal) => getJson<BackendList>('/automa/backends', signal),
  addBackend: (body: AddBackendBody) => send<BackendView>('POST', '/automa/backends', body),
  setDraining: (name: string, draining: boolean) => send<unknown>('PATCH', `/automa/backends/${encodeURIComponent(name)}`, { draining }),
  removeBackend: (name: string) => send<unknown>('DELETE', `/automa/backends/${encodeURIComponent(name)}`),

  queue: (signal?: AbortSignal) => getJson<QueueSnapshot>('/queue', signal),
  deletePending: (ids: readonly string[]) => send<void>('POST', '/queue', { delete: ids }),
  /** A prompt waiting in our queue becomes the next to run (`moved` is false when a backend holds it already). */
  moveToFront: (promptId: string) => send<{ moved: boolean; number?: number }>('POST', `/automa/queue/${encodeURIComponent(promptId)}/front`),
  interrupt: (promptId: string) => send<void>('POST', '/interrupt', { prompt_id: promptId }),
  submit: (prompt: Readonly<Record<string, unknown>>, extraData: Readonly<Record<string, unknown>>) =>
    send<SubmitResult>('POST', '/prompt', { prompt, client_id: getSettings().clientId, extra_data: extraData }),

  jobs: (query: JobsQuery, signal?: AbortSignal) => {
    const params = new URLSearchParams({
      status: query.statuses.join(','),
      sort_order: query.order,
      sort_by: query.sortBy,
      offset: String(query.offset),
      limit: String(query.limit),
    });
    if (query.appId !== undefined) params.set('app', query.appId);
    if (query.backend !== undefined) params.set('backend', query.backend);
    if (query.createdFrom !== undefined) params.set('created_from', String(query.createdFrom));
    if (query.createdBefore !== undefined) params.set('created_before', String(query.createdBefore));
    if (query.text !== undefined) params.set('text', query.text);
    return getJson<JobList>(`/api/jobs?${params.toString()}`, signal);
  },
  job: (id: string, signal?: AbortSignal) => getJson<JobDetail>(`/api/jobs/${encodeURIComponent(id)}`, signal),
  deleteHistory: (ids: readonly string[]) => send<void>('POST', '/history', { delete: ids }),

  webhooks: (signal?: AbortSignal) => getJson<WebhookList>('/automa/webhooks', signal),
  createWebhook: (body: CreateWebhookBody) => send<CreatedWebhook>('POST', '/automa/webhooks', body),
  setWebhookEnabled: (id: string, enabled: boolean) => send<WebhookView>('PATCH', webhookPath(id), { enabled }),
  deleteWebhook: (id: string) => send<void>('DELETE', webhookPath(id)),
  testWebhook: (id: string) => send<DeliveryQueued>('POST', `${webhookPath(id)}/test`),
  deliveries: (id: string, signal?: AbortSignal) => getJson<DeliveryList>(`${webhookPath(id)}/deliveries?limit=50`, signal),
  // Enough attempts to cover the 50 deliveries shown, most of which succeed on the first.
  attempts: (id: string, signal?: AbortSignal) => getJson<AttemptList>(`${webhookPath(id)}/attempts?limit=200`, signal),
  redeliver: (id: string, delivery: number) => send<DeliveryQueued>('POST', `${webhookPath(id)}/deliveries/${delivery}/redeliver`),

  schedules: (signal?: AbortSignal) => getJson<ScheduleList>('/automa/schedules', signal),
  schedule: (id: string, signal?: AbortSignal) => getJson<ScheduleDetail>(schedulePath(id), signal),
  createSchedule: (body: CreateScheduleBody) => send<ScheduleDetail>('POST', '/automa/schedules', body),
  setSchedulePaused: (id: string, paused: boolean) => send<ScheduleDetail>('PATCH', schedulePath(id), { paused }),
  deleteSchedule: (id: string) => send<void>('DELETE', schedulePath(id)),

  apps: (signal?: AbortSignal) => getJson<Page<AppSummary>>('/automa/apps?limit=200', signal),
  app: (id: string, signal?: AbortSignal) => getJson<AppView>(appPath(id), signal),
  /** Import a workflow file: UI or API JSON, App Mode, or a PNG ComfyUI saved. */
  importApp: (file: File, name: string) => {
    const form = new FormData();
    form.set('name', name);
    form.set('file', file, file.name);
    return sendForm<AppView>('POST', '/automa/apps', form);
  },
  /** The same workflow with the inputs chosen here (bound again by node and input). */
  setAppInputs: (app: AppView, inputs: readonly InputBindingBody[]) => send<AppView>('PUT', `${appPath(app.id)}/workflow`, { workflow: app.prompt, inputs }),
  deleteApp: (id: string) => send<void>('DELETE', appPath(id)),
  /** An app from a workflow in hand (API or UI format), e.g. a finished job's. */
  createApp: (name: string, workflow: Readonly<Record<string, unknown>>) => send<AppView>('POST', '/automa/apps', { name, workflow }),
  uploadImage: (file: File) => {
    const form = new FormData();
    form.set('image', file, file.name);
    return sendForm<UploadedImage>('POST', '/upload/image', form);
  },
  createRun: (appId: string, inputs: Readonly<Record<string, unknown>>) => send<RunCreated>('POST', `${appPath(appId)}/runs`, { inputs, client_id: getSettings().clientId }),
  run: (id: string, signal?: AbortSignal) => getJson<RunView>(`/automa/runs/${encodeURIComponent(id)}`, signal),
  runs: (appId: string, limit: number, signal?: AbortSignal) => getJson<Page<RunView>>(`/automa/runs?app=${encodeURIComponent(appId)}&limit=${limit}`, signal),
  cancelRun: (id: string) => send<unknown>('POST', `/automa/runs/${encodeURIComponent(id)}/cancel`),

  createSweep: (appId: string, body: CreateSweepBody) => send<SweepSummary & { status: string }>('POST', `${appPath(appId)}/sweeps`, { ...body, client_id: getSettings().clientId }),
  sweeps: (signal?: AbortSignal) => getJson<Page<SweepSummary>>('/automa/sweeps?limit=100', signal),
  sweep: (id: string, signal?: AbortSignal) => getJson<SweepView>(sweepPath(id), signal),
  cancelSweep: (id: string) => send<SweepView>('POST', `${sweepPath(id)}/cancel`),
  retrySweep: (id: string) => send<SweepView & { retried: number }>('POST', `${sweepPath(id)}/retry`),
  sheetUrl: (id: string, thumb = 256) => `${sweepPath(id)}/sheet.png?thumb=${thumb}`,
};
