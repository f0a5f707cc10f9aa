import { ActionIcon, Badge, Button, Group, Stack, Table, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { IconListDetails, IconPlayerPause, IconPlayerPlay, IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { ScheduleView } from '@contract';
import { api } from '../../api/client';
import { useApps, useSchedules } from '../../api/queries';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { formatIso, formatRelative, shortId } from '../../components/format';
import { Section } from '../../components/section';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { targetSummary } from './schedule-body';
import { ScheduleCreateModal } from './schedule-create-modal';
import { ScheduleDetailPanel } from './schedule-detail';

// The selected row is marked by a bar, not a background: dimmed text on a tinted row fails contrast.
const SELECTED_ROW = { boxShadow: 'inset 3px 0 0 var(--mantine-primary-color-filled)' } as const;
export const SCHEDULE_STATUS_COLOR = { active: 'teal', paused: 'orange', done: 'gray' } as const;

/** Schedules: their next fire time, pause/resume, delete; the selected one's slots and what they produced below. */
export function SchedulesPanel({ selected, onSelect }: { selected: string | null; onSelect: (id: string | null) => void }) {
  const { t } = useI18n();
  const schedules = useSchedules();
  const [creating, setCreating] = useState(false);
  const [removing, setRemoving] = useState<ScheduleView | null>(null);
  const queryClient = useQueryClient();
  const label = (s: ScheduleView) => s.name ?? s.cron ?? s.at ?? s.id;

  return (
    <Stack gap="md">
      <Section
        title={t('schedules.title')}
        actions={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
            {t('schedules.new')}
          </Button>
        }
      >
        {schedules.isPending ? (
          <LoadingState />
        ) : schedules.isError ? (
          <ErrorState error={schedules.error} onRetry={() => void schedules.refetch()} />
        ) : schedules.data.schedules.length === 0 ? (
          <EmptyState title={t('schedules.empty')}>{t('schedules.emptyHint')}</EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('schedules.name')}</Table.Th>
                  <Table.Th>{t('schedules.target')}</Table.Th>
                  <Table.Th>{t('schedules.when')}</Table.Th>
                  <Table.Th>{t('schedules.next')}</Table.Th>
                  <Table.Th>{t('webhooks.status')}</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>{t('backends.actions')}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {schedules.data.schedules.map((schedule) => (
                  <ScheduleRow key={schedule.id} schedule={schedule} label={label(schedule)} selected={schedule.id === selected} onSelect={onSelect} onRemove={() => setRemoving(schedule)} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Section>
      {selected !== null && schedules.data?.schedules.some((s) => s.id === selected) === true && <ScheduleDetailPanel id={selected} onClose={() => onSelect(null)} />}
      <ScheduleCreateModal
        opened={creating}
        onClose={() => setCreating(false)}
        onCreated={(schedule) => {
          setCreating(false);
          onSelect(schedule.id);
        }}
      />
      <ConfirmDialog
        opened={removing !== null}
        title={t('schedules.removeTitle')}
        body={t('schedules.removeBody', { name: removing === null ? '' : label(removing) })}
        confirm={t('schedules.remove')}
        action={async () => {
          if (removing === null) return;
          // Close its panel first: a poll of something deleted would answer 404.
          if (removing.id === selected) onSelect(null);
          await api.deleteSchedule(removing.id);
          queryClient.removeQueries({ queryKey: ['schedules', removing.id] });
          await queryClient.invalidateQueries({ queryKey: ['schedules'], exact: true });
        }}
        onClose={() => setRemoving(null)}
      />
    </Stack>
  );
}

function ScheduleRow({ schedule, label, selected, onSelect, onRemove }: { schedule: ScheduleView; label: string; selected: boolean; onSelect: (id: string | null) => void; onRemove: () => void }) {
  const { t, language } = useI18n();
  const locale = language === 'zh' ? 'zh-CN' : 'en';
  const queryClient = useQueryClient();
  const pause = useMutation({
    mutationFn: (paused: boolean) => api.setSchedulePaused(schedule.id, paused),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['schedules'] }),
  });
  const apps = useApps();
  const target = targetSummary(schedule);
  const detail = target.kind === 'prompt' ? target.detail : (apps.data?.items.find((a) => a.id === target.detail)?.name ?? shortId(target.detail));
  const next = schedule.next_fire_times[0];
  const pauseLabel = schedule.paused ? t('schedules.resume') : t('schedules.pause');
  return (
    <Table.Tr data-testid="schedule-row" data-schedule-id={schedule.id} data-status={schedule.status} style={selected ? SELECTED_ROW : undefined}>
      <Table.Td>
        <Text size="sm" fw={500}>
          {label}
        </Text>
        {pause.error && (
          <Text size="xs" c="var(--mantine-color-error)" role="alert">
            {pause.error.message}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">{t(`schedules.target.${target.kind}`, { detail })}</Text>
      </Table.Td>
      <Table.Td>
        {schedule.cron !== null ? (
          <Text size="sm">
            <Text span ff="monospace" size="sm">
              {schedule.cron}
            </Text>{' '}
            <Text span size="xs" c="dimmed">
              {schedule.timezone}
            </Text>
          </Text>
        ) : (
          <Text size="sm">{t('schedules.onceAt', { time: formatIso(schedule.at, locale) })}</Text>
        )}
      </Table.Td>
      <Table.Td>
        {next === undefined ? (
          <Text size="xs" c="dimmed">
            —
          </Text>
        ) : (
          <Stack gap={0}>
            <Text size="sm" data-testid="schedule-next">
              {formatIso(next, locale)}
            </Text>
            <Text size="xs" c="dimmed">
              {formatRelative(Date.parse(next), Date.now(), locale)}
            </Text>
          </Stack>
        )}
      </Table.Td>
      <Table.Td>
        <Badge color={SCHEDULE_STATUS_COLOR[schedule.status]} data-testid="schedule-status">
          {t(`schedules.status.${schedule.status}`)}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap" justify="flex-end">
          <Tooltip label={pauseLabel}>
            <ActionIcon aria-label={`${pauseLabel} ${label}`} loading={pause.isPending} disabled={schedule.status === 'done'} onClick={() => pause.mutate(!schedule.paused)}>
              {schedule.paused ? <IconPlayerPlay size={16} /> : <IconPlayerPause size={16} />}
            </ActionIcon>
          </Tooltip>
          <Tooltip label={t('schedules.details')}>
            <ActionIcon variant={selected ? 'filled' : 'subtle'} aria-label={`${t('schedules.details')} ${label}`} aria-pressed={selected} onClick={() => onSelect(selected ? null : schedule.id)}>
              <IconListDetails size={16} />
            </ActionIcon>
          </Tooltip>
          <Tooltip label={t('schedules.remove')}>
            <ActionIcon color="red" aria-label={`${t('schedules.remove')} ${label}`} onClick={onRemove}>
              <IconTrash size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}
