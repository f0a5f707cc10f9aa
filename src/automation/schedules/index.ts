/** Durable schedules that fire each slot once (cron with croner, or one instant). */
export { createScheduler, promptIdFor, slotsOf, systemClock, type Clock, type FireResult, type Scheduler, type ScheduleTargets } from './scheduler.js';
/** Validation of schedule bodies. */
export { newSchedule, type AvailableTargets, type ScheduleInput } from './create.js';
/** Workflow runs and sweeps as schedule targets (a slot's key is their Idempotency-Key). */
export { automationTargets, type AutomationTargets } from './targets.js';
