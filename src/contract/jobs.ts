/** ComfyUI's /api/jobs status: interrupted prompts count as cancelled. */
export type JobStatus = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled';

/** One file of a node's outputs (history `outputs[node].images[]` and the like). */
export interface OutputFile {
  readonly filename: string;
  readonly subfolder: string;
  readonly type: string;
}

/** One job as ComfyUI's /api/jobs lists it: like its prune_dict, a field without a value is left out. */
export interface JobSummary {
  readonly id: string;
  readonly status: JobStatus;
  readonly priority: number;
  /** Milliseconds since the epoch, as ComfyUI. */
  readonly create_time: number;
  readonly execution_start_time?: number;
  readonly execution_end_time?: number;
  readonly execution_error?: Record<string, unknown>;
  readonly outputs_count: number;
  /** 0.32+: how many of the outputs a client can preview (images, video, audio, 3D files). */
  readonly previewable_outputs_count: number;
  /** The first output file, with `nodeId` and `mediaType` beside the file fields. */
  readonly preview_output?: Record<string, unknown>;
  readonly workflow_id?: string;
}

/** GET /api/jobs */
export interface JobList {
  readonly jobs: readonly JobSummary[];
  readonly pagination: { readonly offset: number; readonly limit: number | null; readonly total: number; readonly has_more: boolean };
}

/** GET /api/jobs/{id}: the summary, the workflow, and once finished its outputs and status. */
export interface JobDetail extends JobSummary {
  /** Node id → output kind (`images`, `gifs`, `text`, …) → values. */
  readonly outputs?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly execution_status?: { readonly status_str?: string; readonly completed?: boolean; readonly messages?: readonly unknown[] };
  readonly workflow: { readonly prompt: Readonly<Record<string, unknown>>; readonly extra_data: Readonly<Record<string, unknown>> };
  /** The backend that ran it (ours, not ComfyUI's: absent until one took it). */
  readonly backend?: string;
}
