import { Anchor, Badge, Button, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link } from 'react-router';
import type { ScheduleFireView } from '@contract';
import { useSchedule } from '../../api/queries';
import { formatIso, formatRelative, shortId } from '../../components/format';
import { Section } from '../../components/section';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';

const FIRE_COLOR = { firing: 'blue', fired: 'teal', failed: 'red' } as const;

/** One schedule: its next five slots, and each past slot with what it produced (a link to the prompt) or why it failed. */
export function ScheduleDetailPanel({ id, onClose }: { id: string; onClose: () => void }) {
  const { t, language } = useI18n();
  const locale = language === 'zh' ? 'zh-CN' : 'en';
  const schedule = useSchedule(id);
  const queryClient = useQueryClient();
  const fired = schedule.data?.fires.length ?? 0;
  // A slot that fires changes the list's next time and status too.
  useEffect(() => {
    if (fired > 0) void queryClient.invalidateQueries({ queryKey: ['schedules'], exact: true });
  }, [fired, queryClient]);
  const title = schedule.data ? t('schedules.detailTitle', { name: schedule.data.name ?? shortId(schedule.data.id) }) : t('schedules.details');
  return (
    <Section
      title={title}
      actions={
        <Button variant="default" onClick={onClose}>
          {t('common.close')}
        </Button>
      }
    >
      {schedule.isPending ? (
        <LoadingState />
      ) : schedule.isError ? (
        <ErrorState error={schedule.error} onRetry={() => void schedule.refetch()} />
      ) : (
        <SimpleGrid cols={{ base: 1, md: 3 }} spacing="md" data-testid="schedule-detail">
          <Stack gap={6}>
            <Title order={3} fz="sm">
              {t('schedules.nextFires')}
            </Title>
            {schedule.data.next_fire_times.length === 0 ? (
              <Text size="sm" c="dimmed">
                {schedule.data.paused ? t('schedules.pausedNoFires') : t('schedules.noMoreFires')}
              </Text>
            ) : (
              schedule.data.next_fire_times.map((time) => (
                <Group key={time} gap="xs" data-testid="schedule-next-fire">
                  <Text size="sm">{formatIso(time, locale)}</Text>
                  <Text size="xs" c="dimmed">
                    {formatRelative(Date.parse(time), Date.now(), locale)}
                  </Text>
                </Group>
              ))
            )}
          </Stack>
          <Stack gap={6} style={{ gridColumn: 'span 2' }}>
            <Title order={3} fz="sm">
              {t('schedules.fires')}
            </Title>
            {schedule.data.fires.length === 0 ? (
              <EmptyState title={t('schedules.noFires')} />
            ) : (
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('schedules.slot')}</Table.Th>
                    <Table.Th>{t('webhooks.status')}</Table.Th>
                    <Table.Th>{t('schedules.produced')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {schedule.data.fires.map((fire) => (
                    <FireRow key={fire.slot_time} fire={fire} locale={locale} appId={'app' in schedule.data ? schedule.data.app : null} />
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Stack>
        </SimpleGrid>
      )}
    </Section>
  );
}

function FireRow({ fire, locale, appId }: { fire: ScheduleFireView; locale: string; appId: string | null }) {
  const { t } = useI18n();
  return (
    <Table.Tr data-testid="schedule-fire" data-status={fire.status}>
      <Table.Td>
        <Text size="sm">{formatIso(fire.slot_time, locale)}</Text>
      </Table.Td>
      <Table.Td>
        <Badge color={FIRE_COLOR[fire.status]}>{t(`schedules.fire.${fire.status}`)}</Badge>
      </Table.Td>
      <Table.Td>
        {fire.prompt_id !== undefined ? (
          <Anchor component={Link} to={`/gallery/${fire.prompt_id}`} size="sm" ff="monospace" title={fire.prompt_id}>
            {shortId(fire.prompt_id)}
          </Anchor>
        ) : fire.sweep_id !== undefined ? (
          <Anchor component={Link} to={`/sweeps/${fire.sweep_id}`} size="sm" ff="monospace" title={fire.sweep_id}>
            {t('schedules.sweepOf', { id: shortId(fire.sweep_id) })}
          </Anchor>
        ) : fire.run_id !== undefined ? (
          // A run shows on its app's page, among the latest runs.
          <Anchor component={Link} to={appId === null ? '/apps' : `/apps/${appId}`} size="sm" ff="monospace" title={fire.run_id}>
            {t('schedules.runOf', { id: shortId(fire.run_id) })}
          </Anchor>
        ) : null}
        {fire.error !== null && (
          <Text size="xs" c="var(--mantine-color-error)" lineClamp={2} title={fire.error}>
            {fire.error}
          </Text>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
