import { Button, Group, SegmentedControl, Select, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { IconSearch, IconX } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useApps, useBackends } from '../../api/queries';
import { useI18n } from '../../i18n/i18n';
import { NO_FILTER, type GalleryFilter, type SortChoice, type StatusFilter } from './job-pages';

/** The order of the grid (not a filter: it stays when the filters are cleared). */
export function GallerySort({ filter, onChange }: { filter: GalleryFilter; onChange: (filter: GalleryFilter) => void }) {
  const { t } = useI18n();
  return (
    <Select
      aria-label={t('gallery.sort')}
      w={170}
      value={filter.sort}
      allowDeselect={false}
      onChange={(value) => onChange({ ...filter, sort: (value ?? 'newest') as SortChoice })}
      data={[
        { value: 'newest', label: t('gallery.newest') },
        { value: 'oldest', label: t('gallery.oldest') },
        { value: 'longest', label: t('gallery.longest') },
      ]}
    />
  );
}

/** Whether any filter narrows the history (the order is not a filter). */
export function isFiltered(filter: GalleryFilter): boolean {
  return filter.status !== 'all' || filter.app !== null || filter.backend !== null || filter.from !== '' || filter.to !== '' || filter.text.trim() !== '';
}

/** The gallery's filters; each one is a parameter of GET /api/jobs, so the server does the filtering. */
export function GalleryFilters({ filter, onChange }: { filter: GalleryFilter; onChange: (filter: GalleryFilter) => void }) {
  const { t } = useI18n();
  const apps = useApps();
  const backends = useBackends();
  // The text goes to the server once typing pauses, not on every key.
  const [text, setText] = useState(filter.text);
  const [settled] = useDebouncedValue(text, 300);
  // Only a settled change of the text applies it (other changes of the filter come through onChange).
  useEffect(() => {
    if (settled !== filter.text) onChange({ ...filter, text: settled });
  }, [settled]);
  // Cleared from outside (Clear filters): the box follows.
  useEffect(() => setText(filter.text), [filter.text]);

  const appOptions = (apps.data?.items ?? []).map((app) => ({ value: app.id, label: app.name }));
  const backendOptions = (backends.data?.backends ?? []).map((backend) => backend.name);
  // A backend or app that left still shows while it is chosen.
  if (filter.backend !== null && !backendOptions.includes(filter.backend)) backendOptions.push(filter.backend);
  if (filter.app !== null && !appOptions.some((o) => o.value === filter.app)) appOptions.push({ value: filter.app, label: filter.app });

  return (
    <Group gap="xs" align="flex-end" role="search" aria-label={t('gallery.filters')} data-testid="gallery-filters">
      <SegmentedControl
        aria-label={t('gallery.status')}
        value={filter.status}
        onChange={(value) => onChange({ ...filter, status: value as StatusFilter })}
        data={[
          { value: 'all', label: t('gallery.all') },
          { value: 'completed', label: t('status.completed') },
          { value: 'failed', label: t('status.failed') },
          { value: 'cancelled', label: t('status.cancelled') },
        ]}
      />
      <TextInput
        aria-label={t('gallery.search')}
        placeholder={t('gallery.searchPlaceholder')}
        leftSection={<IconSearch size={14} />}
        w={230}
        value={text}
        onChange={(event) => setText(event.currentTarget.value)}
      />
      <Select aria-label={t('gallery.filterApp')} placeholder={t('gallery.anyApp')} w={160} searchable clearable data={appOptions} value={filter.app} onChange={(value) => onChange({ ...filter, app: value })} />
      <Select aria-label={t('gallery.filterBackend')} placeholder={t('gallery.anyBackend')} w={150} clearable data={backendOptions} value={filter.backend} onChange={(value) => onChange({ ...filter, backend: value })} />
      <Group gap={4} wrap="nowrap">
        <TextInput type="date" aria-label={t('gallery.from')} w={150} value={filter.from} max={filter.to || undefined} onChange={(event) => onChange({ ...filter, from: event.currentTarget.value })} />
        <Text c="dimmed" aria-hidden>
          –
        </Text>
        <TextInput type="date" aria-label={t('gallery.to')} w={150} value={filter.to} min={filter.from || undefined} onChange={(event) => onChange({ ...filter, to: event.currentTarget.value })} />
      </Group>
      {isFiltered(filter) && (
        <Button variant="subtle" leftSection={<IconX size={14} />} onClick={() => onChange({ ...NO_FILTER, sort: filter.sort })}>
          {t('gallery.clearFilters')}
        </Button>
      )}
    </Group>
  );
}
