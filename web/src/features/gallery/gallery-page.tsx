import { Group, SegmentedControl, Select, Stack, Text, Title } from '@mantine/core';
import { useCallback, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { JobDetailDrawer } from './job-detail';
import { useJobPages, type GalleryFilter, type SortChoice, type StatusFilter } from './job-pages';
import { ThumbGrid } from './thumb-grid';

/** History as a grid of output thumbnails; a job's detail opens over it at /gallery/:promptId. */
export function GalleryPage() {
  const { t } = useI18n();
  const { promptId } = useParams();
  const navigate = useNavigate();
  const [filter, setFilter] = useState<GalleryFilter>({ status: 'all', sort: 'newest' });
  const [visible, setVisible] = useState({ first: 0, last: 0 });
  const onVisibleChange = useCallback((range: { first: number; last: number }) => {
    setVisible((old) => (old.first === range.first && old.last === range.last ? old : range));
  }, []);
  const pages = useJobPages(filter, visible);

  return (
    <Stack gap="sm">
      <Group justify="space-between" align="flex-end">
        <Title order={1}>{t('gallery.title')}</Title>
        <Group gap="xs">
          <SegmentedControl
            aria-label={t('gallery.status')}
            value={filter.status}
            onChange={(value) => setFilter({ ...filter, status: value as StatusFilter })}
            data={[
              { value: 'all', label: t('gallery.all') },
              { value: 'completed', label: t('status.completed') },
              { value: 'failed', label: t('status.failed') },
              { value: 'cancelled', label: t('status.cancelled') },
            ]}
          />
          <Select
            aria-label={t('gallery.sort')}
            w={150}
            value={filter.sort}
            allowDeselect={false}
            onChange={(value) => setFilter({ ...filter, sort: (value ?? 'newest') as SortChoice })}
            data={[
              { value: 'newest', label: t('gallery.newest') },
              { value: 'oldest', label: t('gallery.oldest') },
              { value: 'longest', label: t('gallery.longest') },
            ]}
          />
        </Group>
      </Group>
      {pages.total !== null && (
        <Text size="xs" c="dimmed" data-testid="gallery-total">
          {t('gallery.count', { count: pages.total })}
        </Text>
      )}
      {pages.isPending ? (
        <LoadingState />
      ) : pages.error !== null && pages.total === null ? (
        <ErrorState error={pages.error} onRetry={pages.refetch} />
      ) : pages.total === 0 ? (
        <EmptyState title={t('gallery.empty')}>{t('gallery.emptyHint')}</EmptyState>
      ) : (
        <ThumbGrid total={pages.total ?? 0} jobAt={pages.jobAt} onVisibleChange={onVisibleChange} />
      )}
      <JobDetailDrawer promptId={promptId} onClose={() => void navigate('/gallery')} />
    </Stack>
  );
}
