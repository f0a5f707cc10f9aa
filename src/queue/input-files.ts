/**
 * LoadImage's own check, at submit time. ComfyUI's LoadImage and LoadImageMask validate their
 * `image` input themselves (VALIDATE_INPUTS: the annotated path must exist on the server's disk),
 * so a prompt naming a file nobody has is a 400 before it is queued. The gateway has two disks to
 * look at: its own files (uploads through us, outputs collected from backends), which follow a
 * prompt to whichever backend runs it, and each backend's input folder, which its /object_info
 * lists as the combo of that input.
 */
import {
  COMFY_CUSTOM_VALIDATIONS,
  listInputs,
  pyStr,
  type CustomValidations,
  type ObjectInfo,
} from '../upstream/protocol/index.js';
import { isRecord } from '../values.js';

/** Classes whose VALIDATE_INPUTS answers "Invalid image file: <name>", and the input they check. */
const FILE_CHECKED_INPUTS: Readonly<Record<string, string>> = {
  LoadImage: 'image',
  LoadImageMask: 'image',
};

export const FILE_CHECKED_CLASSES: readonly string[] = Object.keys(FILE_CHECKED_INPUTS);

/** The distinct file names a prompt's LoadImage-style nodes name as constants (links are unknown until run). */
export function namedInputFiles(prompt: unknown): string[] {
  if (!isRecord(prompt)) return [];
  const names = new Set<string>();
  for (const node of Object.values(prompt)) {
    if (!isRecord(node) || typeof node.class_type !== 'string' || !isRecord(node.inputs)) continue;
    const input = Object.hasOwn(FILE_CHECKED_INPUTS, node.class_type) ? FILE_CHECKED_INPUTS[node.class_type] : undefined;
    const value = input === undefined ? undefined : node.inputs[input];
    if (typeof value === 'string') names.add(value);
  }
  return [...names];
}

/** True when the backend behind `info` may have `name`: listed in its input folder, or in a folder it does not list. */
export function backendOffers(info: Readonly<Record<string, unknown>> | null, name: string): boolean {
  if (info === null) return false;
  return FILE_CHECKED_CLASSES.some((classType) => offers(info, classType, name));
}

/**
 * `x.png` and `x.png [input]` name the input folder, which object_info lists. `[output]` and
 * `[temp]` name folders it does not list: outputs of prompts run on the backend directly may be
 * there, so only the backend can tell, at dispatch.
 */
function offers(info: Readonly<Record<string, unknown>>, classType: string, name: string): boolean {
  if (/ \[(output|temp)\]$/.test(name)) return true;
  return choicesOf(info, classType).includes(name.replace(/ \[input\]$/, ''));
}

/**
 * VALIDATE_INPUTS for one backend: a file is there when the gateway holds it (it will be uploaded
 * before the prompt runs) or the backend's input folder has it.
 */
export function inputFileValidations(owned: ReadonlySet<string>, info: Readonly<Record<string, unknown>>): CustomValidations {
  const validations: Record<string, CustomValidations[string]> = { ...COMFY_CUSTOM_VALIDATIONS };
  for (const [classType, input] of Object.entries(FILE_CHECKED_INPUTS)) {
    validations[classType] = {
      inputs: [input],
      check: (values) => {
        const value = values[input];
        if (typeof value === 'string' && (owned.has(value) || offers(info, classType, value))) return true;
        return `Invalid image file: ${pyStr(value)}`;
      },
    };
  }
  return validations;
}

/** The combo choices of a class's file input in an object_info: the backend's input folder. */
function choicesOf(info: Readonly<Record<string, unknown>>, classType: string): readonly unknown[] {
  const node = (info as ObjectInfo)[classType];
  if (node === undefined) return [];
  return listInputs(node).find((input) => input.name === FILE_CHECKED_INPUTS[classType])?.choices ?? [];
}
