import { Type } from '@sinclair/typebox';

export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')], { description: 'degraded: the store does not answer.' }),
  version: Type.String(),
  uptime_s: Type.Integer(),
  store: Type.Object({ ok: Type.Boolean() }),
  backends: Type.Array(
    Type.Object({ name: Type.String(), url: Type.String(), state: Type.String(), reachable: Type.Boolean(), last_error: Type.Union([Type.String(), Type.Null()]) }),
  ),
});

export const ServiceIndexSchema = Type.Object(
  { name: Type.String(), version: Type.String(), description: Type.String(), api: Type.Record(Type.String(), Type.Unknown()) },
  { description: 'The service and every entry point it offers' },
);
