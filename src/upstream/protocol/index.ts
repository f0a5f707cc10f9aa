/** Validate a POST /prompt `prompt` against /object_info exactly as ComfyUI does; `errorBody` builds its 400 body. */
export { validatePrompt, validationDialect, errorBody, type ValidationResult, type ValidateOptions, type PromptGraph } from './validate-prompt.js';
/** Node replacements (0.14+): parse and merge GET /node_replacements, rewrite a prompt before validation. */
export {
  applyNodeReplacements,
  parseNodeReplacements,
  mergeNodeReplacements,
  type NodeReplacement,
  type NodeReplacements,
  type ReplacementResult,
} from './node-replacements.js';
/** The feature flags the gateway announces (GET /features, WS feature_flags). */
export { gatewayFeatureFlags } from './features.js';
/** ComfyUI versions: parsing, comparing, and which behaviour appeared in which version. */
export {
  GATEWAY_COMFY_VERSION,
  RECORDED_COMFY_VERSIONS,
  COMFY_FEATURES,
  parseComfyVersion,
  compareVersions,
  hasFeature,
  type ComfyVersion,
  type ComfyFeature,
} from './versions.js';
/** Nodes whose own VALIDATE_INPUTS takes over some inputs, and how to plug in a real check. */
export { COMFY_CUSTOM_VALIDATIONS, type CustomValidation, type CustomValidations, type ValidationDialect } from './validate-inputs.js';
/** The error objects of ComfyUI's prompt validation replies. */
export type { PromptError, NodeError, NodeErrors } from './validation-errors.js';
/** Types of /object_info and how ComfyUI reads input specs (scalar kinds, list and COMBO combos, output nodes, link types). */
export {
  parseInputSpec,
  listInputs,
  getInputInfo,
  isOutputNode,
  hiddenInputsOfKind,
  linkTypeMatches,
  type ObjectInfo,
  type NodeInfo,
  type NodeInputs,
  type InputSpec,
  type InputType,
  type InputOptions,
  type InputInfo,
  type InputKind,
  type InputCategory,
} from './object-info.js';
/** Encode/decode binary WS frames 1, 3 and 4, and turn type 4 into type 1 for legacy clients. */
export {
  BinaryEventType,
  PreviewFormat,
  encodePreviewImage,
  encodeText,
  encodePreviewWithMetadata,
  decodeBinaryFrame,
  previewFormatOf,
  toLegacyPreview,
  type BinaryFrame,
  type PreviewMetadata,
  type PreviewFormatName,
} from './binary-frames.js';
/** The WS JSON messages as a union keyed on `type`; unknown types parse as UnknownMessage. */
export {
  parseMessage,
  isKnownMessage,
  isMessageOfType,
  promptIdOf,
  KNOWN_MESSAGE_TYPES,
  type ComfyMessage,
  type KnownMessage,
  type KnownMessageType,
  type UnknownMessage,
  type MessageData,
  type NodeProgress,
  type QueueStatus,
  type FeatureFlags,
  type ExecutionFailure,
  type ExecutionErrorData,
} from './messages.js';
/** ComfyUI's Host/Origin (and Sec-Fetch-Site) check, and its notion of a loopback host. */
export { checkOrigin, isLoopbackHost, type OriginCheckRequest, type OriginVerdict } from './origin-check.js';
/** JSON as Python reads and writes it: bigint for huge ints, json.dumps formatting, PyFloat for floats. */
export { parseJson, stringifyPython, pyFloatRepr, PyFloat, type JsonValue, type ParseOptions } from './python-json.js';
/** Python's str()/repr() of JSON values, as ComfyUI's messages print them. */
export { pyStr, pyRepr } from './python-values.js';
/** First path segments of ComfyUI's routes and ours, which the web app may never claim. */
export { COMFY_ROUTE_ROOTS, SERVICE_ROUTE_ROOTS, isApiRoot } from './route-roots.js';
