import { Type } from '@sinclair/typebox';

/** A backend as the pool shows it (contract/backends.ts BackendView). */
export const BackendViewSchema = Type.Object({
  name: Type.String(),
  url: Type.String(),
  state: Type.Union([Type.Literal('up'), Type.Literal('down'), Type.Literal('draining')]),
  running: Type.Array(Type.String(), { description: 'Prompt ids it runs now.' }),
  prefetched: Type.Array(Type.String(), { description: 'Prompt ids handed to it ahead of time (--prefetch).' }),
  last_error: Type.Union([Type.String(), Type.Null()]),
  comfyui_version: Type.Union([Type.String(), Type.Null()]),
  devices: Type.Array(Type.Unknown()),
  system: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  node_classes: Type.Integer(),
  models_known: Type.Integer(),
  gateway: Type.Union([Type.String(), Type.Null()], {
    description: 'With several gateways on one database, the one driving it (null while none does); null for a lone gateway.',
  }),
});

export const BackendListSchema = Type.Object({ backends: Type.Array(BackendViewSchema) });
