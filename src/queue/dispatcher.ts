import { stringifyExactJson } from '../json.js';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { PromptRecord, PromptStore } from '../store/index.js';
import type { BackendLink } from './backend-link.js';
import type { Finisher } from './finisher.js';
import type { PendingQueue } from './pending-queue.js';
import type { PromptFiles } from './ports.js';
import { modelFiles } from './models.js';
import { PromptRun } from './prompt-run.js';
import { isRecord } from '../values.js';

export interface Dispatcher {
  /** Fill free backend slots soon (coalesced: many calls in one tick cost one pass). */
  schedule(): void;
  /**
   * Take back a prompt a backend holds but has not started. The caller takes it out of
   * `link.inflight` first, in the same tick as it decides to (see Gateway.cancel): from then on a
   * submission still under way stops before it reaches the backend.
   */
  withdraw(link: BackendLink, run: PromptRun): Promise<void>;
  /** Ask the backend running it to interrupt it. */
  interruptRun(link: BackendLink, run: PromptRun): Promise<void>;
  /** Put a run back in our queue (its backend lost it or went away). */
  requeue(link: BackendLink, run: PromptRun): Promise<void>;
  /** While paused nothing new goes to a backend; what they already hold runs on. */
  setPaused(paused: boolean): void;
  stop(): void;
}

export interface DispatcherDeps {
  readonly store: PromptStore;
  readonly files: PromptFiles;
  readonly pending: PendingQueue;
  readonly links: readonly BackendLink[];
  readonly logger: Logger;
  readonly maxAttempts: number;
  readonly finisher: Finisher;
}

const RETRY_AFTER_FAILED_SUBMIT_MS = 1_000;

/**
 * Hands pending prompts to backends with free slots. Order is kept across the pool: prompts are
 * taken in run order, and each goes to a free backend that can run it, so a later prompt never
 * overtakes an earlier one that the same free backend could have taken.
 */
export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { store, pending, links, logger } = deps;
  let scheduled = false;
  let stopped = false;
  let paused = false;
  const pausedUntil = new Map<BackendLink, number>();
  const retryTimers = new Set<NodeJS.Timeout>();
  /** Submissions under way, so that withdrawing a prompt waits until its submission is settled. */
  const submitting = new Map<PromptRun, Promise<void>>();
  const lastSubmission = new WeakMap<BackendLink, Promise<void>>();

  const hasFreeSlot = (link: BackendLink, now: number): boolean =>
    link.freeSlots() > 0 && (pausedUntil.get(link) ?? 0) <= now;

  const pass = (): void => {
    scheduled = false;
    if (stopped || paused) return;
    const now = Date.now();
    const picks: [PromptRecord, BackendLink][] = [];
    const reserved = new Map<BackendLink, number>();
    const free = (link: BackendLink): boolean => hasFreeSlot(link, now) && link.freeSlots() > (reserved.get(link) ?? 0);
    for (const record of pending.values()) {
      const candidates = links.filter((link) => free(link) && link.canRun(record));
      if (candidates.length === 0) {
        if (!links.some(free)) break;
        continue;
      }
      const link = pickBackend(candidates, reserved, modelFiles(record.prompt));
      reserved.set(link, (reserved.get(link) ?? 0) + 1);
      picks.push([record, link]);
    }
    for (const [record, link] of picks) {
      pending.remove(record.id);
      const run = new PromptRun(record, link.ref.name, record.attempts + 1);
      link.inflight.set(record.id, run);
      // One backend's prompts reach it in our order (its own queue runs them in arrival order),
      // whatever each one's store round trip or input upload takes.
      const previous = lastSubmission.get(link) ?? Promise.resolve();
      const submission = previous
        .then(() => dispatch(link, run))
        .catch((err: unknown) => logger.error({ err, promptId: record.id, backend: link.ref.name }, 'dispatch failed'))
        .finally(() => submitting.delete(run));
      submitting.set(run, submission);
      lastSubmission.set(link, submission);
    }
  };

  const dispatch = async (link: BackendLink, run: PromptRun): Promise<void> => {
    const { record, attempt } = run;
    // Cancelled or deleted while we waited: it must not reach the backend.
    const withdrawn = (): boolean => link.inflight.get(record.id) !== run;
    if (attempt > deps.maxAttempts) {
      await deps.finisher.fail(link, run, {
        type: 'AttemptsExhausted',
        message: `Gave up after ${deps.maxAttempts} attempts: the backend lost the prompt each time`,
      });
      return;
    }
    try {
      // Still submitted in the store to a backend this gateway has no link to (found so at start-up,
      // or its requeue below failed): back to pending first, since only a pending prompt can be claimed.
      if (record.state === 'submitted') await store.requeue(record.id);
      if (!(await store.markSubmitted(record.id, link.ref.name, attempt))) {
        // No longer pending: cancelled or removed meanwhile, or another gateway sharing the store
        // claimed it. It is not ours to send; its slot is free again.
        if (!withdrawn()) link.inflight.delete(record.id);
        schedule();
        return;
      }
      if (withdrawn()) return;
      await deps.files.ensureInputsOnBackend(link.ref, record.prompt);
      if (withdrawn()) return;
      const response = await link.client.submitPrompt({
        prompt: record.prompt,
        prompt_id: record.id,
        client_id: link.clientId,
        extra_data: { ...record.extraData, client_id: link.clientId },
      });
      if (response.status === 200) return;
      if (response.status === 400) {
        await deps.finisher.fail(link, run, { type: 'PromptRejectedByBackend', message: rejectionMessage(response.body) });
        return;
      }
      throw new AppError(502, 'BACKEND_UNAVAILABLE', `POST /prompt answered ${response.status}`);
    } catch (err) {
      logger.warn({ err, promptId: record.id, backend: link.ref.name }, 'could not submit prompt; it stays queued');
      if (withdrawn()) return;
      link.inflight.delete(record.id);
      const requeued = await store.requeue(record.id).then(
        () => true,
        (e: unknown) => {
          logger.error({ err: e }, 'requeue failed');
          return false;
        },
      );
      // A submit that never reached the backend does not use up an attempt. Not requeued: the store
      // may still hold it as submitted, which the next dispatch undoes before claiming it.
      pending.add({ ...record, state: requeued ? 'pending' : 'submitted', backend: requeued ? null : link.ref.name });
      pausedUntil.set(link, Date.now() + RETRY_AFTER_FAILED_SUBMIT_MS);
      const timer = setTimeout(() => {
        retryTimers.delete(timer);
        schedule();
      }, RETRY_AFTER_FAILED_SUBMIT_MS);
      timer.unref();
      retryTimers.add(timer);
    }
  };

  const schedule = (): void => {
    if (scheduled || stopped) return;
    scheduled = true;
    queueMicrotask(pass);
  };

  return {
    schedule,
    withdraw: async (link, run) => {
      if (link.inflight.get(run.record.id) === run) link.inflight.delete(run.record.id);
      await submitting.get(run);
      // It may have started in the meantime: interrupting by id only touches it if it runs.
      await Promise.allSettled([link.client.deletePending([run.record.id]), link.client.interrupt(run.record.id)]);
      schedule();
    },
    interruptRun: async (link, run) => {
      run.interruptRequested = true;
      await link.client.interrupt(run.record.id);
    },
    requeue: async (link, run) => {
      if (link.inflight.get(run.record.id) !== run || run.finishing) return;
      link.inflight.delete(run.record.id);
      if (link.runningId === run.record.id) link.runningId = null;
      await store.requeue(run.record.id);
      pending.add({ ...run.record, attempts: run.attempt, state: 'pending', backend: null });
      schedule();
    },
    setPaused: (value) => {
      paused = value;
      if (!paused) schedule();
    },
    stop: () => {
      stopped = true;
      for (const timer of retryTimers) clearTimeout(timer);
    },
  };
}

/**
 * The least loaded candidate; among equally loaded ones, the one that last ran a prompt with the
 * same model files (ComfyUI keeps models in memory: no reload saves seconds per prompt).
 */
function pickBackend(candidates: readonly BackendLink[], reserved: ReadonlyMap<BackendLink, number>, models: readonly string[]): BackendLink {
  let best = candidates[0] as BackendLink;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const link of candidates) {
    const load = link.inflight.size + (reserved.get(link) ?? 0);
    const affinity = models.length > 0 && models.every((m) => link.recentModels.has(m)) ? 0.5 : 0;
    const score = load - affinity;
    if (score < bestScore) {
      best = link;
      bestScore = score;
    }
  }
  return best;
}

/** A one-line reason from ComfyUI's 400 body, for the execution_error the client sees. */
function rejectionMessage(body: unknown): string {
  if (isRecord(body) && isRecord(body.error) && typeof body.error.message === 'string') {
    const details = typeof body.error.details === 'string' && body.error.details !== '' ? `: ${body.error.details}` : '';
    return `Backend rejected the prompt: ${body.error.message}${details}${nodeErrorSummary(body.node_errors)}`.slice(0, 2000);
  }
  return `Backend rejected the prompt: ${stringifyExactJson(body).slice(0, 500)}`;
}

/**
 * The reasons ComfyUI gives per node ("image - Invalid image file: x.png"): without them
 * "Prompt outputs failed validation" does not tell the client what to fix.
 */
function nodeErrorSummary(nodeErrors: unknown): string {
  if (!isRecord(nodeErrors)) return '';
  const parts: string[] = [];
  for (const [id, node] of Object.entries(nodeErrors)) {
    if (!isRecord(node) || !Array.isArray(node.errors)) continue;
    const classType = typeof node.class_type === 'string' ? ` (${node.class_type})` : '';
    for (const error of node.errors) {
      if (!isRecord(error)) continue;
      const details = typeof error.details === 'string' && error.details !== '' ? `: ${error.details}` : '';
      parts.push(`node ${id}${classType}: ${String(error.message)}${details}`);
    }
  }
  return parts.length === 0 ? '' : `; ${parts.join('; ')}`;
}
