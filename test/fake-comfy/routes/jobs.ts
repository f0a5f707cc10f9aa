/**
 * GET /api/jobs and /api/jobs/{id} (only under /api), following comfy_execution/jobs.py of 0.8.0:
 * queue items and history entries normalized into one job shape, fields that are None left out.
 * 0.33.0 adds `previewable_outputs_count`, reports interrupted runs as `cancelled`, and has
 * POST /api/jobs/{id}/cancel and POST /api/jobs/cancel {job_ids} (in jobs-cancel.ts).
 */
import { hasFeature, PyFloat } from '../../../src/upstream/protocol/index.js';
import { route, type Route } from '../context.js';
import { isObject, json } from '../http.js';
import type { HistoryEntry, QueueItem } from '../queue.js';

const STATUSES_0_8 = ['pending', 'in_progress', 'completed', 'failed'] as const;
const STATUSES_0_33 = [...STATUSES_0_8, 'cancelled'] as const;
const PREVIEWABLE = new Set(['images', 'video', 'audio']);
const THREE_D = ['.obj', '.fbx', '.gltf', '.glb'];

const prune = (job: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(job).filter(([, v]) => v !== undefined && v !== null));

function workflowId(extra: Record<string, unknown>): unknown {
  const info = extra['extra_pnginfo'];
  const workflow = isObject(info) ? info['workflow'] : undefined;
  return isObject(workflow) ? workflow['id'] : undefined;
}

/** What differs in the job shape between the versions. */
interface JobDialect {
  readonly previewableCount: boolean;
  readonly cancelledStatus: boolean;
}

const dialectOf = (version: string): JobDialect => ({
  previewableCount: hasFeature(version, 'previewableOutputsCount'),
  cancelledStatus: hasFeature(version, 'cancelledJobStatus'),
});

function fromQueue(item: QueueItem, status: string, dialect: JobDialect): Record<string, unknown> {
  return prune({
    id: item.promptId,
    status,
    priority: item.number,
    create_time: item.extraData['create_time'],
    outputs_count: 0,
    previewable_outputs_count: dialect.previewableCount ? 0 : undefined,
    workflow_id: workflowId(item.extraData),
  });
}

function outputsSummary(outputs: Record<string, unknown>): [number, unknown, number] {
  let count = 0;
  let previewable = 0;
  let preview: unknown;
  let fallback: unknown;
  for (const [nodeId, nodeOutputs] of Object.entries(outputs)) {
    if (!isObject(nodeOutputs)) continue;
    for (const [mediaType, items] of Object.entries(nodeOutputs)) {
      if (mediaType === 'animated' || !Array.isArray(items)) continue;
      for (const item of items) {
        if (!isObject(item)) continue;
        count++;
        const format = typeof item['format'] === 'string' ? item['format'] : '';
        const filename = typeof item['filename'] === 'string' ? item['filename'].toLowerCase() : '';
        const canPreview = PREVIEWABLE.has(mediaType) || /^(video|audio)\//.test(format) || THREE_D.some((e) => filename.endsWith(e));
        if (canPreview) previewable++;
        if (preview !== undefined || !canPreview) continue;
        const enriched = { ...item, nodeId, mediaType };
        if (item['type'] === 'output') preview = enriched;
        else fallback ??= enriched;
      }
    }
  }
  return [count, preview ?? fallback, previewable];
}

function fromHistory(id: string, entry: HistoryEntry, full: boolean, dialect: JobDialect): Record<string, unknown> {
  const [priority, , prompt, extra] = entry.prompt as [unknown, string, unknown, Record<string, unknown>];
  let start: unknown;
  let end: unknown;
  let error: unknown;
  let interrupted = false;
  for (const [event, data] of entry.status.messages) {
    if (!isObject(data)) continue;
    if (event === 'execution_start') start = data['timestamp'];
    else if (event === 'execution_success' || event === 'execution_error' || event === 'execution_interrupted') {
      end = data['timestamp'];
      if (event === 'execution_error') error = data;
      if (event === 'execution_interrupted') interrupted = true;
    }
  }
  const [count, preview, previewable] = outputsSummary(entry.outputs);
  const failed = entry.status.status_str === 'error';
  const job = prune({
    id,
    status: failed ? (interrupted && dialect.cancelledStatus ? 'cancelled' : 'failed') : 'completed',
    priority,
    create_time: extra['create_time'],
    execution_start_time: start,
    execution_end_time: end,
    execution_error: error,
    outputs_count: count,
    previewable_outputs_count: dialect.previewableCount ? previewable : undefined,
    preview_output: preview,
    workflow_id: workflowId(extra),
  });
  if (full) Object.assign(job, { outputs: entry.outputs, execution_status: entry.status, workflow: { prompt, extra_data: extra } });
  return job;
}

const numberOf = (value: unknown): number => (value instanceof PyFloat ? value.value : typeof value === 'number' ? value : 0);

export const jobRoutes: readonly Route[] = [
  route('GET', '/api/jobs', (fake, req) => {
    const q = req.query;
    const dialect = dialectOf(fake.version);
    const STATUSES = dialect.cancelledStatus ? STATUSES_0_33 : STATUSES_0_8;
    const statusParam = q.get('status');
    const statuses = statusParam ? statusParam.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean) : [...STATUSES];
    const invalid = statuses.filter((s) => !(STATUSES as readonly string[]).includes(s));
    if (invalid.length > 0) return json({ error: `Invalid status value(s): ${invalid.join(', ')}. Valid values: ${STATUSES.join(', ')}` }, 400);
    const sortBy = (q.get('sort_by') ?? 'created_at').toLowerCase();
    const sortOrder = (q.get('sort_order') ?? 'desc').toLowerCase();
    if (sortBy !== 'created_at' && sortBy !== 'execution_duration') return json({ error: "sort_by must be 'created_at' or 'execution_duration'" }, 400);
    if (sortOrder !== 'asc' && sortOrder !== 'desc') return json({ error: "sort_order must be 'asc' or 'desc'" }, 400);
    let limit: number | null = null;
    if (q.has('limit')) {
      if (!/^\s*[+-]?\d+\s*$/.test(q.get('limit') ?? '')) return json({ error: 'limit must be an integer' }, 400);
      limit = Number.parseInt(q.get('limit') ?? '', 10);
      if (limit <= 0) return json({ error: 'limit must be a positive integer' }, 400);
    }
    let offset = 0;
    if (q.has('offset')) {
      if (!/^\s*[+-]?\d+\s*$/.test(q.get('offset') ?? '')) return json({ error: 'offset must be an integer' }, 400);
      offset = Math.max(0, Number.parseInt(q.get('offset') ?? '', 10));
    }
    const queue = fake.life.queue;
    let jobs: Array<Record<string, unknown>> = [];
    if (statuses.includes('in_progress')) jobs.push(...queue.runningItems().map((i) => fromQueue(i, 'in_progress', dialect)));
    if (statuses.includes('pending')) jobs.push(...queue.pendingItems().map((i) => fromQueue(i, 'pending', dialect)));
    for (const [id, entry] of queue.history) {
      const job = fromHistory(id, entry, false, dialect);
      if (statuses.includes(job['status'] as string)) jobs.push(job);
    }
    const workflow = q.get('workflow_id');
    if (workflow) jobs = jobs.filter((j) => j['workflow_id'] === workflow);
    const key = (j: Record<string, unknown>): number =>
      sortBy === 'execution_duration'
        ? numberOf(j['execution_end_time']) && numberOf(j['execution_start_time'])
          ? numberOf(j['execution_end_time']) - numberOf(j['execution_start_time'])
          : 0
        : numberOf(j['create_time']);
    jobs.sort((a, b) => (sortOrder === 'desc' ? key(b) - key(a) : key(a) - key(b)));
    const total = jobs.length;
    const page = jobs.slice(offset, limit === null ? undefined : offset + limit);
    return json({ jobs: page, pagination: { offset, limit, total, has_more: offset + page.length < total } });
  }, false),
  route('GET', '/api/jobs/{job_id}', (fake, req) => {
    const id = req.params['job_id'] ?? '';
    const queue = fake.life.queue;
    const dialect = dialectOf(fake.version);
    const entry = queue.history.get(id);
    if (entry) return json(fromHistory(id, entry, true, dialect));
    const running = queue.runningItems().find((i) => i.promptId === id);
    if (running) return json(fromQueue(running, 'in_progress', dialect));
    const pending = queue.pendingItems().find((i) => i.promptId === id);
    if (pending) return json(fromQueue(pending, 'pending', dialect));
    return json({ error: 'Job not found' }, 404);
  }, false),
];
