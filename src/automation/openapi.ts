import type { App } from './app-model.js';
import { exampleBody, runBodySchema } from './schema.js';

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['type', 'message'],
      properties: { type: { type: 'string' }, message: { type: 'string' }, details: { type: 'string' }, extra_info: { type: 'object' } },
    },
  },
};

const RUN_SCHEMA = {
  type: 'object',
  required: ['id', 'prompt_id', 'status', 'links'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    app_id: { type: 'string', format: 'uuid' },
    prompt_id: { type: 'string', format: 'uuid' },
    status: { enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] },
    inputs: { type: 'object' },
    links: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

/** The app as one OpenAPI 3.1 operation (3.1 speaks JSON Schema 2020-12, so the app's schema goes in as is). */
export function appOpenApi(app: App, version: string): Record<string, unknown> {
  const { $schema: _dialect, ...body } = runBodySchema(app.inputs);
  const operationId = `run_${app.name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'app'}`;
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: { title: app.name, version: `${version}+${app.updateTime}`, description: `Run the workflow app "${app.name}" through comfyui-automa.` },
    paths: {
      [`/automa/apps/${app.id}/runs`]: {
        post: {
          operationId,
          summary: `Run ${app.name}`,
          parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }],
          requestBody: { required: true, content: { 'application/json': { schema: body, example: exampleBody(app.inputs) } } },
          responses: {
            '201': { description: 'The run, queued', content: { 'application/json': { schema: RUN_SCHEMA } } },
            '400': { description: 'Some inputs are not valid (each field and why in error.extra_info.fields)', content: { 'application/json': { schema: ERROR_SCHEMA } } },
            '404': { description: 'No such app', content: { 'application/json': { schema: ERROR_SCHEMA } } },
            '422': { description: 'The Idempotency-Key was used with another body', content: { 'application/json': { schema: ERROR_SCHEMA } } },
          },
        },
      },
    },
  };
}
