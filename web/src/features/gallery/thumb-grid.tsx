/**
 * The history as a grid of thumbnails, virtualized by rows: only the rows on screen (plus a few)
 * exist in the DOM, and only their pages of jobs are fetched, so 100,000 entries scroll as
 * smoothly as 100. Each tile is a link to the job's detail (Tab and Enter work).
 */
import { Badge, Skeleton, Text } from '@mantine/core';
import { useElementSize, useMergedRef } from '@mantine/hooks';
import { IconAlertTriangle, IconBan, IconFile } from '@tabler/icons-react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import type { JobSummary } from '@contract';
import { viewUrl } from '../../api/client';
import { AuthImage } from '../../components/auth-image';
import { shortId } from '../../components/format';
import { useI18n } from '../../i18n/i18n';
import { thumbnailOf } from './outputs';

const TILE = 168;
const GAP = 8;

/** Columns that fit a width, at least one. */
export function columnsFor(width: number, tile = TILE, gap = GAP): number {
  return Math.max(1, Math.floor((width + gap) / (tile + gap)));
}

export interface ThumbGridProps {
  readonly total: number;
  readonly jobAt: (index: number) => JobSummary | undefined;
  /** Told which item indices are on screen, so their pages get fetched. */
  readonly onVisibleChange: (range: { first: number; last: number }) => void;
}

export function ThumbGrid({ total, jobAt, onVisibleChange }: ThumbGridProps) {
  const { t } = useI18n();
  const { ref: sizeRef, width } = useElementSize<HTMLDivElement>();
  const [scrollElement, setScrollElement] = useState<HTMLDivElement | null>(null);
  const ref = useMergedRef(sizeRef, setScrollElement);
  const columns = columnsFor(width || TILE);
  const rows = Math.ceil(total / columns);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollElement,
    estimateSize: () => TILE + GAP,
    overscan: 3,
  });
  const items = virtualizer.getVirtualItems();
  const firstRow = items[0]?.index ?? 0;
  const lastRow = items.at(-1)?.index ?? 0;
  // Pages are asked for where the scroll comes to rest: a drag of the scrollbar or an End key
  // across 100,000 jobs passes hundreds of pages that nobody looks at.
  const scrolling = virtualizer.isScrolling;
  useEffect(() => {
    if (scrolling) return;
    onVisibleChange({ first: firstRow * columns, last: Math.min(total - 1, (lastRow + 1) * columns - 1) });
  }, [firstRow, lastRow, columns, total, onVisibleChange, scrolling]);

  return (
    <div
      ref={ref}
      style={{ height: 'calc(100dvh - 190px)', minHeight: 320, overflowY: 'auto', contain: 'strict' }}
      data-testid="gallery-grid"
      role="region"
      aria-label={t('gallery.grid', { count: total })}
      tabIndex={0}
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {items.map((row) => (
          <div key={row.key} style={{ position: 'absolute', top: 0, left: 0, right: 0, height: TILE, transform: `translateY(${row.start}px)`, display: 'flex', gap: GAP }}>
            {Array.from({ length: columns }, (_, column) => {
              const index = row.index * columns + column;
              if (index >= total) return null;
              const job = jobAt(index);
              return job === undefined ? <Skeleton key={column} width={TILE} height={TILE} radius="sm" /> : <Tile key={job.id} job={job} />;
            })}
          </div>
        ))}
      </div>
    </div>
  );
}

function Tile({ job }: { job: JobSummary }) {
  const { t } = useI18n();
  const thumb = thumbnailOf(job);
  const label = t('gallery.tileLabel', { id: shortId(job.id), status: t(`status.${job.status}`) });
  return (
    <Link
      to={`/gallery/${job.id}`}
      aria-label={label}
      title={job.id}
      data-testid="gallery-tile"
      data-prompt-id={job.id}
      style={{
        width: TILE,
        height: TILE,
        position: 'relative',
        display: 'block',
        borderRadius: 4,
        overflow: 'hidden',
        background: 'var(--mantine-color-default)',
        border: '1px solid var(--mantine-color-default-border)',
      }}
    >
      {thumb !== null ? (
        <AuthImage src={viewUrl(thumb, { preview: true })} alt="" style={{ width: '100%', height: '100%', objectFit: 'cover', display: 'block' }} />
      ) : (
        <div style={{ display: 'flex', height: '100%', alignItems: 'center', justifyContent: 'center', flexDirection: 'column', gap: 4 }}>
          {job.status === 'failed' ? <IconAlertTriangle size={28} color="var(--mantine-color-red-5)" aria-hidden /> : job.status === 'cancelled' ? <IconBan size={28} aria-hidden /> : <IconFile size={28} aria-hidden />}
          <Text size="xs" c="dimmed" ff="monospace">
            {shortId(job.id)}
          </Text>
        </div>
      )}
      {job.status !== 'completed' && (
        <Badge color={job.status === 'failed' ? 'red' : 'gray'} variant="filled" style={{ position: 'absolute', top: 4, left: 4 }}>
          {t(`status.${job.status}`)}
        </Badge>
      )}
    </Link>
  );
}
