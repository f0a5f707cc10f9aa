import { unknownNodeClasses, invalidWorkflow } from '../errors.js';
import { convertWorkflow, readAppMode, readPngWorkflow, type ConvertProblem } from './convert/index.js';
import type { PoolInfo } from './pool-info.js';
import type { ImportedWorkflow, WorkflowReader } from './workflow-import.js';

/**
 * UI-format workflows, App Mode and ComfyUI PNGs, read with the converter (convert/): the prompt
 * is what the official frontend's graphToPrompt makes of the workflow, against the pool's
 * object_info; App Mode's inputs and outputs become the app's.
 */
export function createConvertReader(): WorkflowReader {
  return {
    read: (source, pool) => {
      let workflow: unknown;
      if ('png' in source) {
        const found = readPngWorkflow(source.png);
        if (!found.ok) throw invalidWorkflow([{ message: found.reason }]);
        // The UI workflow when the picture has one (it carries App Mode and titles), else the API prompt.
        workflow = found.workflow !== undefined ? found.workflow : found.prompt;
      } else {
        workflow = source.json;
      }
      const info = pool.union ?? {};
      const converted = convertWorkflow(workflow, info);
      if (!converted.ok) throw conversionError(converted.problems, pool);
      const format: ImportedWorkflow['format'] = 'png' in source ? 'png' : converted.format;
      if (converted.format !== 'ui') return { format, prompt: converted.prompt, appMode: null };
      const appMode = readAppMode(workflow, info);
      if (!appMode.ok) throw invalidWorkflow(appMode.problems);
      if (!appMode.present) return { format, prompt: converted.prompt, appMode: null };
      return {
        format,
        prompt: converted.prompt,
        appMode: {
          inputs: appMode.inputs.map((i) => ({ node: i.node, input: i.input, ...(i.label !== undefined && { label: i.label }) })),
          outputs: appMode.outputs.map((o) => o.node),
        },
      };
    },
  };
}

/** Unknown classes say which backends lack them, as an API-format import does; anything else lists the problems. */
function conversionError(problems: readonly ConvertProblem[], pool: PoolInfo) {
  const unknown = problems.filter((p) => p.code === 'UNKNOWN_NODE_CLASS' && p.class_type !== undefined);
  if (unknown.length === 0 || unknown.length !== problems.length) return invalidWorkflow(problems);
  const byClass = new Map<string, string[]>();
  for (const p of unknown) byClass.set(p.class_type as string, [...(byClass.get(p.class_type as string) ?? []), ...(p.node === undefined ? [] : [p.node])]);
  return unknownNodeClasses(
    [...byClass].map(([classType, nodes]) => ({
      class_type: classType,
      nodes,
      missing_on: pool.backends.filter((b) => b.info === null || !Object.hasOwn(b.info, classType)).map((b) => b.name),
    })),
  );
}
