/**
 * The error objects of ComfyUI's POST /prompt 400 bodies, field for field and in ComfyUI's key
 * order, plus the traceback lines ComfyUI 0.8.0 puts into the exception variants. Tracebacks
 * are data clients display, so they are reproduced as the recorded server printed them.
 */
import type { InputInfo } from './object-info.js';
import type { JsonValue } from './python-json.js';
import { PyError } from './python-values.js';

export interface PromptError {
  readonly type: string;
  readonly message: string;
  readonly details: string;
  readonly extra_info: Readonly<Record<string, unknown>>;
}

export interface NodeError {
  readonly errors: readonly PromptError[];
  /** Output nodes ComfyUI dropped because of this node (ComfyUI appends every later failing output). */
  readonly dependent_outputs: string[];
  readonly class_type: string;
}

export type NodeErrors = Record<string, NodeError>;

const FILE = '  File "/opt/ComfyUI/execution.py"';
const carets = (n: number): string => '^'.repeat(n);

/** Where in execution.py an exception was raised or caught: one formatted traceback line (0.8.0). */
export const FRAMES = {
  validatePromptCall: `${FILE}, line 1043, in validate_prompt\n    m = await validate_inputs(prompt_id, prompt, o, validated)\n        ${carets(54)}\n`,
  innerValidateCall: `${FILE}, line 838, in validate_inputs\n    r = await validate_inputs(prompt_id, prompt, o_id, validated)\n        ${carets(57)}\n`,
  nodeInputs: `${FILE}, line 776, in validate_inputs\n    inputs = prompt[unique_id]['inputs']\n             ~~~~~~~~~~~~~~~~~^^^^^^^^^^\n`,
  inputMembership: `${FILE}, line 808, in validate_inputs\n    if x not in inputs:\n       ^^^^^^^^^^^^^^^\n`,
  linkedNode: `${FILE}, line 818, in validate_inputs\n    o_class_type = prompt[o_id]['class_type']\n                   ~~~~~~^^^^^^\n`,
  returnType: `${FILE}, line 820, in validate_inputs\n    received_type = r[val[1]]\n                    ~^^^^^^^^\n`,
  minCompare: `${FILE}, line 880, in validate_inputs\n    if "min" in extra_info and val < extra_info["min"]:\n                               ^^^^^^^^^^^^^^^^^^^^^^^\n`,
  maxCompare: `${FILE}, line 892, in validate_inputs\n    if "max" in extra_info and val > extra_info["max"]:\n                               ^^^^^^^^^^^^^^^^^^^^^^^\n`,
  customValidate: `${FILE}, line 935, in validate_inputs\n    ret = await _async_map_node_over_list(prompt_id, unique_id, obj_class, input_filtered, validate_function_name, v3_data=v3_data)\n          ${carets(117)}\n`,
  recursion: `${FILE}, line 838, in validate_inputs\n    r = await validate_inputs(prompt_id, prompt, o_id, validated)\n        ${carets(57)}\n`,
} as const;

export type FrameKey = keyof typeof FRAMES;
export type Frames = Readonly<Record<FrameKey, string>>;

/**
 * The same lines in 0.33.0's execution.py (validate_inputs gained a `visiting` argument for cycle
 * detection). validatePromptCall, innerValidateCall, linkedNode, returnType and customValidate are
 * as recorded; the other line numbers were not in any recorded traceback and are shifted by the
 * offset of the nearest recorded line.
 */
export const FRAMES_0_33: Frames = {
  ...FRAMES,
  validatePromptCall: FRAMES.validatePromptCall.replace('line 1043', 'line 1184'),
  innerValidateCall: `${FILE}, line 955, in validate_inputs\n    r = await validate_inputs(prompt_id, prompt, o_id, validated, visiting)\n        ${carets(67)}\n`,
  nodeInputs: FRAMES.nodeInputs.replace('line 776', 'line 891'),
  inputMembership: FRAMES.inputMembership.replace('line 808', 'line 923'),
  linkedNode: FRAMES.linkedNode.replace('line 818', 'line 933'),
  returnType: FRAMES.returnType.replace('line 820', 'line 935'),
  minCompare: FRAMES.minCompare.replace('line 880', 'line 1036'),
  maxCompare: FRAMES.maxCompare.replace('line 892', 'line 1048'),
  customValidate: FRAMES.customValidate.replace('line 935', 'line 1091'),
  recursion: `${FILE}, line 955, in validate_inputs\n    r = await validate_inputs(prompt_id, prompt, o_id, validated, visiting)\n        ${carets(67)}\n`,
};

/** A Python exception escaping validate_inputs, with the line that raised it. */
export class ValidationCrash extends PyError {
  constructor(
    pyType: string,
    message: string,
    readonly frame: FrameKey,
  ) {
    super(pyType, message);
    this.name = 'ValidationCrash';
  }

  static from(error: PyError, frame: FrameKey): ValidationCrash {
    return new ValidationCrash(error.pyType, error.message, frame);
  }
}

const inputConfig = (input: InputInfo): [unknown, unknown] => [input.type, input.extra];

export const errors = {
  noPrompt: (): PromptError => ({
    type: 'no_prompt',
    message: 'No prompt provided',
    details: 'No prompt provided',
    extra_info: {},
  }),
  missingClassType: (id: string): PromptError => ({
    type: 'invalid_prompt',
    message: 'Cannot execute because a node is missing the class_type property.',
    details: `Node ID '#${id}'`,
    extra_info: {},
  }),
  unknownClass: (classType: string, id: string): PromptError => ({
    type: 'invalid_prompt',
    message: `Cannot execute because node ${classType} does not exist.`,
    details: `Node ID '#${id}'`,
    extra_info: {},
  }),
  /** 0.12+: a class no backend offers, named by the node's title when it has one. */
  missingNodeType: (id: string, classType: string, title: string | null): PromptError => ({
    type: 'missing_node_type',
    message: `Node '${title ?? classType}' not found. The custom node may not be installed.`,
    details: `Node ID '#${id}'`,
    extra_info: { node_id: id, class_type: classType, node_title: title ?? classType },
  }),
  /** 0.12+: a node without class_type. */
  noClassType: (id: string, title: string | null): PromptError => ({
    type: 'missing_node_type',
    message: `Node '${title ?? `ID #${id}`}' has no class_type. The workflow may be corrupted or a custom node is missing.`,
    details: `Node ID '#${id}'`,
    extra_info: { node_id: id, class_type: null, node_title: title },
  }),
  /** 0.20+: one entry per node of a cycle; `cycle` lists the nodes in the order they link. */
  dependencyCycle: (id: string, cycle: readonly string[], describe: (id: string) => string): PromptError => ({
    type: 'dependency_cycle',
    message: 'Dependency cycle detected',
    details: [...cycle, cycle[0] as string].map(describe).join(' -> '),
    extra_info: { node_id: id, cycle_nodes: [...cycle] },
  }),
  noOutputs: (): PromptError => ({ type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} }),
  outputsFailed: (details: string): PromptError => ({
    type: 'prompt_outputs_failed_validation',
    message: 'Prompt outputs failed validation',
    details,
    extra_info: {},
  }),
  requiredMissing: (name: string): PromptError => ({
    type: 'required_input_missing',
    message: 'Required input is missing',
    details: name,
    extra_info: { input_name: name },
  }),
  badLinkedInput: (input: InputInfo, value: JsonValue): PromptError => ({
    type: 'bad_linked_input',
    message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]',
    details: input.name,
    extra_info: { input_name: input.name, input_config: inputConfig(input), received_value: value },
  }),
  returnTypeMismatch: (input: InputInfo, received: unknown, texts: [string, string], link: JsonValue): PromptError => ({
    type: 'return_type_mismatch',
    message: 'Return type mismatch between linked nodes',
    details: `${input.name}, received_type(${texts[0]}) mismatch input_type(${texts[1]})`,
    extra_info: { input_name: input.name, input_config: inputConfig(input), received_type: received, linked_node: link },
  }),
  innerException: (input: InputInfo, crash: ValidationCrash, link: JsonValue, frames: Frames): PromptError => ({
    type: 'exception_during_inner_validation',
    message: 'Exception when validating inner node',
    details: crash.message,
    extra_info: {
      input_name: input.name,
      input_config: inputConfig(input),
      exception_message: crash.message,
      exception_type: crash.pyType,
      traceback: [frames.innerValidateCall, frames[crash.frame]],
      linked_node: link,
    },
  }),
  outputException: (crash: ValidationCrash, frames: Frames): PromptError => ({
    type: 'exception_during_validation',
    message: 'Exception when validating node',
    details: crash.message,
    extra_info: { exception_type: crash.pyType, traceback: [frames.validatePromptCall, frames[crash.frame]] },
  }),
  invalidInputType: (input: InputInfo, shown: string, value: unknown, error: PyError): PromptError => ({
    type: 'invalid_input_type',
    message: `Failed to convert an input value to a ${String(input.type)} value`,
    details: `${input.name}, ${shown}, ${error.message}`,
    extra_info: {
      input_name: input.name,
      input_config: inputConfig(input),
      received_value: value,
      exception_message: error.message,
    },
  }),
  outOfRange: (input: InputInfo, bound: 'min' | 'max', text: string, value: unknown): PromptError => ({
    type: bound === 'min' ? 'value_smaller_than_min' : 'value_bigger_than_max',
    message: text,
    details: input.name,
    extra_info: { input_name: input.name, input_config: inputConfig(input), received_value: value },
  }),
  notInList: (input: InputInfo, details: string, value: unknown, long: boolean): PromptError => ({
    type: 'value_not_in_list',
    message: 'Value not in list',
    details,
    extra_info: { input_name: input.name, input_config: long ? null : inputConfig(input), received_value: value },
  }),
  customFailed: (name: string, details: string): PromptError => ({
    type: 'custom_validation_failed',
    message: 'Custom validation failed for node',
    details,
    extra_info: { input_name: name },
  }),
};
