import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, badRequest, toApiV2Body, bodyTooLarge, internalError, invalidJson, isAppError, routeNotFound, unsupportedMediaType } from '../errors.js';

/**
 * The one place where errors become replies. AppErrors carry their status; Fastify's own
 * errors (schema, parsing, limits) are translated to AppErrors; anything else is a 500 whose
 * message is hidden from the client and whose stack goes to the log.
 */
export function registerErrorHandling(app: FastifyInstance, limits: { jsonBodyBytes: number }): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    // The limit that applied: --max-json-body-size under /automa, --max-upload-size elsewhere.
    const appError = toAppError(error, request.routeOptions.bodyLimit ?? limits.jsonBodyBytes);
    if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.debug({ code: appError.code }, appError.message);
    if (reply.sent || reply.raw.headersSent) return;
    if (isApiV2(request.url)) {
      const { status, body } = toApiV2Body(appError);
      void reply.code(status).type('application/json; charset=utf-8').send(body);
      return;
    }
    void reply.code(appError.status).type('application/json; charset=utf-8').send(appError.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = routeNotFound(request.method, request.url);
    void reply.code(error.status).send(isApiV2(request.url) ? toApiV2Body(error).body : error.toBody());
  });
}

/** Comfy API v2 speaks its own error envelope (see toApiV2Body). */
const isApiV2 = (url: string): boolean => url.startsWith('/api/v2/') || url === '/api/v2';

/** Translate any thrown value into the AppError the client sees. */
export function toAppError(error: unknown, jsonBodyBytes: number): AppError {
  if (isAppError(error)) return error;
  const fastifyError = error as Partial<FastifyError> & { validation?: unknown; validationContext?: string };
  if (fastifyError.validation) {
    return badRequest('Invalid request', fastifyError.message ?? '', { location: fastifyError.validationContext ?? '' });
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return bodyTooLarge(jsonBodyBytes);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType(String(fastifyError.message ?? ''));
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidJson('body is empty');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalidJson(fastifyError.message ?? '');
    default:
      break;
  }
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) return invalidJson(error.message);
  if (fastifyError.statusCode === 400) return badRequest(fastifyError.message ?? 'Bad request');
  if (fastifyError.statusCode === 413) return bodyTooLarge(jsonBodyBytes);
  return internalError();
}
