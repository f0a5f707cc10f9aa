/** TanStack Query hooks over the API client: one query key per resource, shared by the pages. */
import { useQuery } from '@tanstack/react-query';
import type { JobStatus } from '@contract';
import { api } from './client';

/** The pool, polled: a backend going down or up shows within ~2 s even without WS events. */
export function useBackends() {
  return useQuery({ queryKey: ['backends'], queryFn: ({ signal }) => api.backends(signal), refetchInterval: 2_000 });
}

/** /queue; refreshed by the live connection on every status change, and polled as a backstop. */
export function useQueue() {
  return useQuery({ queryKey: ['queue'], queryFn: ({ signal }) => api.queue(signal), refetchInterval: 5_000 });
}

/** The latest jobs of some statuses (recent failures on the overview). */
export function useRecentJobs(statuses: readonly JobStatus[], limit: number) {
  return useQuery({
    queryKey: ['jobs', 'recent', statuses.join(','), limit],
    queryFn: ({ signal }) => api.jobs({ statuses, order: 'desc', sortBy: 'created_at', offset: 0, limit }, signal),
  });
}

/** One job in full. */
export function useJob(id: string | undefined) {
  return useQuery({ queryKey: ['jobs', 'detail', id], queryFn: ({ signal }) => api.job(id ?? '', signal), enabled: id !== undefined });
}

/** Webhook endpoints; a paused one shows within seconds. */
export function useWebhooks() {
  return useQuery({ queryKey: ['webhooks'], queryFn: ({ signal }) => api.webhooks(signal), refetchInterval: 5_000 });
}

/** One endpoint's delivery log with its attempts, polled while it is on screen (deliveries are not events). */
export function useDeliveryLog(id: string) {
  return useQuery({
    queryKey: ['webhooks', id, 'log'],
    queryFn: async ({ signal }) => {
      const [deliveries, attempts] = await Promise.all([api.deliveries(id, signal), api.attempts(id, signal)]);
      return { deliveries: deliveries.deliveries, attempts: attempts.attempts };
    },
    refetchInterval: 2_000,
  });
}

/** Schedules with their next fire time. */
export function useSchedules() {
  return useQuery({ queryKey: ['schedules'], queryFn: ({ signal }) => api.schedules(signal), refetchInterval: 10_000 });
}

/** One schedule: its next five slots and what the last ones produced. */
export function useSchedule(id: string) {
  return useQuery({ queryKey: ['schedules', id], queryFn: ({ signal }) => api.schedule(id, signal), refetchInterval: 5_000 });
}

/** Imported apps, newest first. */
export function useApps() {
  return useQuery({ queryKey: ['apps'], queryFn: ({ signal }) => api.apps(signal) });
}

/** One app with its inputs typed against the pool as it is now. */
export function useApp(id: string | undefined) {
  return useQuery({ queryKey: ['apps', id], queryFn: ({ signal }) => api.app(id ?? '', signal), enabled: id !== undefined });
}

const ACTIVE = new Set(['queued', 'running']);

/** An app's latest runs; polled while one of them is still queued or running. */
export function useAppRuns(appId: string) {
  return useQuery({
    queryKey: ['runs', appId],
    queryFn: ({ signal }) => api.runs(appId, 12, signal),
    refetchInterval: (query) => (query.state.data?.items.some((run) => ACTIVE.has(run.status)) === true ? 1_000 : false),
  });
}

/** Sweeps, newest first. */
export function useSweeps() {
  return useQuery({ queryKey: ['sweeps'], queryFn: ({ signal }) => api.sweeps(signal), refetchInterval: 5_000 });
}

/** One sweep with its cells; polled until every cell has finished. */
export function useSweep(id: string | undefined) {
  return useQuery({
    queryKey: ['sweeps', id],
    queryFn: ({ signal }) => api.sweep(id ?? '', signal),
    enabled: id !== undefined,
    refetchInterval: (query) => {
      const status = query.state.data?.status;
      return status === 'finished' || status === 'cancelled' ? false : 1_000;
    },
  });
}
