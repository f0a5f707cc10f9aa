/**
 * The gallery reads history a page at a time, only the pages the visible rows need, so a
 * history of 100,000 jobs costs a few requests and a few hundred summaries in memory.
 */
import { keepPreviousData, useQueries, useQuery } from '@tanstack/react-query';
import type { JobStatus, JobSummary } from '@contract';
import { api } from '../../api/client';

export const PAGE_SIZE = 120;

export type StatusFilter = 'all' | 'completed' | 'failed' | 'cancelled';
export type SortChoice = 'newest' | 'oldest' | 'longest';

export interface GalleryFilter {
  readonly status: StatusFilter;
  readonly sort: SortChoice;
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
  return {
    queryKey: ['jobs', 'gallery', filter.status, filter.sort, page],
    queryFn: ({ signal }: { signal: AbortSignal }) => api.jobs({ statuses: statusesFor(filter.status), ...sortFor(filter.sort), offset: page * PAGE_SIZE, limit: PAGE_SIZE }, signal),
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
