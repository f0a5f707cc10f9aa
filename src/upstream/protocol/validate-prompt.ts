/**
 * ComfyUI's POST /prompt validation (execution.validate_prompt), as a pure function, worded as
 * the chosen version words it (0.8.0 or 0.33.0 and the changes between them, see versions.ts).
 *
 * The result carries what ComfyUI would answer: 400 with `{error, node_errors}`; 200 with the
 * outputs that will run and the node_errors of the outputs that were dropped; or 500 where
 * ComfyUI itself crashes on the input (e.g. a prompt that is a number).
 */
import { isOutputNode, type ObjectInfo } from './object-info.js';
import { cloneJson, PyFloat } from './python-json.js';
import { pyEquals, pyStr } from './python-values.js';
import {
  COMFY_CUSTOM_VALIDATIONS,
  validateInputs,
  type CustomValidations,
  type ValidationContext,
} from './validate-inputs.js';
import { errors, FRAMES, FRAMES_0_33, ValidationCrash, type NodeErrors, type PromptError } from './validation-errors.js';
import type { ValidationDialect } from './validate-inputs.js';
import { GATEWAY_COMFY_VERSION, hasFeature, parseComfyVersion } from './versions.js';

export interface ValidateOptions {
  /** `partial_execution_targets` of the request: only these output nodes run. */
  readonly partialExecutionTargets?: unknown;
  /** VALIDATE_INPUTS behaviour per class; defaults to {@link COMFY_CUSTOM_VALIDATIONS}. */
  readonly customValidations?: CustomValidations;
  /** The ComfyUI version whose wording and checks to follow; default the gateway's (0.33.0). */
  readonly version?: string;
}

/** The validation differences of one ComfyUI version. */
export function validationDialect(version: string = GATEWAY_COMFY_VERSION): ValidationDialect {
  const parsed = parseComfyVersion(version);
  const dependencyCycle = hasFeature(parsed, 'dependencyCycle');
  return {
    missingNodeType: hasFeature(parsed, 'missingNodeType'),
    dependencyCycle,
    notInListRepr: hasFeature(parsed, 'notInListRepr'),
    // The line numbers moved with the cycle check (validate_inputs gained `visiting`).
    frames: dependencyCycle ? FRAMES_0_33 : FRAMES,
  };
}

export type PromptGraph = Record<string, Record<string, unknown>>;

export type ValidationResult =
  | {
      readonly ok: true;
      readonly status: 200;
      /** Output node ids that will execute, in prompt order. */
      readonly outputsToExecute: string[];
      /** Errors of dropped outputs (non-empty only when some outputs were valid). */
      readonly nodeErrors: NodeErrors;
      /** The prompt with inputs converted the way ComfyUI stores and runs it. */
      readonly prompt: PromptGraph;
    }
  | { readonly ok: false; readonly status: 400; readonly error: PromptError; readonly nodeErrors: NodeErrors }
  | { readonly ok: false; readonly status: 500; readonly reason: string };

/** ComfyUI's 400 body for a failed validation. */
export function errorBody(result: { error: PromptError; nodeErrors: NodeErrors }): {
  error: PromptError;
  node_errors: NodeErrors;
} {
  return { error: result.error, node_errors: result.nodeErrors };
}

const reject = (error: PromptError, nodeErrors: NodeErrors = {}): ValidationResult => ({
  ok: false,
  status: 400,
  error,
  nodeErrors,
});

const crash = (reason: string): ValidationResult => ({ ok: false, status: 500, reason });

/**
 * Validate `prompt` (the value of the request's "prompt" key; undefined when the key is absent)
 * against `objectInfo` exactly as ComfyUI does.
 */
export function validatePrompt(prompt: unknown, objectInfo: ObjectInfo, options: ValidateOptions = {}): ValidationResult {
  if (prompt === undefined) return reject(errors.noPrompt());
  // `for x in prompt` over an empty list or string finds no nodes, like an empty dict.
  if ((Array.isArray(prompt) || typeof prompt === 'string') && prompt.length === 0) return reject(errors.noOutputs());
  if (!isDict(prompt)) return crash('prompt is not an object');
  const graph = cloneJson(prompt);
  const dialect = validationDialect(options.version);
  const outputs: string[] = [];
  for (const [id, node] of Object.entries(graph)) {
    if (!isDict(node)) {
      // Python's `'class_type' not in node` works on str and list, and raises on anything else.
      if (typeof node === 'string' || Array.isArray(node)) return reject(missingClassType(id, null, dialect));
      return crash(`node ${id} is not an object`);
    }
    if (!('class_type' in node)) return reject(missingClassType(id, node, dialect));
    const classType = (node as Record<string, unknown>)['class_type'];
    if (classType !== null && typeof classType === 'object' && !(classType instanceof PyFloat)) {
      return crash(`node ${id} has an unhashable class_type`);
    }
    const info = typeof classType === 'string' && Object.hasOwn(objectInfo, classType) ? objectInfo[classType] : undefined;
    if (!info) {
      return reject(dialect.missingNodeType ? errors.missingNodeType(id, pyStr(classType), nodeTitle(node)) : errors.unknownClass(pyStr(classType), id));
    }
    if (isOutputNode(info) && isTargeted(id, options.partialExecutionTargets)) outputs.push(id);
  }
  if (outputs.length === 0) return reject(errors.noOutputs());
  return validateOutputs(graph as PromptGraph, outputs, objectInfo, options.customValidations ?? COMFY_CUSTOM_VALIDATIONS, dialect);
}

function missingClassType(id: string, node: Record<string, unknown> | null, dialect: ValidationDialect): PromptError {
  return dialect.missingNodeType ? errors.noClassType(id, node === null ? null : nodeTitle(node)) : errors.missingClassType(id);
}

/** The node's `_meta.title` (what the frontend shows), or null. */
function nodeTitle(node: Record<string, unknown>): string | null {
  const meta = node['_meta'];
  return isDict(meta) && typeof meta['title'] === 'string' ? meta['title'] : null;
}

/** A JSON object (parsed floats are objects too, but not dicts). */
const isDict = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof PyFloat);

function isTargeted(id: string, targets: unknown): boolean {
  if (targets === undefined || targets === null) return true;
  if (Array.isArray(targets)) return targets.some((t) => pyEquals(t, id));
  if (typeof targets === 'string') return targets.includes(id);
  if (isDict(targets)) return Object.hasOwn(targets, id);
  return true;
}

function validateOutputs(
  prompt: PromptGraph,
  outputs: readonly string[],
  objectInfo: ObjectInfo,
  custom: CustomValidations,
  dialect: ValidationDialect,
): ValidationResult {
  const ctx: ValidationContext = { dialect, prompt, objectInfo, custom, validated: new Map(), inProgress: new Set() };
  const good: string[] = [];
  const failed: Array<readonly PromptError[]> = [];
  const nodeErrors: NodeErrors = {};
  for (const output of outputs) {
    let valid: boolean;
    let reasons: readonly PromptError[];
    try {
      ({ valid, errors: reasons } = validateInputs(ctx, output));
    } catch (error) {
      if (!(error instanceof ValidationCrash)) throw error;
      valid = false;
      reasons = [errors.outputException(error, dialect.frames)];
      ctx.validated.set(output, { valid, errors: reasons });
    }
    if (valid) {
      good.push(output);
      continue;
    }
    failed.push(reasons);
    // As ComfyUI: every failed node seen so far gets this output appended, related or not.
    for (const [nodeId, result] of ctx.validated) {
      if (result.valid || result.errors.length === 0) continue;
      const entry = (nodeErrors[nodeId] ??= {
        errors: result.errors,
        dependent_outputs: [],
        class_type: String(prompt[nodeId]?.['class_type']),
      });
      entry.dependent_outputs.push(output);
    }
  }
  if (good.length === 0) {
    const details = failed.flatMap((reasons) => reasons.map((r) => `${r.message}: ${r.details}`)).join('\n');
    return reject(errors.outputsFailed(details), nodeErrors);
  }
  return { ok: true, status: 200, outputsToExecute: good, nodeErrors, prompt };
}
