import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log.js';
import type { JobTracker } from './job-tracker.js';
import { TERMINAL, type JobJson, type JobStatus, type JobViews } from './job-view.js';

/** One SSE frame of a job's stream: `id:`, `event:` and the JSON `data:`. */
export interface JobFrame {
  readonly id: string;
  readonly event: 'status' | 'progress' | 'output';
  readonly data: Record<string, unknown>;
}

export interface JobSubscription {
  /** What to send first: the frames missed since Last-Event-ID, or a snapshot of the job now. */
  readonly frames: readonly JobFrame[];
  close(): void;
}

/**
 * Where GET /api/v2/jobs/{id}/events gets its frames. Today: frames derived from the queue's
 * live events and the job's stored state, numbered per process (see createLiveJobEvents). The
 * durable event log (src/events/) can implement this interface instead; the route stays as is.
 * Undefined when the job does not exist.
 */
export interface JobEventSource {
  open(jobId: string, lastEventId: string | null, listener: (frame: JobFrame) => void): Promise<JobSubscription | undefined>;
  close(): void;
}

export const isTerminalFrame = (frame: JobFrame): boolean => frame.event === 'status' && TERMINAL.has(frame.data.status as JobStatus);

interface JobLog {
  seq: number;
  readonly frames: JobFrame[];
  readonly listeners: Set<(frame: JobFrame) => void>;
  last: { status: string; queuePosition: number | null; progress: string | null; outputs: Set<string> } | null;
  /** Refreshes of one job run one at a time, so frames keep the order of the states they show. */
  chain: Promise<unknown>;
}

/** Logs of jobs kept for replay; the oldest finished ones go first. */
const MAX_LOGS = 1000;
const MAX_FRAMES_PER_JOB = 500;

/**
 * Frames from snapshots: every change the tracker reports makes the job's view be read again and
 * compared with what its log said last, and the difference becomes frames (status, progress,
 * output) with ids `<process epoch>-<n>`. A Last-Event-ID of this process resumes exactly after
 * that frame; any other (an earlier process, a log dropped from memory) gets the current
 * snapshot, which is complete by the contract's design (status, progress, outputs, and the final
 * status when the job has ended).
 */
export function createLiveJobEvents(deps: { tracker: JobTracker; views: JobViews; logger: Logger }): JobEventSource {
  const { views, logger } = deps;
  const epoch = randomUUID().slice(0, 8);
  const logs = new Map<string, JobLog>();

  const logOf = (id: string): JobLog => {
    let log = logs.get(id);
    if (log === undefined) {
      log = { seq: 0, frames: [], listeners: new Set(), last: null, chain: Promise.resolve() };
      logs.set(id, log);
      if (logs.size > MAX_LOGS) {
        for (const [other, candidate] of logs) {
          if (candidate.listeners.size === 0 && (candidate.last === null || TERMINAL.has(candidate.last.status as JobStatus))) {
            logs.delete(other);
            break;
          }
        }
      }
    }
    return log;
  };

  const serially = <T>(log: JobLog, step: () => Promise<T>): Promise<T> => {
    const next = log.chain.then(step);
    log.chain = next.catch(() => undefined);
    return next;
  };

  /** Frames saying how `job` differs from what the log said last (everything, the first time). */
  const diff = (log: JobLog, job: JobJson): Omit<JobFrame, 'id'>[] => {
    const frames: Omit<JobFrame, 'id'>[] = [];
    const last = log.last;
    const progress = job.progress === null ? null : JSON.stringify(job.progress);
    // A job that started and ended between two reads (a short one, a slow store) still passes
    // through running on the stream: clients follow queued -> running -> end, as the job did.
    if (last?.status === 'queued' && TERMINAL.has(job.status) && job.started_at !== null) {
      frames.push({ event: 'status', data: { status: 'running', queue_position: null } });
    }
    if (progress !== null && progress !== last?.progress) frames.push({ event: 'progress', data: { ...job.progress } });
    const seen = new Set(last?.outputs ?? []);
    for (const output of job.outputs) if (!seen.has(output.id)) frames.push({ event: 'output', data: { ...output } });
    if (job.status !== last?.status || job.queue_position !== last.queuePosition) {
      const terminal = TERMINAL.has(job.status);
      frames.push({
        event: 'status',
        data: { status: job.status, queue_position: job.queue_position, ...(terminal && { outputs: job.outputs, error: job.error }) },
      });
    }
    log.last = { status: job.status, queuePosition: job.queue_position, progress, outputs: new Set(job.outputs.map((o) => o.id)) };
    return frames;
  };

  const append = (log: JobLog, frame: Omit<JobFrame, 'id'>): JobFrame => {
    log.seq += 1;
    const numbered = { id: `${epoch}-${log.seq}`, ...frame };
    log.frames.push(numbered);
    if (log.frames.length > MAX_FRAMES_PER_JOB) log.frames.shift();
    return numbered;
  };

  const refresh = (id: string): void => {
    const log = logOf(id);
    void serially(log, async () => {
      if (log.last !== null && TERMINAL.has(log.last.status as JobStatus)) return;
      const job = await views.view(id);
      if (job === undefined) return;
      for (const frame of diff(log, job)) {
        const numbered = append(log, frame);
        for (const listener of log.listeners) listener(numbered);
      }
    }).catch((err: unknown) => logger.warn({ err, jobId: id }, 'could not update a job event stream'));
  };

  const stopListening = deps.tracker.listen((promptId) => {
    // Only jobs someone streamed (and may resume) are followed: reading a job mints and hashes
    // its outputs, which plain /prompt users should not pay for.
    if (promptId !== null) {
      if (logs.has(promptId)) refresh(promptId);
      return;
    }
    // The queue moved: positions of waiting jobs changed, or one was cancelled before it ran.
    for (const [id, log] of logs) if (log.listeners.size > 0 || (log.last !== null && !TERMINAL.has(log.last.status as JobStatus))) refresh(id);
  });

  /** The frames after `lastEventId` when this process's log still holds them all. */
  const replayable = (log: JobLog, lastEventId: string | null): JobFrame[] | undefined => {
    const match = lastEventId === null ? null : /^([0-9a-f]{8})-(\d+)$/.exec(lastEventId);
    if (match === null || match[1] !== epoch) return undefined;
    const after = Number(match[2]);
    const first = log.frames[0];
    if (after > log.seq || (first !== undefined && Number(first.id.split('-')[1]) > after + 1)) return undefined;
    return log.frames.filter((frame) => Number(frame.id.split('-')[1]) > after);
  };

  return {
    open: async (jobId, lastEventId, listener) => {
      const log = logOf(jobId);
      return serially(log, async () => {
        const replay = replayable(log, lastEventId);
        let frames: JobFrame[];
        if (replay !== undefined) frames = replay;
        else {
          const job = await views.view(jobId);
          if (job === undefined) {
            if (log.listeners.size === 0 && log.seq === 0) logs.delete(jobId);
            return undefined;
          }
          // Bring the log up to date first, so the snapshot's id is the newest frame's.
          for (const frame of diff(log, job)) {
            const numbered = append(log, frame);
            for (const other of log.listeners) other(numbered);
          }
          const id = `${epoch}-${log.seq}`;
          const snapshot: Omit<JobFrame, 'id'>[] = [];
          if (job.progress !== null) snapshot.push({ event: 'progress', data: { ...job.progress } });
          for (const output of job.outputs) snapshot.push({ event: 'output', data: { ...output } });
          const terminal = TERMINAL.has(job.status);
          snapshot.push({
            event: 'status',
            data: { status: job.status, queue_position: job.queue_position, ...(terminal && { outputs: job.outputs, error: job.error }) },
          });
          frames = snapshot.map((frame) => ({ id, ...frame }));
        }
        log.listeners.add(listener);
        return { frames, close: () => log.listeners.delete(listener) };
      });
    },
    close: () => {
      stopListening();
    },
  };
}
