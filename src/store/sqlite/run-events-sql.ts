/**
 * Migration 7: runs and sweeps in the event log (issue #14 on top of #13's runs).
 *
 * A run's events are the run as `GET /automa/runs/{id}` shows it, which TypeScript builds (typed
 * outputs, their URLs, the error); so the triggers here only name the run that changed, through
 * `automa_run_changed(id)`, which store/sqlite/run-events.ts registers: it notes the id and, just
 * before that transaction commits, appends the run's event (and its sweep's) in it.
 */
export const RUN_EVENTS_SQL = `
  -- run.queued: the queue took the run's prompt (submitted 0 → 1 while queued; the prompt insert's
  -- own transaction, through automa_run_submitted). A retried cell is queued again this way.
  CREATE TRIGGER automa_run_event_queued AFTER UPDATE OF submitted ON automa_runs
    WHEN OLD.submitted = 0 AND NEW.submitted = 1 AND NEW.status = 'queued' BEGIN
    SELECT automa_run_changed(NEW.id);
  END;
  -- run.succeeded / run.failed / run.cancelled: whoever ended it (the prompt's triggers, a
  -- refused prompt, a cancel before submission). Back to queued (a retry) waits for submission.
  CREATE TRIGGER automa_run_event_ended AFTER UPDATE OF status ON automa_runs
    WHEN OLD.status IS NOT NEW.status AND NEW.status <> 'queued' BEGIN
    SELECT automa_run_changed(NEW.id);
  END;

  -- prompt.* is for prompts sent straight to /prompt: a workflow run's prompt speaks as run.*.
  -- RAISE(IGNORE) drops the one row and lets the statement (and its transaction) go on.
  CREATE TRIGGER automa_events_skip_run_prompts BEFORE INSERT ON automa_events
    WHEN NEW.type GLOB 'prompt.*' AND EXISTS (SELECT 1 FROM automa_runs WHERE prompt_id = NEW.subject) BEGIN
    SELECT RAISE(IGNORE);
  END;

  -- sweep.progress and sweep.completed count a sweep's runs by status in the ending transaction.
  CREATE INDEX automa_runs_sweep_status ON automa_runs (sweep_id, status) WHERE sweep_id IS NOT NULL;
`;
