/**
 * The gallery reads history a page at a time, only the pages the visible rows need, so a
 * history of 100,000 jobs costs a few requests and a few hundred summaries in memory.
 */
import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import type { JobStatus, JobSummary } from '@contract';
import { api, type JobsQuery } from '../../api/client';

export const PAGE_SIZE = 120;

export type StatusFilter = 'all' | 'completed' | 'failed' | 'cancelled';
export type SortChoice = 'newest' | 'oldest' | 'longest';

export interface GalleryFilter {
  readonly status: StatusFilter;
  readonly sort: SortChoice;
  /** An app's id: only jobs its runs made. */
  readonly app: string | null;
  readonly backend: string | null;
  /** Local calendar days (`YYYY-MM-DD`, as `<input type="date">` gives them), both included; '' for open. */
  readonly from: string;
  readonly to: string;
  /** Text in the jobs' input values; '' for any. */
  readonly text: string;
}

export const NO_FILTER: GalleryFilter = { status: 'all', sort: 'newest', app: null, backend: null, from: '', to: '', text: '' };

/** Midnight at the start of a local calendar day `YYYY-MM-DD`, `days` later; undefined for ''. */
export function dayStart(day: string, days = 0): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + days).getTime();
}

/** The /api/jobs query for one page of the gallery: all the filtering happens on the server. */
export function jobsQueryFor(filter: GalleryFilter, page: number): JobsQuery {
  const createdFrom = dayStart(filter.from);
  const createdBefore = dayStart(filter.to, 1);
  const text = filter.text.trim();
  return {
    statuses: statusesFor(filter.status),
    ...sortFor(filter.sort),
    offset: page * PAGE_SIZE,
    limit: PAGE_SIZE,
    ...(filter.app !== null && { appId: filter.app }),
    ...(filter.backend !== null && { backend: filter.backend }),
    ...(createdFrom !== undefined && { createdFrom }),
    ...(createdBefore !== undefined && { createdBefore }),
    ...(text !== '' && { text }),
  };
}

/** Statuses of finished jobs: the gallery is history, not the queue. */
export function statusesFor(filter: StatusFilter): JobStatus[] {
  return filter === 'all' ? ['completed', 'failed', 'cancelled'] : [filter];
}

export function sortFor(choice: SortChoice): { order: 'asc' | 'desc'; sortBy: 'created_at' | 'execution_duration' } {
  if (choice === 'oldest') return { order: 'asc', sortBy: 'created_at' };
  if (choice === 'longest') return { order: 'desc', sortBy: 'execution_duration' };
  return { order: 'desc', sortBy: 'created_at' };
}

/** The pages that hold items first..last (inclusive), in order. */
export function pagesFor(first: number, last: number, pageSize = PAGE_SIZE): number[] {
  if (last < first || last < 0) return [];
  const pages: number[] = [];
  for (let page = Math.floor(Math.max(0, first) / pageSize); page <= Math.floor(last / pageSize); page++) pages.push(page);
  return pages;
}

function pageQuery(filter: GalleryFilter, page: number) {
  const query = jobsQueryFor(filter, page);
  return {
    queryKey: ['jobs', 'gallery', query],
    queryFn: ({ signal }: { signal: AbortSignal }) => api.jobs(query, signal),
    staleTime: 10_000,
  };
}

export interface JobPages {
  /** null until the first page has answered. */
  readonly total: number | null;
  readonly isPending: boolean;
  readonly error: Error | null;
  refetch(): void;
  /** The job at an index, when its page has arrived. */
  jobAt(index: number): JobSummary | undefined;
}

/** History in pages; `visible` is the index range the grid shows now. */
export function useJobPages(filter: GalleryFilter, visible: { first: number; last: number }): JobPages {
  // Page 0 also gives the total that sizes the grid; it is kept while a new filter loads.
  const head = useQuery({ ...pageQuery(filter, 0), placeholderData: keepPreviousData });
  const pages = pagesFor(visible.first, visible.last).filter((page) => page !== 0);
  const rest = useQueries({ queries: pages.map((page) => pageQuery(filter, page)) });
  const byPage = new Map<number, readonly JobSummary[]>();
  if (head.data) byPage.set(0, head.data.jobs);
  pages.forEach((page, i) => {
    const data = rest[i]?.data;
    if (data) byPage.set(page, data.jobs);
  });
  return {
    total: head.data?.pagination.total ?? null,
    isPending: head.isPending,
    error: head.error ?? rest.find((r) => r.error)?.error ?? null,
    refetch: () => void head.refetch(),
    jobAt: (index) => byPage.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE],
  };
}
