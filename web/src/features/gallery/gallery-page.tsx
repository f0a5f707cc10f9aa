import { Group, Stack, Text, Title } from '@mantine/core';
import { useCallback, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { GalleryFilters, GallerySort, isFiltered } from './gallery-filters';
import { JobDetailDrawer } from './job-detail';
import { NO_FILTER, useJobPages, type GalleryFilter } from './job-pages';
import { ThumbGrid } from './thumb-grid';

/** History as a grid of output thumbnails; a job's detail opens over it at /gallery/:promptId. */
export function GalleryPage() {
  const { t } = useI18n();
  const { promptId } = useParams();
  const navigate = useNavigate();
  const [filter, setFilter] = useState<GalleryFilter>(NO_FILTER);
  const [visible, setVisible] = useState({ first: 0, last: 0 });
  const onVisibleChange = useCallback((range: { first: number; last: number }) => {
    setVisible((old) => (old.first === range.first && old.last === range.last ? old : range));
  }, []);
  const pages = useJobPages(filter, visible);

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end">
        <Title order={1}>{t('gallery.title')}</Title>
        <Group gap="sm" align="center">
          {pages.total !== null && (
            <Text size="xs" c="dimmed" data-testid="gallery-total">
              {t('gallery.count', { count: pages.total })}
            </Text>
          )}
          <GallerySort filter={filter} onChange={setFilter} />
        </Group>
      </Group>
      <GalleryFilters filter={filter} onChange={setFilter} />
      {pages.isPending ? (
        <LoadingState />
      ) : pages.error !== null && pages.total === null ? (
        <ErrorState error={pages.error} onRetry={pages.refetch} />
      ) : pages.total === 0 ? (
        isFiltered(filter) ? <EmptyState title={t('gallery.noMatch')}>{t('gallery.noMatchHint')}</EmptyState> : <EmptyState title={t('gallery.empty')}>{t('gallery.emptyHint')}</EmptyState>
      ) : (
        <ThumbGrid total={pages.total ?? 0} jobAt={pages.jobAt} onVisibleChange={onVisibleChange} />
      )}
      <JobDetailDrawer promptId={promptId} onClose={() => void navigate('/gallery')} />
    </Stack>
  );
}
