/** UI workflow → API prompt exactly as ComfyUI's frontend converts it (graphToPrompt). */
export { convertWorkflow } from './convert.js';
/** Whether a value is an API prompt, a UI workflow, or neither (with the reason). */
export { detectWorkflowFormat, type WorkflowFormat } from './format.js';
export type {
  ApiLink,
  ApiNode,
  ApiPrompt,
  ConvertOptions,
  ConvertProblem,
  ConvertResult,
  LinearInput,
  ProblemCode,
  UiInputSlot,
  UiLinkArray,
  UiLinkObject,
  UiNode,
  UiOutputSlot,
  UiSubgraph,
  UiSubgraphSlot,
  UiWorkflow,
} from './types.js';
/** App Mode inputs/outputs (`extra.linearData`) resolved to (execution id, input name) in the converted prompt. */
export { readAppMode, type AppMode, type AppModeInput, type AppModeOutput } from './app-mode.js';
/** The `workflow` and `prompt` a ComfyUI SaveImage PNG embeds. */
export { readPngWorkflow, type PngWorkflow } from './png.js';
