import { Type } from '@sinclair/typebox';

export const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')], { description: 'degraded: the store does not answer.' }),
  version: Type.String(),
  uptime_s: Type.Integer(),
  store: Type.Object({ ok: Type.Boolean() }),
  backends: Type.Array(
    Type.Object({
      name: Type.String(),
      url: Type.String(),
      state: Type.String(),
      reachable: Type.Boolean(),
      last_error: Type.Union([Type.String(), Type.Null()]),
      gateway: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'With --database: the gateway driving this backend (null: none yet).' })),
    }),
  ),
  cluster: Type.Optional(
    Type.Object(
      {
        gateway: Type.String({ description: 'The gateway that answered.' }),
        gateways: Type.Array(Type.Object({ id: Type.String(), address: Type.Union([Type.String(), Type.Null()]), started_at: Type.String(), seen_at: Type.String() })),
      },
      { description: 'Present with --database: the gateways sharing the database.' },
    ),
  ),
});

export const ServiceIndexSchema = Type.Object(
  { name: Type.String(), version: Type.String(), description: Type.String(), api: Type.Record(Type.String(), Type.Unknown()) },
  { description: 'The service and every entry point it offers' },
);
