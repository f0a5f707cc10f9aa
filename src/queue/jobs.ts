import type { JobRow, JobStatus } from '../store/index.js';
import { isRecord } from './prompt-run.js';

/** One job as ComfyUI's /api/jobs lists it: like its prune_dict, a field without a value is left out. */
export interface JobSummary {
  readonly id: string;
  readonly status: JobStatus;
  readonly priority: number;
  readonly create_time: number;
  readonly execution_start_time?: number;
  readonly execution_end_time?: number;
  readonly execution_error?: Record<string, unknown>;
  readonly outputs_count: number;
  /** 0.32+: how many of the outputs a client can preview (images, video, audio, 3D files). */
  readonly previewable_outputs_count: number;
  readonly preview_output?: Record<string, unknown>;
  readonly workflow_id?: string;
}

/** ComfyUI's job view of a prompt record (+ its history entry when finished). */
export function jobSummary(row: JobRow, running: boolean): JobSummary {
  const { record } = row;
  const entry = row.entryJson === null ? null : (JSON.parse(row.entryJson) as Record<string, unknown>);
  const outputs = entry && isRecord(entry.outputs) ? entry.outputs : {};
  const error = entry ? executionError(entry) : undefined;
  const extraPngInfo = isRecord(record.extraData.extra_pnginfo) ? record.extraData.extra_pnginfo : {};
  const workflow = isRecord(extraPngInfo.workflow) ? extraPngInfo.workflow : {};
  const preview = previewOutput(outputs);
  return {
    id: record.id,
    status: jobStatus(record.state, running),
    priority: record.number,
    create_time: record.createTime,
    ...(record.startTime !== null && { execution_start_time: record.startTime }),
    ...(record.endTime !== null && { execution_end_time: record.endTime }),
    ...(error && { execution_error: error }),
    outputs_count: countOutputs(outputs),
    previewable_outputs_count: countOutputs(outputs, isPreviewable),
    ...(preview && { preview_output: preview }),
    ...(typeof workflow.id === 'string' && { workflow_id: workflow.id }),
  };
}

/**
 * GET /api/jobs/{id}: the summary plus the workflow itself, and once it has finished (as in
 * ComfyUI, where only history items have them) its outputs and execution status.
 */
export function jobDetail(row: JobRow, running: boolean): Record<string, unknown> {
  const entry = row.entryJson === null ? null : (JSON.parse(row.entryJson) as Record<string, unknown>);
  const extraData: Record<string, unknown> = { ...row.record.extraData };
  delete extraData.api_key_comfy_org;
  delete extraData.auth_token_comfy_org;
  return {
    ...jobSummary(row, running),
    ...(entry && {
      outputs: isRecord(entry.outputs) ? entry.outputs : {},
      execution_status: isRecord(entry.status) ? entry.status : {},
    }),
    workflow: { prompt: row.record.prompt, extra_data: extraData },
  };
}

function jobStatus(state: string, running: boolean): JobStatus {
  switch (state) {
    case 'completed':
      return 'completed';
    case 'failed':
      return 'failed';
    case 'interrupted':
    case 'cancelled':
      return 'cancelled';
    case 'submitted':
      return running ? 'in_progress' : 'pending';
    default:
      return 'pending';
  }
}

function executionError(entry: Record<string, unknown>): Record<string, unknown> | undefined {
  const status = isRecord(entry.status) ? entry.status : {};
  const messages = Array.isArray(status.messages) ? status.messages : [];
  for (const message of messages) {
    if (Array.isArray(message) && message[0] === 'execution_error' && isRecord(message[1])) return message[1];
  }
  return undefined;
}

const isFileRef = (item: unknown): item is Record<string, unknown> => isRecord(item) && typeof item.filename === 'string';

const PREVIEWABLE_MEDIA = new Set(['images', 'video', 'audio']);
const THREE_D = /\.(obj|fbx|gltf|glb)$/i;

/** As comfy_execution/jobs.py: an image, video or audio output, or a 3D model file. */
function isPreviewable(item: Record<string, unknown>, mediaType: string): boolean {
  const format = typeof item.format === 'string' ? item.format : '';
  return PREVIEWABLE_MEDIA.has(mediaType) || /^(video|audio)\//.test(format) || THREE_D.test(String(item.filename));
}

function countOutputs(outputs: Record<string, unknown>, counts: (item: Record<string, unknown>, mediaType: string) => boolean = () => true): number {
  let count = 0;
  for (const node of Object.values(outputs)) {
    if (!isRecord(node)) continue;
    for (const [mediaType, items] of Object.entries(node)) {
      if (mediaType === 'animated' || !Array.isArray(items)) continue;
      count += items.filter((item) => isFileRef(item) && counts(item, mediaType)).length;
    }
  }
  return count;
}

/** The first output file, preferring saved outputs over temp previews, tagged as ComfyUI tags it. */
function previewOutput(outputs: Record<string, unknown>): Record<string, unknown> | undefined {
  let fallback: Record<string, unknown> | undefined;
  for (const [nodeId, node] of Object.entries(outputs)) {
    if (!isRecord(node)) continue;
    for (const [mediaType, items] of Object.entries(node)) {
      if (!Array.isArray(items)) continue;
      for (const item of items) {
        if (!isFileRef(item)) continue;
        const preview = { ...item, nodeId, mediaType };
        if (item.type === 'output') return preview;
        fallback ??= preview;
      }
    }
  }
  return fallback;
}
