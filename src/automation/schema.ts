import { WEBHOOK_FIELDS_SCHEMA } from './run-webhooks.js';
import type { AppInput, InputValue } from './types.js';

export const JSON_SCHEMA_2020 = 'https://json-schema.org/draft/2020-12/schema';
export type JsonSchema = boolean | { readonly [keyword: string]: unknown };

const IMAGE_DESCRIPTION = 'The name of an uploaded input image (POST /upload/image) or a data:image/…;base64, URL.';

/** The JSON Schema (2020-12) of a run body's `inputs` object. Every input is optional: it defaults to the workflow's value. */
export function inputsSchema(inputs: readonly AppInput[]): { readonly [keyword: string]: unknown } {
  return {
    $schema: JSON_SCHEMA_2020,
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(inputs.map((input) => [input.name, inputSchema(input)])),
  };
}

/** The whole run body: `{inputs, client_id?}`. */
export function runBodySchema(inputs: readonly AppInput[]): { readonly [keyword: string]: unknown } {
  const { $schema, ...inputsObject } = inputsSchema(inputs);
  return {
    $schema,
    type: 'object',
    additionalProperties: false,
    properties: {
      inputs: inputsObject,
      client_id: { type: 'string', minLength: 1, maxLength: 200, description: 'Your /ws clientId: the run’s events go to that socket.' },
      ...WEBHOOK_FIELDS_SCHEMA,
    },
  };
}

/** One input's schema. Annotations (title, description, default) come with every type. */
function inputSchema(input: AppInput): JsonSchema {
  const notes = { title: input.label, ...(input.description !== '' && { description: input.description }), ...(input.default !== null && { default: input.default }) };
  const range = { ...(input.min !== undefined && { minimum: input.min }), ...(input.max !== undefined && { maximum: input.max }) };
  switch (input.type) {
    case 'int': {
      const step = input.step;
      // ComfyUI itself ignores `step`; the frontend snaps to it. Only an integer step the range's
      // start is aligned to can be required without refusing values the frontend would send.
      const aligned = step !== undefined && Number.isInteger(step) && step > 1 && (input.min ?? 0) % step === 0;
      return { type: 'integer', ...range, ...(aligned && { multipleOf: step }), ...notes };
    }
    case 'float':
      return { type: 'number', ...range, ...notes };
    case 'seed':
      return {
        anyOf: [{ type: 'integer', ...range }, { const: 'random', description: 'The server draws a seed and records it on the run.' }],
        ...notes,
      };
    case 'string':
      return { type: 'string', ...notes };
    case 'boolean':
      return { type: 'boolean', ...notes };
    case 'enum': {
      const values = (input.choices ?? []).map((c) => c.value);
      // No backend offers any choice right now: no value can be valid.
      return values.length === 0 ? { not: {}, ...notes } : { enum: values, ...notes };
    }
    case 'image':
      return { type: 'string', minLength: 1, ...notes, description: input.description === '' ? IMAGE_DESCRIPTION : `${input.description} ${IMAGE_DESCRIPTION}` };
  }
}

/** A valid run body: every input at the workflow's value (or the first choice, or "random" for seeds). */
export function exampleBody(inputs: readonly AppInput[]): { inputs: Record<string, InputValue> } {
  const values: Record<string, InputValue> = {};
  for (const input of inputs) {
    const value = exampleValue(input);
    if (value !== undefined) values[input.name] = value;
  }
  return { inputs: values };
}

function exampleValue(input: AppInput): InputValue | undefined {
  const choices = (input.choices ?? []).map((c) => c.value);
  switch (input.type) {
    case 'seed':
      return 'random';
    case 'enum':
      return input.default !== null && choices.includes(input.default) ? input.default : choices[0];
    case 'image':
      return input.default !== null && input.default !== '' ? input.default : undefined;
    case 'int':
    case 'float': {
      if (typeof input.default !== 'number') return input.min ?? 0;
      return Math.min(Math.max(input.default, input.min ?? -Infinity), input.max ?? Infinity);
    }
    default:
      return input.default ?? undefined;
  }
}
