/**
 * One node's input validation, following ComfyUI 0.8.0 execution.validate_inputs step by step:
 * missing inputs, links (shape, target, return type, then the linked node recursively), constant
 * conversion (int/float/str/bool), min/max, combo membership, then the node's own VALIDATE_INPUTS.
 * Python exceptions that escape a node (a link to an unknown node, an output index out of range)
 * are thrown as ValidationCrash and reported by whoever called that node, as ComfyUI does.
 */
import { listInputs, linkTypeMatches, type InputInfo, type ObjectInfo } from './object-info.js';
import { PyFloat, type JsonValue } from './python-json.js';
import { PyError, pyBool, pyEquals, pyFloat, pyInt, pyLessThan, pyRepr, pyStr, pyTypeName } from './python-values.js';
import { errors, ValidationCrash, type FrameKey, type Frames, type PromptError } from './validation-errors.js';

/** Inputs a node class checks in its own VALIDATE_INPUTS; ComfyUI skips min/max/combo for them. */
export interface CustomValidation {
  readonly inputs: readonly string[];
  /**
   * The check itself (true = ok, false = fail, string = fail with that reason). Without it the
   * inputs are only exempted: the gateway cannot see a backend's disk, the backend checks later.
   */
  readonly check?: (values: Readonly<Record<string, unknown>>) => boolean | string;
}

export type CustomValidations = Readonly<Record<string, CustomValidation>>;

/** Core nodes whose VALIDATE_INPUTS takes over these inputs (their combos list files on disk). */
export const COMFY_CUSTOM_VALIDATIONS: CustomValidations = {
  LoadImage: { inputs: ['image'] },
  LoadImageMask: { inputs: ['image'] },
  LoadImageOutput: { inputs: ['image'] },
  LoadLatent: { inputs: ['latent'] },
  LoadAudio: { inputs: ['audio'] },
  LoadVideo: { inputs: ['file'] },
};

export interface NodeValidation {
  readonly valid: boolean;
  readonly errors: readonly PromptError[];
}

/** How one ComfyUI version words and detects what changed since 0.8.0 (see versions.ts). */
export interface ValidationDialect {
  readonly missingNodeType: boolean;
  readonly dependencyCycle: boolean;
  readonly notInListRepr: boolean;
  readonly frames: Frames;
}

export interface ValidationContext {
  readonly dialect: ValidationDialect;
  /** The working copy of the prompt; conversions are written back into it, as ComfyUI does. */
  readonly prompt: Record<string, Record<string, unknown>>;
  readonly objectInfo: ObjectInfo;
  readonly custom: CustomValidations;
  /** Insertion-ordered like ComfyUI's `validated` dict: node_errors are collected in this order. */
  readonly validated: Map<string, NodeValidation>;
  /** Nodes being validated, in the order the links were followed (a Set keeps insertion order). */
  readonly inProgress: Set<string>;
}

type Inputs = Record<string, unknown>;

/** Validate node `id` (memoized in ctx.validated). Throws ValidationCrash like Python raises. */
export function validateInputs(ctx: ValidationContext, id: string): NodeValidation {
  const done = ctx.validated.get(id);
  if (done) return done;
  if (ctx.inProgress.has(id)) {
    // 0.8: Python recursed until RecursionError; a cycle fails the same way, just sooner.
    if (!ctx.dialect.dependencyCycle) throw new ValidationCrash('RecursionError', 'maximum recursion depth exceeded', 'recursion');
    return markCycle(ctx, id);
  }
  ctx.inProgress.add(id);
  try {
    const result = validateNode(ctx, id);
    // A node found on a cycle keeps the cycle error, not what its own inputs said afterwards.
    const marked = ctx.validated.get(id);
    if (marked) return marked;
    ctx.validated.set(id, result);
    return result;
  } finally {
    ctx.inProgress.delete(id);
  }
}

/**
 * 0.20+: a link back to a node still being validated closes a cycle: every node on it gets a
 * `dependency_cycle` error (ComfyUI's visiting list, from the node reached again onwards).
 */
function markCycle(ctx: ValidationContext, id: string): NodeValidation {
  const path = [...ctx.inProgress];
  const cycle = path.slice(path.indexOf(id));
  const describe = (node: string): string => `${node} (${String(ctx.prompt[node]?.['class_type'])})`;
  for (const node of cycle) {
    if (!ctx.validated.has(node)) ctx.validated.set(node, { valid: false, errors: [errors.dependencyCycle(node, cycle, describe)] });
  }
  return ctx.validated.get(id) as NodeValidation;
}

function validateNode(ctx: ValidationContext, id: string): NodeValidation {
  const node = ctx.prompt[id] ?? {};
  if (!('inputs' in node)) throw new ValidationCrash('KeyError', "'inputs'", 'nodeInputs');
  const inputs = nodeInputs(node['inputs']);
  const classType = String(node['class_type']);
  const info = ctx.objectInfo[classType];
  if (!info) throw new ValidationCrash('KeyError', pyRepr(classType), 'nodeInputs');
  const custom = Object.hasOwn(ctx.custom, classType) ? ctx.custom[classType] : undefined;
  const exempt = new Set(custom?.inputs ?? []);
  const found: PromptError[] = [];
  let valid = true;
  for (const input of listInputs(info)) {
    if (!Object.hasOwn(inputs, input.name)) {
      if (input.category === 'required') found.push(errors.requiredMissing(input.name));
      continue;
    }
    const value = inputs[input.name];
    if (Array.isArray(value)) {
      const outcome = checkLink(ctx, input, value as JsonValue[]);
      if (outcome === 'invalid') valid = false;
      else if (outcome) found.push(outcome);
      continue;
    }
    const error = checkConstant(input, inputs, exempt.has(input.name), ctx.dialect);
    if (error) found.push(error);
  }
  if (custom) found.push(...runCustomValidation(classType, custom, inputs));
  return { valid: valid && found.length === 0, errors: found };
}

function nodeInputs(raw: unknown): Inputs {
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw) && !(raw instanceof PyFloat)) return raw as Inputs;
  if (typeof raw === 'string' || Array.isArray(raw)) return {};
  throw new ValidationCrash('TypeError', `argument of type '${pyTypeName(raw)}' is not iterable`, 'inputMembership');
}

/** A link input: its own error, 'invalid' when the linked node failed, or undefined when fine. */
function checkLink(ctx: ValidationContext, input: InputInfo, link: JsonValue[]): PromptError | 'invalid' | undefined {
  if (link.length !== 2) return errors.badLinkedInput(input, link);
  const [sourceId, slot] = link as [JsonValue, JsonValue];
  const source = lookupNode(ctx, sourceId);
  const returnTypes = ctx.objectInfo[String(source['class_type'])]?.output ?? [];
  const received = pyIndex(returnTypes, slot);
  if (!linkTypeMatches(received, input.type)) {
    return errors.returnTypeMismatch(input, received, [pyStr(received), pyStr(input.type)], link);
  }
  try {
    return validateInputs(ctx, sourceId as string).valid ? undefined : 'invalid';
  } catch (error) {
    if (!(error instanceof ValidationCrash)) throw error;
    ctx.validated.set(sourceId as string, { valid: false, errors: [errors.innerException(input, error, link, ctx.dialect.frames)] });
    return 'invalid';
  }
}

function lookupNode(ctx: ValidationContext, sourceId: JsonValue): Record<string, unknown> {
  if (sourceId !== null && typeof sourceId === 'object' && !(sourceId instanceof PyFloat)) {
    throw new ValidationCrash('TypeError', `unhashable type: '${pyTypeName(sourceId)}'`, 'linkedNode');
  }
  const node = typeof sourceId === 'string' && Object.hasOwn(ctx.prompt, sourceId) ? ctx.prompt[sourceId] : undefined;
  if (!node) throw new ValidationCrash('KeyError', pyRepr(sourceId), 'linkedNode');
  return node;
}

/** Python `r[val[1]]` on the tuple of return types. */
function pyIndex<T>(items: readonly T[], index: JsonValue): T {
  if (typeof index === 'boolean') index = index ? 1 : 0;
  if (typeof index === 'bigint') index = Number(index);
  if (typeof index !== 'number' || !Number.isInteger(index)) {
    throw new ValidationCrash(
      'TypeError',
      `tuple indices must be integers or slices, not ${pyTypeName(index)}`,
      'returnType',
    );
  }
  const item = items[index < 0 ? items.length + index : index];
  if (item === undefined) throw new ValidationCrash('IndexError', 'tuple index out of range', 'returnType');
  return item;
}

const CONVERT: Readonly<Record<string, (value: unknown) => unknown>> = {
  INT: pyInt,
  FLOAT: pyFloat,
  STRING: pyStr,
  BOOLEAN: pyBool,
};

/** A constant input: conversion, then (unless the node validates it itself) min, max, combo. */
function checkConstant(input: InputInfo, inputs: Inputs, exempt: boolean, dialect: ValidationDialect): PromptError | undefined {
  let value = inputs[input.name];
  // A list value would read as a link, so the frontend wraps list widget values in __value__.
  if (value !== null && typeof value === 'object' && !(value instanceof PyFloat) && Object.hasOwn(value, '__value__')) {
    value = (value as Record<string, unknown>)['__value__'];
    inputs[input.name] = value;
  }
  const convert = typeof input.type === 'string' ? CONVERT[input.type] : undefined;
  if (convert) {
    try {
      value = convert(value);
      inputs[input.name] = value;
    } catch (error) {
      if (!(error instanceof PyError)) throw error;
      return errors.invalidInputType(input, pyStr(value), value, error);
    }
  }
  if (exempt) return undefined;
  return checkBounds(input, value) ?? checkChoices(input, value, dialect);
}

function checkBounds(input: InputInfo, value: unknown): PromptError | undefined {
  const { min, max } = input.extra;
  if ('min' in input.extra && compare(value, min, 'minCompare')) {
    return errors.outOfRange(input, 'min', `Value ${pyStr(value)} smaller than min of ${pyStr(min)}`, value);
  }
  if ('max' in input.extra && compare(max, value, 'maxCompare')) {
    return errors.outOfRange(input, 'max', `Value ${pyStr(value)} bigger than max of ${pyStr(max)}`, value);
  }
  return undefined;
}

function compare(a: unknown, b: unknown, frame: FrameKey): boolean {
  try {
    return pyLessThan(a, b);
  } catch (error) {
    throw error instanceof PyError ? ValidationCrash.from(error, frame) : error;
  }
}

function checkChoices(input: InputInfo, value: unknown, dialect: ValidationDialect): PromptError | undefined {
  const choices = input.choices;
  if (!choices || choices.some((choice) => pyEquals(value, choice))) return undefined;
  // ComfyUI leaves long lists (scanned model files) out of the reply.
  const long = choices.length > 20;
  const listInfo = long ? `(list of length ${choices.length})` : pyRepr(choices);
  const shown = dialect.notInListRepr ? pyRepr(value) : `'${pyStr(value)}'`;
  return errors.notInList(input, `${input.name}: ${shown} not in ${listInfo}`, value, long);
}

/** VALIDATE_INPUTS: called with the present inputs; one error per input when it fails. */
function runCustomValidation(classType: string, custom: CustomValidation, inputs: Inputs): PromptError[] {
  const missing = custom.inputs.find((name) => !Object.hasOwn(inputs, name));
  if (missing !== undefined) {
    // VALIDATE_INPUTS takes its inputs as required positional arguments.
    throw new ValidationCrash(
      'TypeError',
      `${classType}.VALIDATE_INPUTS() missing 1 required positional argument: '${missing}'`,
      'customValidate',
    );
  }
  // A linked value is unknown before execution; ComfyUI would pass None. Not checked here.
  if (!custom.check || custom.inputs.some((name) => Array.isArray(inputs[name]))) return [];
  const values = Object.fromEntries(custom.inputs.map((name) => [name, inputs[name]]));
  const verdict = custom.check(values);
  if (verdict === true) return [];
  return custom.inputs.map((name) => errors.customFailed(name, verdict === false ? name : `${name} - ${verdict}`));
}
