import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { invalidFields, type FieldProblem } from '../errors.js';

/**
 * JSON Schema (2020-12) checks with Ajv. Compiling costs about a millisecond, so validators are
 * kept by the schema's text: an app's schema changes only when its workflow or the pool's
 * choices do.
 */
export interface SchemaChecker {
  /** Every problem of `value` against `schema`, with `prefix` before each field path. */
  problems(schema: object, value: unknown, prefix?: string): FieldProblem[];
  /** Throws invalidFields listing every problem. */
  check(schema: object, value: unknown, message: string, prefix?: string): void;
}

const MAX_CACHED = 200;

export function createSchemaChecker(): SchemaChecker {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (schema: object): ValidateFunction => {
    const key = JSON.stringify(schema);
    let validate = compiled.get(key);
    if (validate === undefined) {
      if (compiled.size >= MAX_CACHED) compiled.delete(compiled.keys().next().value as string);
      validate = ajv.compile(schema);
      compiled.set(key, validate);
    }
    return validate;
  };
  const problems = (schema: object, value: unknown, prefix = ''): FieldProblem[] => {
    const validate = validatorFor(schema);
    return validate(value) ? [] : fieldProblems(validate.errors ?? [], prefix);
  };
  return {
    problems,
    check: (schema, value, message, prefix) => {
      const found = problems(schema, value, prefix);
      if (found.length > 0) throw invalidFields(message, found);
    },
  };
}

/** Ajv's errors as one line per field; an anyOf's branch errors fold into the anyOf's own. */
function fieldProblems(errors: readonly ErrorObject[], prefix: string): FieldProblem[] {
  const byField = new Map<string, string>();
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && anyOfPaths.has(error.instancePath) && error.schemaPath.includes('/anyOf/')) continue;
    const path = fieldPath(prefix, error);
    if (byField.has(path)) continue;
    byField.set(path, reasonOf(error));
  }
  return [...byField].map(([field, reason]) => ({ field, reason }));
}

function fieldPath(prefix: string, error: ErrorObject): string {
  const segments = error.instancePath.split('/').slice(1).map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params['additionalProperty']));
  if (error.keyword === 'required') segments.push(String(error.params['missingProperty']));
  const path = segments.join('.');
  return [prefix, path].filter((p) => p !== '').join('.') || '(body)';
}

function reasonOf(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties':
      return 'is not an input of this app';
    case 'enum':
      return `must be one of ${JSON.stringify(error.params['allowedValues']).slice(0, 300)}`;
    case 'anyOf':
      return anyOfReason(error.parentSchema);
    case 'not':
      return 'has no value any backend offers right now';
    default:
      return error.message ?? error.keyword;
  }
}

/** An anyOf's reason: a seed's range and "random", else the schema's own description of its forms. */
function anyOfReason(schema: unknown): string {
  const branches = typeof schema === 'object' && schema !== null && 'anyOf' in schema && Array.isArray(schema.anyOf) ? (schema.anyOf as Record<string, unknown>[]) : [];
  const integer = branches.find((b) => b['type'] === 'integer');
  if (integer !== undefined && branches.some((b) => b['const'] === 'random')) {
    return `must be an integer from ${String(integer['minimum'] ?? '-∞')} to ${String(integer['maximum'] ?? '∞')}, or "random"`;
  }
  const description = typeof schema === 'object' && schema !== null && 'description' in schema ? schema.description : undefined;
  return typeof description === 'string' ? `must be ${description}` : 'does not match any of the allowed forms';
}
