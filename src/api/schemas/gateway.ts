import { Type } from '@sinclair/typebox';

/**
 * ComfyUI's bodies as the gateway answers them (ComfyUI 0.33's shapes). Inner parts that ComfyUI
 * itself leaves open (a prompt's nodes, a node's outputs, object_info) stay open here too.
 */

const AnyObject = Type.Record(Type.String(), Type.Unknown());

/** POST /prompt: the API-format prompt and ComfyUI's optional fields; checked by the gateway itself, in ComfyUI's words. */
export const PromptBody = Type.Object(
  {
    prompt: Type.Record(Type.String(), Type.Object({ class_type: Type.String(), inputs: AnyObject }, { additionalProperties: true }), {
      description: 'The API-format prompt: node id → {class_type, inputs}.',
    }),
    prompt_id: Type.Optional(Type.String({ format: 'uuid', description: 'Chosen by the client; a lowercase UUID, unique.' })),
    client_id: Type.Optional(Type.String({ description: 'The /ws client that gets this prompt’s progress.' })),
    number: Type.Optional(Type.Number({ description: 'Queue position to take (ComfyUI’s `number`).' })),
    front: Type.Optional(Type.Boolean({ description: 'Run before the other pending prompts.' })),
    extra_data: Type.Optional(AnyObject),
    partial_execution_targets: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: true },
);

export const SubmitResultSchema = Type.Object({
  prompt_id: Type.String(),
  number: Type.Number(),
  node_errors: AnyObject,
});

export const QueueRemaining = Type.Object({ exec_info: Type.Object({ queue_remaining: Type.Integer() }) });

const PromptTuple = Type.Array(Type.Unknown(), {
  description: '[number, prompt_id, prompt, extra_data, outputs_to_execute]',
  minItems: 5,
  maxItems: 5,
});

export const QueueSnapshotSchema = Type.Object({ queue_running: Type.Array(PromptTuple), queue_pending: Type.Array(PromptTuple) });

export const DeleteOrClear = Type.Object(
  {
    clear: Type.Optional(Type.Boolean({ description: 'Remove every entry.' })),
    delete: Type.Optional(Type.Array(Type.String(), { maxItems: 10_000, description: 'Prompt ids to remove.' })),
  },
  { additionalProperties: true },
);

export const HistorySchema = Type.Record(
  Type.String(),
  Type.Object(
    { prompt: PromptTuple, outputs: AnyObject, status: Type.Optional(AnyObject), meta: Type.Optional(AnyObject) },
    { additionalProperties: true },
  ),
  { description: 'prompt_id → its history entry; {} for an unknown, pending or running prompt.' },
);

const JobFields = {
  id: Type.String(),
  status: Type.Union(['pending', 'in_progress', 'completed', 'failed', 'cancelled'].map((s) => Type.Literal(s))),
  priority: Type.Number(),
  create_time: Type.Number({ description: 'Milliseconds since the epoch.' }),
  execution_start_time: Type.Optional(Type.Number()),
  execution_end_time: Type.Optional(Type.Number()),
  execution_error: Type.Optional(AnyObject),
  outputs_count: Type.Integer(),
  previewable_outputs_count: Type.Integer(),
  preview_output: Type.Optional(AnyObject),
  workflow_id: Type.Optional(Type.String()),
};

export const JobListSchema = Type.Object({
  jobs: Type.Array(Type.Object(JobFields, { additionalProperties: true })),
  pagination: Type.Object({ offset: Type.Integer(), limit: Type.Union([Type.Integer(), Type.Null()]), total: Type.Integer(), has_more: Type.Boolean() }),
});

export const JobDetailSchema = Type.Object(
  {
    ...JobFields,
    outputs: Type.Optional(AnyObject),
    execution_status: Type.Optional(AnyObject),
    workflow: Type.Object({ prompt: AnyObject, extra_data: AnyObject }),
    backend: Type.Optional(Type.String({ description: 'The backend that ran it (ours, not ComfyUI’s).' })),
  },
  { additionalProperties: true },
);

export const Cancelled = Type.Object({ cancelled: Type.Boolean({ description: 'Whether a job was actually cancelled.' }) });

export const SystemStatsSchema = Type.Object(
  {
    system: AnyObject,
    devices: Type.Array(Type.Object({ backend: Type.String({ description: 'The backend this device belongs to.' }) }, { additionalProperties: true })),
  },
  { additionalProperties: true, description: "The default backend's system, every backend's devices" },
);

export const NameList = Type.Array(Type.String(), { description: 'Every name the backends that are up list, once' });

export const OpenObject = (description: string) => Type.Record(Type.String(), Type.Unknown(), { description });

/** The assets API is off, as in a default ComfyUI install: ComfyUI's own 503 body. */
export const AssetsDisabledSchema = Type.Object(
  { error: Type.Object({ code: Type.Literal('SERVICE_DISABLED'), message: Type.String(), details: AnyObject }) },
  { description: 'The assets system is off, as in a default ComfyUI install (ComfyUI’s body)' },
);

/** POST /upload/image and /upload/mask: a multipart form, read by the gateway itself as ComfyUI reads it. */
export const UploadForm = Type.Object({
  image: Type.String({ format: 'binary', description: 'The file.' }),
  type: Type.Optional(Type.String({ description: 'input (default), temp or output.' })),
  subfolder: Type.Optional(Type.String()),
  overwrite: Type.Optional(Type.String({ description: '"true" or "1" replaces a file of the same name.' })),
  original_ref: Type.Optional(Type.String({ description: 'Masks: JSON {filename, subfolder, type} of the image the mask applies to.' })),
});

export const UploadResultSchema = Type.Object({ name: Type.String(), subfolder: Type.String(), type: Type.String() });

export const ViewQuery = Type.Object({
  filename: Type.String(),
  type: Type.Optional(Type.String({ description: 'output (default), input or temp.' })),
  subfolder: Type.Optional(Type.String()),
  preview: Type.Optional(Type.String({ description: 'webp;90 or jpeg;90: a converted preview.' })),
  channel: Type.Optional(Type.String({ description: 'rgba (default), rgb or a.' })),
});
