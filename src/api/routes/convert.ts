import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { convertWorkflow, readPngWorkflow, type ConvertProblem } from '../../automation/convert/index.js';
import { badRequest, bodyTooLarge, invalidJson, invalidWorkflow, isAppError, serviceUnavailable } from '../../errors.js';
import { mayHoldUnsafeIntegers, parseExactJson } from '../../json.js';
import type { Gateway } from '../../queue/index.js';
import { docs } from '../../route-docs.js';
import { ConvertBody, ConvertForm, ConvertResult } from '../schemas/workflows.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface ConvertRouteDeps {
  readonly gateway: Gateway;
  /** Largest `file` part accepted (a PNG with its embedded workflow): --max-upload-size. */
  readonly maxFileBytes: number;
}

/**
 * POST /automa/convert: a UI workflow (or an API prompt) in, the API prompt out, converted as the
 * official frontend does it against the pool's object_info. The body is `{workflow}` as JSON, or
 * multipart/form-data with a `file` part holding the workflow (.json) or a ComfyUI PNG.
 */
export function registerConvertRoutes(app: FastifyInstance, deps: ConvertRouteDeps): void {
  void app.register(async (scope) => {
    await scope.register(multipart, {
      throwFileSizeLimit: false,
      limits: { fileSize: deps.maxFileBytes, files: 1, fields: 10, fieldSize: 1024 * 1024, parts: 20, headerPairs: 100 },
    });
    // Seeds beyond 2^53 stay exact, as on POST /prompt.
    const parseJson = scope.getDefaultJsonParser('error', 'error');
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = String(body);
      if (!mayHoldUnsafeIntegers(text)) return parseJson(request, text, done);
      try {
        done(null, parseExactJson(text));
      } catch {
        parseJson(request, text, done);
      }
    });

    scope.post('/automa/convert', { schema: convertDocs }, async (request) => {
      const workflow = request.isMultipart() ? await workflowFromForm(request, deps.maxFileBytes) : workflowFromBody(request.body);
      // Checked before the node definitions are needed: junk is the client's 400, not a 503.
      if (typeof workflow !== 'object' || workflow === null || Array.isArray(workflow)) {
        throw badRequest('The workflow must be a JSON object', 'a UI workflow or an API prompt', { field: 'workflow' });
      }
      const objectInfo = deps.gateway.objectInfo();
      if (objectInfo === null) throw serviceUnavailable('No backend has reported its node definitions yet', 'retry once a backend is up');
      const result = convertWorkflow(workflow, objectInfo);
      if (!result.ok) throw invalidWorkflow(result.problems.map((problem) => withBackends(problem, deps.gateway)));
      return { prompt: result.prompt, format: result.format };
    });
  });
}

const convertDocs = docs('workflows', 'Convert a UI workflow (or an API prompt) to an API prompt', {
  description: "Converted as the official frontend converts it, against the pool's object_info. JSON {workflow}, or a form with the .json or ComfyUI .png in `file`.",
  // Read by the handler itself: a missing workflow and unreadable files get their own words.
  described: { body: { content: { 'application/json': { schema: ConvertBody }, 'multipart/form-data': { schema: ConvertForm } } } },
  responses: {
    200: ConvertResult,
    400: 'No workflow, a file that holds none, or a workflow that cannot be converted (`extra_info.problems` lists each problem)',
    413: 'The file is over --max-upload-size',
    503: 'No backend has reported its node definitions yet',
  },
});

function workflowFromBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.hasOwn(body, 'workflow')) {
    throw badRequest('A workflow is required', 'send {"workflow": <UI workflow or API prompt>} as JSON, or a form with the file in the field "file"', { field: 'workflow' });
  }
  const { workflow } = body as { workflow: unknown };
  if (typeof workflow === 'string') return parseText(workflow, 'workflow');
  return workflow;
}

/** The `file` part (.json or .png) or a `workflow` text field. */
async function workflowFromForm(request: FastifyRequest, maxFileBytes: number): Promise<unknown> {
  let found: { value: unknown } | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (part.file.truncated) throw bodyTooLarge(maxFileBytes);
        if (part.fieldname === 'file' && found === undefined) found = { value: fromFile(bytes, part.filename) };
      } else if (part.fieldname === 'workflow' && found === undefined && typeof part.value === 'string') {
        found = { value: parseText(part.value, 'workflow') };
      }
    }
  } catch (error) {
    throw formError(error, maxFileBytes);
  }
  if (!found) throw badRequest('A workflow file is required', 'send the .json or .png in the form field "file"', { field: 'file' });
  return found.value;
}

function fromFile(bytes: Buffer, filename: string): unknown {
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE) || filename.toLowerCase().endsWith('.png')) {
    const read = readPngWorkflow(bytes);
    if (!read.ok) throw badRequest('The PNG holds no usable workflow', read.reason, { field: 'file' });
    // The UI workflow when the image has one (it keeps App Mode and titles); else the API prompt.
    return read.workflow !== undefined ? read.workflow : read.prompt;
  }
  return parseText(bytes.toString('utf8'), 'file');
}

function parseText(text: string, field: string): unknown {
  try {
    return parseExactJson(text);
  } catch (error) {
    const appError = invalidJson(error instanceof Error ? error.message : String(error));
    appError.extra.field = field;
    throw appError;
  }
}

/** Multipart limits are 413s with our body; a malformed form is the client's 400. */
function formError(error: unknown, maxFileBytes: number): unknown {
  if (isAppError(error)) return error;
  const statusCode = (error as { statusCode?: unknown }).statusCode;
  if (statusCode === 413) return bodyTooLarge(maxFileBytes);
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return badRequest('Malformed multipart body', String((error as Error).message));
  if (error instanceof Error && /multipart|boundary|Unexpected end/i.test(error.message)) return badRequest('Malformed multipart body', error.message);
  return error;
}

/** An unknown class says which backends lack it (all that reported) and which have not reported yet. */
function withBackends(problem: ConvertProblem, gateway: Gateway): ConvertProblem & { missing_on?: string[]; not_reported?: string[] } {
  if (problem.code !== 'UNKNOWN_NODE_CLASS' || problem.class_type === undefined) return problem;
  const classType = problem.class_type;
  const missingOn = gateway.links.filter((link) => link.objectInfo !== null && !Object.hasOwn(link.objectInfo, classType)).map((link) => link.ref.name);
  const notReported = gateway.links.filter((link) => link.objectInfo === null).map((link) => link.ref.name);
  const where = missingOn.length > 0 ? `; missing on ${missingOn.join(', ')}` : '';
  return { ...problem, message: `${problem.message}${where}`, missing_on: missingOn, not_reported: notReported };
}
