/**
 * POST /prompt as ComfyUI 0.8.0 handles it: every JSON body takes a queue number (even a
 * rejected one), "number" is turned into a float, "front" negates the number, the prompt is
 * validated like execution.validate_prompt, client_id goes into extra_data, the API-key secrets
 * are kept out of /queue and /history, and malformed JSON is a 500. And as 0.33.0 does on top:
 * a given prompt_id must be a canonical UUID, replaced node classes are rewritten before
 * validation, and the Comfy-Usage-Source header lands in extra_data.
 */
import { randomUUID } from 'node:crypto';
import {
  applyNodeReplacements,
  errorBody,
  hasFeature,
  parseNodeReplacements,
  pyStr,
  validatePrompt,
  PyFloat,
  type JsonValue,
} from '../../../src/upstream/protocol/index.js';
import { route, type FakeContext, type Route } from '../context.js';
import { BodyTooLarge, isObject, json, pyTruthy, readJson, serverError, type Reply, type RequestContext } from '../http.js';
import type { QueueItem } from '../queue.js';

const SENSITIVE_KEYS = ['auth_token_comfy_org', 'api_key_comfy_org'];

async function postPrompt(fake: FakeContext, req: RequestContext): Promise<Reply> {
  let body: JsonValue | undefined;
  let reply: Reply;
  let promptId: string | undefined;
  try {
    body = await readJson(req);
    ({ reply, promptId } = queuePrompt(fake, body, req));
  } catch (error) {
    if (error instanceof BodyTooLarge) throw error;
    reply = serverError();
  }
  fake.received.prompts.push({ body, status: reply.status, promptId, at: Date.now() });
  return reply;
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const invalidPromptId = () => ({
  error: {
    type: 'invalid_prompt_id',
    message: 'prompt_id must be a valid UUID',
    details: 'prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the server generate one',
    extra_info: {},
  },
  nodeErrors: {},
});

function queuePrompt(fake: FakeContext, body: JsonValue, req: RequestContext): { reply: Reply; promptId?: string } {
  if (!isObject(body) && !Array.isArray(body)) return { reply: serverError() };
  const data = isObject(body) ? body : {};
  const life = fake.life;
  let number: number | PyFloat;
  if (Object.hasOwn(data, 'number')) {
    // float(x): numbers, bools and numeric strings convert; anything else raises (→ 500).
    const raw = data['number'];
    const n = raw instanceof PyFloat ? raw.value : typeof raw === 'string' ? (raw.trim() === '' ? NaN : Number(raw)) : Number(raw);
    if (raw === null || (typeof raw === 'object' && !(raw instanceof PyFloat)) || Number.isNaN(n)) return { reply: serverError() };
    number = new PyFloat(n);
  } else {
    number = pyTruthy(data['front']) ? -life.number : life.number;
    life.number++;
  }
  if (!Object.hasOwn(data, 'prompt')) return { reply: json(errorBody(noPrompt()), 400) };
  let promptId = Object.hasOwn(data, 'prompt_id') ? pyStr(data['prompt_id']) : randomUUID();
  if (hasFeature(fake.version, 'promptIdMustBeUuid')) {
    const given = data['prompt_id'];
    if (given === undefined || given === null) promptId = randomUUID();
    else if (typeof given !== 'string' || !CANONICAL_UUID.test(given)) return { reply: json(errorBody(invalidPromptId()), 400) };
  }
  const objectInfo = fake.objectInfo();
  let graph: unknown = data['prompt'];
  if (hasFeature(fake.version, 'nodeReplacements') && isObject(graph)) {
    const rewritten = applyNodeReplacements(graph, parseNodeReplacements(fake.nodeReplacements()), (c) => Object.hasOwn(objectInfo, c));
    if (!rewritten.ok) return { reply: serverError() };
    graph = rewritten.prompt;
  }
  const result = validatePrompt(graph, objectInfo, {
    partialExecutionTargets: data['partial_execution_targets'],
    customValidations: fake.customValidations(),
    version: fake.version,
  });
  if (result.status === 500) return { reply: serverError() };
  const extraData = Object.hasOwn(data, 'extra_data') ? data['extra_data'] : {};
  if (!isObject(extraData)) {
    // Python only trips over a non-dict extra_data when it writes into it.
    return { reply: Object.hasOwn(data, 'client_id') || result.ok ? serverError() : json(errorBody(result), 400) };
  }
  if (Object.hasOwn(data, 'client_id')) extraData['client_id'] = data['client_id'] ?? null;
  if (!result.ok) return { reply: json(errorBody(result), 400) };
  const usageSource = req.headers['comfy-usage-source'];
  if (hasFeature(fake.version, 'usageSourceHeader') && typeof usageSource === 'string' && usageSource !== '' && !Object.hasOwn(extraData, 'comfy_usage_source')) {
    extraData['comfy_usage_source'] = usageSource;
  }
  const sensitive: Record<string, unknown> = {};
  for (const key of SENSITIVE_KEYS) {
    if (Object.hasOwn(extraData, key)) {
      sensitive[key] = extraData[key];
      delete extraData[key];
    }
  }
  extraData['create_time'] = Date.now();
  // ComfyUI keeps the outputs in a Python set (hash-seeded order); the recorded 0.8.0 server
  // listed them last-id first, the 0.33.0 one in prompt order, which decides which of two ready
  // output nodes runs first.
  const outputs = fake.version === '0.8.0' ? [...result.outputsToExecute].reverse() : [...result.outputsToExecute];
  const item: QueueItem = { number, promptId, prompt: result.prompt, extraData, outputs, sensitive };
  life.queue.put(item);
  return { reply: json({ prompt_id: promptId, number, node_errors: result.nodeErrors }), promptId };
}

const noPrompt = () => ({
  error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} },
  nodeErrors: {},
});

export const promptRoutes: readonly Route[] = [
  route('GET', '/prompt', (fake) => json({ exec_info: { queue_remaining: fake.life.queue.remaining() } })),
  route('POST', '/prompt', postPrompt),
];
