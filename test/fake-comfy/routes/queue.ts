/**
 * Queue and history management, with ComfyUI's answers: bare 200s for the POSTs, {} for an unknown
 * history id, a 500 when a POST body is not JSON (only /interrupt tolerates an empty body), and
 * a targeted interrupt that does nothing unless that prompt is the one running.
 */
import { route, type Route } from '../context.js';
import { empty, isObject, json, pyTruthy, readJson } from '../http.js';
import { queueTuple } from '../queue.js';

/** `for x in json_data['delete']` over a list (or, as Python would, a string's characters). */
const idsOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : typeof value === 'string' ? [...value] : []);

const intParam = (value: string | null): number | null => {
  if (value === null) return null;
  if (!/^\s*[+-]?\d+\s*$/.test(value)) throw new Error(`invalid literal for int(): ${value}`);
  return Number.parseInt(value, 10);
};

export const queueRoutes: readonly Route[] = [
  route('GET', '/queue', (fake) =>
    json({
      queue_running: fake.life.queue.runningItems().map(queueTuple),
      queue_pending: fake.life.queue.pendingItems().map(queueTuple),
    }),
  ),
  route('POST', '/queue', async (fake, req) => {
    const body = await readJson(req);
    if (!isObject(body)) throw new Error('POST /queue body is not an object');
    const queue = fake.life.queue;
    if (Object.hasOwn(body, 'clear') && pyTruthy(body['clear'])) queue.wipe();
    if (Object.hasOwn(body, 'delete')) for (const id of idsOf(body['delete'])) queue.delete((item) => item.promptId === id);
    return empty(200);
  }),
  route('POST', '/interrupt', async (fake, req) => {
    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      body = {};
    }
    const promptId = isObject(body) ? body['prompt_id'] : undefined;
    const { queue, executor } = fake.life;
    if (pyTruthy(promptId)) {
      if (queue.runningItems().some((item) => item.promptId === promptId)) executor.interrupt();
    } else executor.interrupt();
    return empty(200);
  }),
  route('POST', '/free', async (fake, req) => {
    const body = await readJson(req);
    if (!isObject(body)) throw new Error('POST /free body is not an object');
    const flags = fake.life.queue.flags;
    if (pyTruthy(body['unload_models'])) flags['unload_models'] = body['unload_models'];
    if (pyTruthy(body['free_memory'])) flags['free_memory'] = body['free_memory'];
    return empty(200);
  }),
  route('GET', '/history', (fake, req) => {
    const maxItems = intParam(req.query.get('max_items'));
    const offset = intParam(req.query.get('offset'));
    return json(fake.life.queue.historySlice(maxItems, offset));
  }),
  route('GET', '/history/{prompt_id}', (fake, req) => {
    const id = req.params['prompt_id'] ?? '';
    const entry = fake.life.queue.history.get(id);
    return json(entry ? { [id]: entry } : {});
  }),
  route('POST', '/history', async (fake, req) => {
    const body = await readJson(req);
    if (!isObject(body)) throw new Error('POST /history body is not an object');
    const history = fake.life.queue.history;
    if (Object.hasOwn(body, 'clear') && pyTruthy(body['clear'])) history.clear();
    if (Object.hasOwn(body, 'delete')) for (const id of idsOf(body['delete'])) history.delete(String(id));
    return empty(200);
  }),
];
