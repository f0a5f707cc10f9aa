import { Type } from '@sinclair/typebox';

/** POST /automa/convert as JSON. */
export const ConvertBody = Type.Object({
  workflow: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.String()], {
    description: 'The UI workflow (as the frontend saves it) or an API prompt; as an object or as JSON text.',
  }),
});

/** POST /automa/convert as a form: the file, or the workflow as text. */
export const ConvertForm = Type.Object({
  file: Type.Optional(Type.String({ format: 'binary', description: 'A workflow .json or a ComfyUI .png with the workflow embedded.' })),
  workflow: Type.Optional(Type.String({ description: 'The workflow as JSON text, instead of a file.' })),
});

export const ConvertResult = Type.Object({
  prompt: Type.Record(Type.String(), Type.Unknown(), { description: 'The API prompt: node id → {class_type, inputs, _meta}.' }),
  format: Type.Union([Type.Literal('ui'), Type.Literal('api')], { description: 'What was sent: a UI workflow or already an API prompt.' }),
});
