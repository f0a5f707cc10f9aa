import { randomUUID } from 'node:crypto';
import { badRequest, promptRejected } from '../errors.js';
import type { NewPrompt } from '../store/index.js';
import { isRecord, nestsDeeperThan } from '../values.js';
import { applyNodeReplacements, validatePrompt, type NodeReplacements, type ObjectInfo, type ValidationResult } from '../upstream/protocol/index.js';
import { inputFileValidations } from './input-files.js';

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * How deep a POST /prompt body may nest. Real workflows nest a dozen levels; ComfyUI's own JSON
 * reader gives up near Python's recursion limit (1000), and our writers and validation recurse,
 * so a deeper body could only ever fail later, and worse.
 */
export const MAX_PROMPT_DEPTH = 500;

/** Keys of extra_data that carry credentials: kept for the backend, never shown by /queue or /history. */
export const SECRET_EXTRA_KEYS = ['api_key_comfy_org', 'auth_token_comfy_org'] as const;

export interface SubmitContext {
  /** The next value of the priority counter (ComfyUI's server.number). */
  readonly counter: number;
  readonly now: number;
  /** Each backend's object_info known so far (empty before any backend reported one). */
  readonly objectInfos: readonly Readonly<Record<string, unknown>>[];
  /** The files the prompt's LoadImage nodes name that the gateway itself holds. */
  readonly ownedInputs: ReadonlySet<string>;
  /** The pool's node replacements (from its 0.14+ backends), applied before validation. */
  readonly replacements: NodeReplacements;
  /** The request's Comfy-Usage-Source header (0.25+): copied into extra_data unless the body has one. */
  readonly usageSource?: string | undefined;
}

export interface Submission {
  readonly record: NewPrompt;
  readonly nodeErrors: Readonly<Record<string, unknown>>;
}

/**
 * The first check on a POST /prompt body, before anything walks it: refuses bodies nested deeper
 * than MAX_PROMPT_DEPTH with ComfyUI's 400 shape.
 */
export function checkPromptDepth(body: unknown): void {
  if (!nestsDeeperThan(body, MAX_PROMPT_DEPTH)) return;
  throw promptRejected(
    {
      type: 'prompt_too_deep',
      message: 'The request body nests too deeply',
      details: `at most ${MAX_PROMPT_DEPTH} levels of objects and arrays (prompt, extra_data and every other field)`,
      extra_info: {},
    },
    {},
  );
}

/**
 * POST /prompt's body → the prompt to store, with ComfyUI 0.33's rules: `client_id` is copied
 * into extra_data (and the Comfy-Usage-Source header, unless the body names one), a given
 * prompt_id must be a canonical lowercase UUID, `number` overrides the counter and `front` makes
 * it negative (runs first); nodes of a replaced class that no backend offers are rewritten to
 * their successor before validation, so placement can find any backend with the new class.
 * Invalid prompts throw ComfyUI's 400. The caller has run checkPromptDepth on `body` first (the
 * gateway does, before it looks for input files), so the body is not walked for depth twice.
 */
export function prepareSubmission(body: unknown, context: SubmitContext): Submission {
  if (!isRecord(body)) {
    throw badRequest('Body must be a JSON object', `got ${body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body}`);
  }
  const given = body.prompt;
  if (!isRecord(given)) {
    throw promptRejected({ type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, {});
  }
  const promptId = body.prompt_id === undefined || body.prompt_id === null ? randomUUID() : body.prompt_id;
  if (typeof promptId !== 'string' || !CANONICAL_UUID.test(promptId)) {
    throw promptRejected(
      {
        type: 'invalid_prompt_id',
        message: 'prompt_id must be a valid UUID',
        details: 'prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the server generate one',
        extra_info: {},
      },
      {},
    );
  }
  let number = context.counter;
  if (body.number !== undefined) {
    number = Number(body.number);
    if (!Number.isFinite(number)) throw badRequest('number must be a number', String(body.number));
  }
  if (body.front === true) number = -number;

  const extraData: Record<string, unknown> = isRecord(body.extra_data) ? { ...body.extra_data } : {};
  if (typeof body.client_id === 'string') extraData.client_id = body.client_id;
  if (context.usageSource !== undefined && context.usageSource !== '' && !Object.hasOwn(extraData, 'comfy_usage_source')) {
    extraData.comfy_usage_source = context.usageSource;
  }
  extraData.create_time = context.now;
  const prompt = replaceNodes(given, context);
  const clientId = typeof extraData.client_id === 'string' ? extraData.client_id : null;

  let outputs: readonly string[];
  let nodeErrors: Readonly<Record<string, unknown>> = {};
  if (context.objectInfos.length > 0) {
    const verdict = bestVerdict(prompt, context, body.partial_execution_targets);
    if (!verdict.ok) {
      if (verdict.status === 400) throw promptRejected({ ...verdict.error }, { ...verdict.nodeErrors });
      // ComfyUI answers these with a bare 500; a client deserves to know its prompt was malformed.
      throw promptRejected({ type: 'invalid_prompt', message: 'Invalid prompt', details: verdict.reason, extra_info: {} }, {});
    }
    outputs = verdict.outputsToExecute;
    nodeErrors = verdict.nodeErrors;
  } else {
    outputs = structuralOutputs(prompt);
  }
  return {
    record: {
      id: promptId,
      number,
      // Stored as the client sent it, not as validation converted it: the conversion may hold
      // integers past 2^53 as bigint, which JSON cannot carry; the backend converts again anyway.
      prompt,
      extraData,
      outputsToExecute: outputs,
      clientId,
      createTime: context.now,
    },
    nodeErrors,
  };
}

/** The prompt with replaced classes rewritten (only those no backend offers, to one some backend does). */
function replaceNodes(prompt: Record<string, unknown>, context: SubmitContext): Record<string, unknown> {
  if (context.objectInfos.length === 0 || Object.keys(context.replacements).length === 0) return prompt;
  const offers = (classType: string): boolean => context.objectInfos.some((info) => Object.hasOwn(info, classType));
  const result = applyNodeReplacements(prompt, context.replacements, offers);
  // ComfyUI answers these with a bare 500 (a KeyError); the client learns what is wrong instead.
  if (!result.ok) throw promptRejected({ type: 'invalid_prompt', message: 'Cannot replace a node', details: result.reason, extra_info: {} }, {});
  return result.replaced.length === 0 ? prompt : result.prompt;
}

/**
 * A prompt is accepted when at least one backend could run it (placement then sends it there);
 * when none can, the first backend's reasons are ComfyUI's 400 (which node or model is missing).
 */
function bestVerdict(prompt: Readonly<Record<string, unknown>>, context: SubmitContext, targets: unknown): ValidationResult {
  let first: ValidationResult | undefined;
  for (const info of context.objectInfos) {
    const verdict = validatePrompt(prompt, info as ObjectInfo, {
      partialExecutionTargets: targets,
      customValidations: inputFileValidations(context.ownedInputs, info),
    });
    if (verdict.ok && Object.keys(verdict.nodeErrors).length === 0) return verdict;
    if (verdict.ok && (first === undefined || !first.ok)) first = verdict;
    first ??= verdict;
  }
  return first as ValidationResult;
}

/**
 * Without any backend's object_info we cannot tell output nodes apart, so the prompt is taken
 * after shape checks and every node is a candidate output; the backend's own validation then
 * speaks at dispatch time (as an execution_error).
 */
function structuralOutputs(prompt: Readonly<Record<string, unknown>>): string[] {
  const ids = Object.keys(prompt);
  if (ids.length === 0) {
    throw promptRejected(
      { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} },
      {},
    );
  }
  for (const id of ids) {
    const node = prompt[id];
    if (!isRecord(node) || typeof node.class_type !== 'string' || !isRecord(node.inputs)) {
      const meta = isRecord(node) && isRecord(node._meta) ? node._meta : {};
      const title = typeof meta.title === 'string' ? meta.title : null;
      throw promptRejected(
        {
          type: 'missing_node_type',
          message: `Node '${title ?? `ID #${id}`}' has no class_type. The workflow may be corrupted or a custom node is missing.`,
          details: `Node ID '#${id}'`,
          extra_info: { node_id: id, class_type: null, node_title: title },
        },
        {},
      );
    }
  }
  return ids;
}

/** extra_data as /queue and /history show it: credentials removed. */
export function publicExtraData(extraData: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...extraData };
  for (const key of SECRET_EXTRA_KEYS) delete copy[key];
  return copy;
}
