/**
 * ComfyUI 0.26+: POST /api/jobs/{id}/cancel and POST /api/jobs/cancel {job_ids}, both answering
 * {"cancelled": bool}. A pending job is taken out of the queue (it never reaches history), a
 * running one is interrupted; finished, unknown and malformed ids are no-ops (false). The batch
 * route refuses a body that is not JSON, job_ids that is not a list, or any id that is not a
 * canonical UUID string, before cancelling anything.
 */
import { pyStr } from '../../../src/upstream/protocol/index.js';
import { route, type FakeContext, type Route } from '../context.js';
import { isObject, json, readJson } from '../http.js';

const SINCE = '0.26.0';
const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function cancelJob(fake: FakeContext, id: string): boolean {
  const { queue, executor } = fake.life;
  if (queue.runningItems().some((item) => item.promptId === id)) {
    executor.interrupt();
    return true;
  }
  return queue.delete((item) => item.promptId === id);
}

export const jobCancelRoutes: readonly Route[] = [
  route('POST', '/api/jobs/{job_id}/cancel', (fake, req) => json({ cancelled: cancelJob(fake, req.params['job_id'] ?? '') }), false, SINCE),
  route(
    'POST',
    '/api/jobs/cancel',
    async (fake, req) => {
      let body: unknown;
      try {
        body = await readJson(req);
      } catch {
        return json({ error: 'Request body must be valid JSON' }, 400);
      }
      const ids = isObject(body) ? body['job_ids'] : undefined;
      if (!Array.isArray(ids)) return json({ error: 'job_ids must be a list' }, 400);
      const invalid = ids.filter((id) => typeof id !== 'string' || !CANONICAL_UUID.test(id));
      if (invalid.length > 0) return json({ error: 'job_ids contains invalid id(s)', invalid_ids: invalid.map((id) => pyStr(id)) }, 400);
      let cancelled = false;
      for (const id of ids as string[]) if (cancelJob(fake, id)) cancelled = true;
      return json({ cancelled });
    },
    false,
    SINCE,
  ),
];
