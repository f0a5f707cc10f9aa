import { invalidField, invalidFields, isAppError, type FieldProblem } from '../../errors.js';
import type { ScheduleTarget } from '../../store/index.js';
import { idempotentRequest } from '../idempotency.js';
import type { RunService } from '../runs.js';
import type { SweepService } from '../sweeps.js';
import type { FireResult } from './scheduler.js';

/** App runs and sweeps as schedule targets, and the check a schedule's target gets when it is made. */
export interface AutomationTargets {
  app(appId: string, inputs: Readonly<Record<string, unknown>>, key: string): Promise<FireResult>;
  sweep(body: Readonly<Record<string, unknown>>, key: string): Promise<FireResult>;
  /** 400 naming the field when the target could not fire as given (unknown app, bad inputs or axes); stores nothing. */
  check(target: ScheduleTarget): Promise<void>;
}

/**
 * A slot's key is the Idempotency-Key of the run or sweep it creates, in the same scope as the
 * HTTP route's: a re-submitted slot (a restart after the claim) gets the first answer back, the
 * same run, rather than a second one.
 */
export function automationTargets(deps: { runs: Pick<RunService, 'create' | 'check'>; sweeps: Pick<SweepService, 'create' | 'check'> }): AutomationTargets {
  const created = (answer: { status: number; body: Readonly<Record<string, unknown>> }): string => {
    if (typeof answer.body.id !== 'string') throw new Error(`the target answered ${answer.status} without an id`);
    return answer.body.id;
  };
  return {
    app: async (appId, inputs, key) => {
      const body = { inputs };
      const answer = await deps.runs.create(appId, body, idempotentRequest(key, `POST /automa/apps/${appId}/runs`, body));
      return { kind: 'run', id: created(answer) };
    },
    sweep: async (target, key) => {
      const { appId, body } = sweepParts(target);
      const answer = await deps.sweeps.create(appId, body, idempotentRequest(key, `POST /automa/apps/${appId}/sweeps`, body));
      return { kind: 'sweep', id: created(answer) };
    },
    check: async (target) => {
      if (target.kind === 'app') await fieldsUnder('', () => deps.runs.check(target.app, { inputs: target.inputs }), 'app');
      if (target.kind === 'sweep') {
        const { appId, body } = sweepParts(target.sweep);
        await fieldsUnder('sweep.', () => deps.sweeps.check(appId, body), 'sweep.app');
      }
    },
  };
}

/** `{app, …the body of POST /automa/apps/{app}/sweeps}`. */
function sweepParts(target: Readonly<Record<string, unknown>>): { appId: string; body: Record<string, unknown> } {
  const { app, ...body } = target;
  if (typeof app !== 'string' || app === '') throw invalidField('sweep.app', 'must be the id of the app to sweep');
  return { appId: app, body };
}

/** A 404 for the app becomes a 400 on `appField`; field problems get `prefix` so they name the schedule body's fields. */
async function fieldsUnder(prefix: string, check: () => Promise<void>, appField: string): Promise<void> {
  try {
    await check();
  } catch (err) {
    if (isAppError(err) && err.status === 404) throw invalidField(appField, 'no app has this id');
    throw prefix === '' ? err : prefixed(err, prefix);
  }
}

/** The same error with every field it names under `prefix` (`axes.0` → `sweep.axes.0`). */
function prefixed(err: unknown, prefix: string): unknown {
  if (!isAppError(err) || err.status !== 400) return err;
  const fields = err.extra.fields as readonly FieldProblem[] | undefined;
  if (Array.isArray(fields)) return invalidFields(err.message, fields.map((f) => ({ field: `${prefix}${f.field}`, reason: f.reason })));
  if (typeof err.extra.field === 'string' && typeof err.extra.reason === 'string') return invalidField(`${prefix}${err.extra.field}`, err.extra.reason);
  return err;
}
