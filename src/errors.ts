/**
 * The one error type of the service. Every failure that reaches a client is an AppError,
 * made by one of the factories below and mapped to a reply in exactly one place
 * (api/error-handler.ts). The body shape is ComfyUI's: {error:{type,message,details,extra_info}}.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: string;
  readonly extra: Record<string, unknown>;

  /** Fields beside `error` in the body, e.g. ComfyUI's `node_errors` on a rejected prompt. */
  readonly siblings: Record<string, unknown>;

  constructor(
    status: number,
    code: string,
    message: string,
    details = '',
    extra: Record<string, unknown> = {},
    siblings: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.extra = extra;
    this.siblings = siblings;
  }

  /** ComfyUI-shaped error body: `type` is the code in lower snake case, as ComfyUI spells its types. */
  toBody(): ErrorBody {
    return {
      error: { type: this.code.toLowerCase(), message: this.message, details: this.details, extra_info: this.extra },
      ...this.siblings,
    };
  }
}

export interface ErrorBody {
  error: { type: string; message: string; details: string; extra_info: Record<string, unknown> };
  [more: string]: unknown;
}

export const isAppError = (value: unknown): value is AppError => value instanceof AppError;

// ---- request shape -------------------------------------------------------------------------

export const badRequest = (message: string, details = '', extra: Record<string, unknown> = {}) =>
  new AppError(400, 'BAD_REQUEST', message, details, extra);

export const invalidJson = (details: string) => new AppError(400, 'INVALID_JSON', 'Request body is not valid JSON', details);

/** Valid JSON, but with a key that could reach an object's prototype once the body is used. */
export const forbiddenJsonKey = () =>
  new AppError(
    400,
    'FORBIDDEN_JSON_KEY',
    'The JSON body has a "__proto__" key (or a "constructor" key holding "prototype"), which is refused',
    'rename that key: objects built from the body could otherwise get a different prototype',
  );

/** A body field with a bad value: `field` names it (also in extra_info.field), `reason` says why. */
/**
 * One field of a request that is wrong, named with why (`extra_info.field`, `extra_info.reason`);
 * `details` quotes the value when the caller passes it.
 */
export const invalidField = (field: string, reason: string, ...value: [unknown?]) =>
  new AppError(
    400,
    'INVALID_FIELD',
    `${field}: ${reason}`,
    value.length > 0 ? `got ${JSON.stringify(value[0])?.slice(0, 200) ?? String(value[0])}` : `${field} ${reason}`,
    { field, reason },
  );

export const invalidId = (id: string) =>
  new AppError(400, 'INVALID_ID', 'Id must be a UUID', `got ${JSON.stringify(id.slice(0, 80))}`);

export const invalidCollectionName = (name: string) =>
  new AppError(
    400,
    'INVALID_COLLECTION_NAME',
    'Collection names match ^[a-z0-9][a-z0-9_-]{0,63}$',
    `got ${JSON.stringify(name.slice(0, 80))}`,
  );

export const bodyTooLarge = (limitBytes: number) =>
  new AppError(413, 'PAYLOAD_TOO_LARGE', 'Request body is too large', `limit is ${limitBytes} bytes`, {
    limit_bytes: limitBytes,
  });

export const unsupportedMediaType = (contentType: string) =>
  new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type', contentType);

export const rangeNotSatisfiable = (contentRange: string) =>
  new AppError(416, 'RANGE_NOT_SATISFIABLE', 'Requested range is not satisfiable', contentRange);

export const requestTimeout = () =>
  new AppError(
    408,
    'REQUEST_TIMEOUT',
    'The request did not arrive in time',
    'the headers must arrive within --header-timeout, the whole request within --request-timeout',
  );

export const headersTooLarge = () => new AppError(431, 'HEADERS_TOO_LARGE', 'Request headers are too large');

// ---- resources -----------------------------------------------------------------------------

export const notFound = (what: string, details = '') => new AppError(404, 'NOT_FOUND', `${what} not found`, details);

export const routeNotFound = (method: string, url: string) =>
  new AppError(404, 'ROUTE_NOT_FOUND', 'No such route', `${method} ${url.split('?')[0] ?? ''}`);

export const preconditionFailed = (expected: string, actual: string) =>
  new AppError(412, 'PRECONDITION_FAILED', 'If-Match does not match the current ETag', `current ETag is ${actual}`, {
    expected,
    actual,
  });

export const conflict = (message: string, details = '') => new AppError(409, 'CONFLICT', message, details);

/**
 * A prompt ComfyUI would refuse with 400: `error` is ComfyUI's own error object (its `type` such
 * as `prompt_outputs_failed_validation` kept as is) and `node_errors` sits beside it.
 */
export const promptRejected = (
  error: { type: string; message: string; details: string; extra_info: Record<string, unknown> },
  nodeErrors: Record<string, unknown>,
) => new AppError(400, error.type.toUpperCase(), error.message, error.details, error.extra_info, { node_errors: nodeErrors });

// ---- access --------------------------------------------------------------------------------

export const forbidden = (message: string, details = '') => new AppError(403, 'FORBIDDEN', message, details);

export const unauthorized = () =>
  new AppError(401, 'UNAUTHORIZED', 'A valid API key is required', 'send Authorization: Bearer <key>');

// ---- dependencies --------------------------------------------------------------------------

export const backendUnavailable = (backend: string, cause: string) =>
  new AppError(502, 'BACKEND_UNAVAILABLE', 'ComfyUI backend is unreachable', cause, { backend });

export const backendTimeout = (backend: string, cause: string) =>
  new AppError(504, 'BACKEND_TIMEOUT', 'ComfyUI backend did not answer in time', cause, { backend });

export const storeFailure = (cause: string) => new AppError(500, 'STORE_FAILURE', 'The data store failed', cause);

export const serviceUnavailable = (message: string, details = '') =>
  new AppError(503, 'SERVICE_UNAVAILABLE', message, details);

/** Readiness failed; `reasons` say what is missing, `extra` carries the checks' state. */
export const notReady = (reasons: readonly string[], extra: Record<string, unknown>) =>
  new AppError(503, 'NOT_READY', 'The service is not ready', reasons.join('; '), extra);

export const internalError = () => new AppError(500, 'INTERNAL_ERROR', 'Internal server error');

// ---- files ---------------------------------------------------------------------------------

export const invalidPath = (what: string, value: string) =>
  new AppError(400, 'INVALID_PATH', `${what} is not an allowed path`, `got ${JSON.stringify(value.slice(0, 200))}`);

export const pathOutsideFolder = (value: string) =>
  new AppError(403, 'PATH_OUTSIDE_FOLDER', 'Path leads outside its folder', `got ${JSON.stringify(value.slice(0, 200))}`);

/** ComfyUI answers 500 to an upload whose file name is empty or absolute; we keep its status, with a clear body. */
export const unusableUploadName = (value: string) =>
  new AppError(500, 'UNUSABLE_UPLOAD_NAME', 'The uploaded file needs a relative file name', `got ${JSON.stringify(value.slice(0, 200))}`);

export const notAnImage = (details: string) => new AppError(400, 'NOT_AN_IMAGE', 'The file is not an image that can be converted', details);

// ---- workflows -----------------------------------------------------------------------------

/** A workflow that cannot be converted to an API prompt; `problems` lists each one (code, message, node…). */
export const invalidWorkflow = (problems: readonly { readonly message: string }[]) =>
  new AppError(
    400,
    'INVALID_WORKFLOW',
    problems.length === 1 ? `The workflow cannot be converted: ${problems[0]?.message ?? ''}` : `The workflow cannot be converted (${problems.length} problems)`,
    problems.map((problem) => problem.message).join('; ').slice(0, 4000),
    { problems },
  );

// ---- workflow apps -------------------------------------------------------------------------

/** One field of a request that failed its check: a JSON-pointer-like dotted path and why. */
export interface FieldProblem {
  readonly field: string;
  readonly reason: string;
}

/** A run or sweep body whose fields do not fit the app's schema: every bad field is listed. */
export const invalidFields = (message: string, fields: readonly FieldProblem[]) =>
  new AppError(400, 'INVALID_FIELDS', message, fields.map((f) => `${f.field}: ${f.reason}`).join('; '), { fields });

/** Classes of a workflow that no backend of the pool offers, with the backends that lack each. */
export const unknownNodeClasses = (classes: readonly { class_type: string; nodes: readonly string[]; missing_on: readonly string[] }[]) =>
  new AppError(
    400,
    'UNKNOWN_NODE_CLASSES',
    'The workflow uses node classes no backend offers',
    classes.map((c) => `${c.class_type} (node ${c.nodes.join(', ')}; missing on ${c.missing_on.join(', ') || 'every backend'})`).join('; '),
    { classes },
  );

/** The same Idempotency-Key came back with a different body (Stripe and the IETF draft answer 422). */
export const idempotencyKeyReused = (key: string) =>
  new AppError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request body', `key ${JSON.stringify(key.slice(0, 200))}`);

export const noNodeInfo = () =>
  new AppError(503, 'NO_NODE_INFO', 'No backend has reported its node classes yet', 'an app’s inputs are typed from the backends’ /object_info; retry once a backend is up');

// ---- events, webhooks, schedules ------------------------------------------------------------

/** The event a redelivery needs was dropped by retention. */
export const eventGone = (eventId: number) =>
  new AppError(410, 'EVENT_GONE', 'The event of this delivery is no longer kept', `event ${eventId} was dropped by --event-retention-*`);
