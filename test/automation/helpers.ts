/**
 * Shared material for the automation tests: the frontend's default workflow in API format (as
 * the real frontend converted it) and the recorded /object_info a fake ComfyUI serves.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { ComfyTestClient } from '../helpers/comfy-client.js';
import type { TestApp } from '../helpers/app.js';
import { startFakeComfy, type FakeComfy, type FakeComfyOptions } from '../fake-comfy/server.js';
import { startGateway } from '../pool/pool-helpers.js';

export const SHARED_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');

/** The checkpoint the default workflow loads. */
export const DEFAULT_CHECKPOINT = 'v1-5-pruned-emaonly-fp16.safetensors';

/** The frontend's default txt2img graph as the frontend's graphToPrompt wrote it (shared/workflows). */
export function defaultWorkflowPrompt(): Record<string, { class_type: string; inputs: Record<string, unknown>; _meta?: unknown }> {
  const file = path.join(SHARED_DIR, 'workflows/ui-to-api/01-default-workflow.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { expected_prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> }).expected_prompt;
}

/** The frontend's default UI-format workflow. */
export function defaultWorkflowUi(): Record<string, unknown> {
  const file = path.join(SHARED_DIR, 'workflows/ui-to-api/01-default-workflow.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { workflow: Record<string, unknown> }).workflow;
}

export interface AutomaStack {
  readonly fake: FakeComfy;
  readonly app: TestApp;
  /** A /ws client; runs created with its id get their events. */
  readonly client: ComfyTestClient;
}

/** One fake ComfyUI (full recorded node set, the default workflow's checkpoint) behind the gateway. */
export async function startAutomaStack(t: TestContext, options: { fake?: FakeComfyOptions; argv?: readonly string[]; clientId?: string } = {}): Promise<AutomaStack> {
  const fake = await startFakeComfy({ models: { checkpoints: [DEFAULT_CHECKPOINT, 'other.safetensors'] }, ...options.fake });
  t.after(() => fake.close());
  const app = await startGateway(t, ['--comfyui', `local=${fake.url}`, ...(options.argv ?? [])], { waitFor: ['local'] });
  const client = await ComfyTestClient.connect(app.wsUrl, options.clientId ?? 'automa-test');
  t.after(() => client.close());
  return { fake, app, client };
}

export interface Reply<T = Record<string, unknown>> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** A JSON request to the service; the body parsed (or null when empty). */
export async function call<T = Record<string, unknown>>(url: string, method: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T, headers: response.headers };
}

export interface ErrorReply {
  error: { type: string; message: string; details: string; extra_info: { fields?: { field: string; reason: string }[]; [k: string]: unknown } };
}

/** Import the default workflow (API format) as an app; returns its id. */
export async function importDefaultApp(url: string, extra: Record<string, unknown> = {}): Promise<{ id: string; [k: string]: unknown }> {
  const reply = await call<{ id: string }>(`${url}/automa/apps`, 'POST', { name: 'txt2img', workflow: defaultWorkflowPrompt(), ...extra });
  if (reply.status !== 201) throw new Error(`import failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}
