import { AjvCompiler, type ValidatorFactory } from '@fastify/ajv-compiler';
import type { FastifySchemaCompiler } from 'fastify';

/** What Fastify's default factory really is at run time (its published types describe Ajv's compile instead). */
type CompilerFromPool = (externalSchemas: unknown, options: unknown) => FastifySchemaCompiler<unknown>;
type RouteSchema = Parameters<FastifySchemaCompiler<unknown>>[0];
type ValidationResult = ReturnType<FastifySchemaCompiler<unknown>>;
type AjvValidate = ValidationResult & ((data: unknown, context?: unknown) => ReturnType<ValidationResult>) & { schemaEnv?: unknown };

/**
 * Fastify's own validator compiler (the same Ajv with the same options), but each route's schema
 * is compiled when that route first validates a request instead of while the server starts.
 * Compiling every route's schemas at start-up (and creating the Ajv instance) was the largest
 * single cost from exec to /automa/health; a route nobody calls now never pays for it, one that is
 * called pays about a millisecond once. Results and error lists are Ajv's own.
 *
 * A factory given to Fastify counts as a custom compiler, and Fastify then compiles header
 * schemas as written instead of a lower-cased copy: header names must be written in lower case
 * (they are matched against Node's lower-cased `request.headers`), so one that is not is refused
 * at start-up.
 */
export function lazyValidatorFactory(): ValidatorFactory {
  const fastifyDefault = AjvCompiler() as unknown as CompilerFromPool;
  const factory: CompilerFromPool = (externalSchemas, options) => {
    let compile: FastifySchemaCompiler<unknown> | undefined;
    return (route) => {
      if (route.httpPart === 'headers') refuseUpperCaseHeaders(route);
      let validate: AjvValidate | undefined;
      const compiled = (): AjvValidate => (validate ??= (compile ??= fastifyDefault(externalSchemas, options))(route) as AjvValidate);
      const lazy = ((data: unknown, context?: unknown) => compiled()(data, context)) as AjvValidate;
      // Fastify reads both from the function it was given: `schemaEnv` before the call (to pass
      // Ajv the parent object, so coercion can replace the root value), `errors` after a failure.
      Object.defineProperties(lazy, {
        errors: { get: () => compiled().errors },
        schemaEnv: { get: () => compiled().schemaEnv },
      });
      return lazy;
    };
  };
  return factory as unknown as ValidatorFactory;
}

function refuseUpperCaseHeaders(route: RouteSchema): void {
  const properties = (route.schema as { properties?: Record<string, unknown> } | null)?.properties ?? {};
  const named = Object.keys(properties).find((name) => name !== name.toLowerCase());
  if (named !== undefined) throw new Error(`${route.method} ${route.url}: the headers schema names "${named}"; write header names in lower case`);
}
