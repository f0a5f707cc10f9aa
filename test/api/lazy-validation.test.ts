/**
 * The validator compiler that compiles a route's schemas on its first request answers exactly
 * what Fastify's own does: the same coercion, defaults and 400 bodies for the same requests.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { lazyValidatorFactory } from '../../src/api/lazy-validation.js';

const schema = {
  params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
  querystring: Type.Object({ limit: Type.Integer({ default: 10 }), tag: Type.Optional(Type.Array(Type.String())) }),
  headers: Type.Object({ 'if-match': Type.Optional(Type.String({ minLength: 3 })) }),
  body: Type.Object({ name: Type.String({ minLength: 1 }), count: Type.Optional(Type.Number()) }, { additionalProperties: false }),
};

function appWith(lazy: boolean): FastifyInstance {
  const app = Fastify(lazy ? { schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory() } } } : {});
  app.post('/things/:id', { schema }, async (request) => ({ params: request.params, query: request.query, body: request.body }));
  return app;
}

const requests = [
  { url: '/things/7?limit=3&tag=a', payload: { name: 'x', count: 2 } },
  { url: '/things/7', payload: { name: 'x' } },
  { url: '/things/0', payload: { name: 'x' } },
  { url: '/things/abc?limit=two', payload: { name: 'x' } },
  { url: '/things/7', payload: { name: '' } },
  { url: '/things/7', payload: { name: 'x', extra: true } },
  { url: '/things/7', payload: { name: 'x' }, headers: { 'If-Match': 'ab' } },
  { url: '/things/7', payload: { name: 'x' }, headers: { 'if-match': 'abcd' } },
];

test('lazily compiled validators answer every request as Fastify\'s own compiler does', async (t) => {
  const eager = appWith(false);
  const lazy = appWith(true);
  t.after(() => Promise.all([eager.close(), lazy.close()]));
  for (const request of requests) {
    // Twice: the first request compiles, the second uses what it compiled.
    for (let round = 0; round < 2; round++) {
      const [want, got] = await Promise.all([eager, lazy].map((app) => app.inject({ method: 'POST', ...request })));
      assert.deepEqual({ status: got?.statusCode, body: got?.json() as unknown }, { status: want?.statusCode, body: want?.json() as unknown }, request.url);
    }
  }
});

test('a headers schema naming a header in upper case is refused at start-up', async () => {
  const app = Fastify({ schemaController: { compilersFactory: { buildValidator: lazyValidatorFactory() } } });
  app.get('/x', { schema: { headers: Type.Object({ 'If-Match': Type.String() }) } }, async () => ({}));
  await assert.rejects(async () => app.ready(), /the headers schema names "If-Match"; write header names in lower case/);
  await app.close();
});
