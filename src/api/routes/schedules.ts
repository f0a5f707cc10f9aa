import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { newSchedule, slotsOf, type AvailableTargets, type Scheduler } from '../../automation/schedules/index.js';
import { notFound } from '../../errors.js';
import { refuseUnknownFields } from '../known-fields.js';
import { docs, json } from '../../route-docs.js';
import { ScheduleListSchema, ScheduleSchema } from '../schemas/events.js';
import { MISSED_POLICIES, type ScheduleFire, type ScheduleRecord, type ScheduleStore, type ScheduleTarget } from '../../store/index.js';

export interface ScheduleRouteDeps {
  readonly store: ScheduleStore;
  readonly scheduler: Scheduler;
  readonly available: AvailableTargets;
  /** Checks an app or sweep target against its app when the schedule is made (400 naming the field). */
  readonly checkTarget?: (target: ScheduleTarget) => Promise<void>;
  /** The scheduler's clock: slots are computed from the same "now" it fires by. */
  readonly now?: () => number;
}

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const AnyObject = Type.Record(Type.String(), Type.Unknown());
const CreateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 200 })),
    app: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    inputs: Type.Optional(AnyObject),
    sweep: Type.Optional(AnyObject),
    prompt: Type.Optional(AnyObject),
    extra_data: Type.Optional(AnyObject),
    cron: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    at: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    missed: Type.Optional(Type.Union(MISSED_POLICIES.map((p) => Type.Literal(p)))),
    paused: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
const PatchBody = Type.Object({ paused: Type.Boolean() }, { additionalProperties: false });

const NO_SCHEDULE = 'No schedule with this id';
const create = docs('schedules', 'Schedule a prompt: on a cron pattern, or once at a time', {
  description: 'Give `prompt` (and `extra_data`) with `cron` (and `timezone`) or `at`; `missed` says what happens to slots missed while the service was down.',
  body: CreateBody,
  responses: { 201: json(ScheduleSchema, 'Created; Location names it'), 400: 'A field is missing, unknown or not allowed (the cron pattern, the time zone, the target)' },
});
const list = docs('schedules', 'List the schedules, with the next slot of each', { responses: { 200: ScheduleListSchema } });
const getOne = docs('schedules', 'One schedule: its next slots and what past ones produced', { params: IdParams, responses: { 200: ScheduleSchema, 400: 'The id is too long', 404: NO_SCHEDULE } });
const pause = docs('schedules', 'Pause or resume a schedule', {
  description: 'Resuming starts at the next slot from now: slots that passed while paused are not missed ones.',
  params: IdParams,
  body: PatchBody,
  responses: { 200: ScheduleSchema, 400: 'The body is not {"paused": true|false}', 404: NO_SCHEDULE },
});
const remove = docs('schedules', 'Delete a schedule', { params: IdParams, responses: { 204: 'Deleted', 400: 'The id is too long', 404: NO_SCHEDULE } });

const UPCOMING = 5;
const FIRES_SHOWN = 20;

/** `/automa/schedules`: make, list, pause/resume and remove schedules; GET shows the next slots and what past ones produced. */
export function registerScheduleRoutes(app: FastifyInstance, deps: ScheduleRouteDeps): void {
  const { store, scheduler } = deps;
  const clock = deps.now ?? Date.now;
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const detail = async (schedule: ScheduleRecord): Promise<Record<string, unknown>> => ({
    ...scheduleView(schedule),
    next_fire_times: schedule.paused ? [] : upcoming(schedule),
    fires: (await store.fires(schedule.id, FIRES_SHOWN)).map(fireView),
  });

  routes.post('/automa/schedules', { schema: create, preValidation: refuseUnknownFields(CreateBody) }, async (request, reply) => {
    const now = clock();
    const made = newSchedule(request.body, deps.available, now);
    await deps.checkTarget?.(made.target);
    const schedule = await store.create(made, now);
    scheduler.changed();
    return reply.code(201).header('location', `/automa/schedules/${schedule.id}`).send(await detail(schedule));
  });
  routes.get('/automa/schedules', { schema: list }, async () => ({
    schedules: (await store.list()).map((s) => ({ ...scheduleView(s), next_fire_times: s.paused ? [] : upcoming(s).slice(0, 1) })),
  }));
  routes.get('/automa/schedules/:id', { schema: getOne }, async (request) => {
    const schedule = await store.get(request.params.id);
    if (schedule === undefined) throw notFound('Schedule', request.params.id);
    return detail(schedule);
  });
  routes.patch('/automa/schedules/:id', { schema: pause, preValidation: refuseUnknownFields(PatchBody) }, async (request) => {
    const schedule = await store.get(request.params.id);
    if (schedule === undefined) throw notFound('Schedule', request.params.id);
    const now = clock();
    // Resuming starts at the next slot from now: slots that passed while paused are not "missed".
    const nextTime = request.body.paused ? schedule.nextTime : slotsOf(schedule).after(now);
    const updated = await store.setPaused(schedule.id, request.body.paused, nextTime, now);
    if (updated === undefined) throw notFound('Schedule', request.params.id);
    scheduler.changed();
    return detail(updated);
  });
  routes.delete('/automa/schedules/:id', { schema: remove }, async (request, reply) => {
    if (!(await store.remove(request.params.id))) throw notFound('Schedule', request.params.id);
    scheduler.changed();
    return reply.code(204).send();
  });
}

/** Where what a slot produced is shown. */
const RESULT_LINKS: Readonly<Record<string, (id: string) => string>> = {
  prompt: (id) => `/api/jobs/${id}`,
  run: (id) => `/automa/runs/${id}`,
  sweep: (id) => `/automa/sweeps/${id}`,
};

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function upcoming(schedule: ScheduleRecord): string[] {
  if (schedule.nextTime === null) return [];
  return [schedule.nextTime, ...slotsOf(schedule).upcoming(schedule.nextTime, UPCOMING - 1)].map((t) => new Date(t).toISOString());
}

function scheduleView(s: ScheduleRecord): Record<string, unknown> {
  const target =
    s.target.kind === 'prompt' ? { prompt: s.target.prompt.prompt, ...(s.target.prompt.extra_data !== undefined && { extra_data: s.target.prompt.extra_data }) }
    : s.target.kind === 'app' ? { app: s.target.app, inputs: s.target.inputs }
    : { sweep: s.target.sweep };
  return {
    id: s.id,
    name: s.name,
    ...target,
    cron: s.cron,
    at: iso(s.at),
    timezone: s.timezone,
    missed: s.missed,
    paused: s.paused,
    status: s.paused ? 'paused' : s.nextTime === null ? 'done' : 'active',
    create_time: iso(s.createTime),
    update_time: iso(s.updateTime),
  };
}

function fireView(f: ScheduleFire): Record<string, unknown> {
  return {
    slot_time: iso(f.slotTime),
    fire_time: iso(f.fireTime),
    status: f.status,
    ...(f.result !== null && { [f.result.kind === 'prompt' ? 'prompt_id' : `${f.result.kind}_id`]: f.result.id }),
    ...(f.result !== null && { link: RESULT_LINKS[f.result.kind]?.(f.result.id) ?? null }),
    error: f.error,
  };
}
