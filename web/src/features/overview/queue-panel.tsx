import { ActionIcon, Button, Divider, Group, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconArrowBarToUp, IconX } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo } from 'react';
import type { BackendView, QueueSnapshot } from '@contract';
import { api } from '../../api/client';
import { shortId } from '../../components/format';
import { Section } from '../../components/section';
import { EmptyState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { useLiveConnection } from '../../live/live-context';
import { RunningJob } from './running-job';

/**
 * What runs and what waits. Pending prompts can be cancelled, and one waiting in our queue can be
 * moved to the front (POST /automa/queue/{id}/front); one a backend has prefetched keeps its place.
 */
export function QueuePanel({ queue, backends }: { queue: QueueSnapshot; backends: readonly BackendView[] }) {
  const { t } = useI18n();
  const live = useLiveConnection();
  const queryClient = useQueryClient();
  const runningIds = useMemo(() => new Set(queue.queue_running.map((item) => item[1])), [queue]);
  useEffect(() => live.retain(runningIds), [live, runningIds]);
  const backendOf = (id: string) => backends.find((b) => b.running.includes(id) || b.prefetched.includes(id))?.name ?? null;
  const cancel = useMutation({
    mutationFn: (ids: readonly string[]) => api.deletePending(ids),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['queue'] }),
  });
  const toFront = useMutation({
    mutationFn: (id: string) => api.moveToFront(id),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['queue'] }),
  });
  const pendingIds = queue.queue_pending.map((item) => item[1]);
  // Only ours can move; the first of ours is at the front already.
  const firstWaiting = pendingIds.find((id) => backendOf(id) === null);
  const failure = cancel.error ?? toFront.error;

  return (
    <Section
      title={t('overview.queue')}
      actions={
        pendingIds.length > 1 && (
          <Button variant="subtle" color="red" onClick={() => cancel.mutate(pendingIds)} loading={cancel.isPending}>
            {t('overview.cancelAll', { count: pendingIds.length })}
          </Button>
        )
      }
    >
      <Stack gap="sm">
        <Text size="xs" fw={600} c="dimmed" tt="uppercase">
          {t('overview.running', { count: queue.queue_running.length })}
        </Text>
        {queue.queue_running.length === 0 ? (
          <Text size="sm" c="dimmed">
            {t('overview.nothingRunning')}
          </Text>
        ) : (
          queue.queue_running.map((item) => <RunningJob key={item[1]} promptId={item[1]} backend={backendOf(item[1])} nodes={item[2]} />)
        )}
        <Divider />
        <Text size="xs" fw={600} c="dimmed" tt="uppercase">
          {t('overview.pending', { count: queue.queue_pending.length })}
        </Text>
        {failure && (
          <Text size="xs" c="red" role="alert">
            {failure.message}
          </Text>
        )}
        {queue.queue_pending.length === 0 ? (
          <EmptyState title={t('overview.nothingPending')} />
        ) : (
          <Table>
            <Table.Tbody>
              {queue.queue_pending.map((item, index) => (
                <Table.Tr key={item[1]} data-testid="pending-job" data-prompt-id={item[1]}>
                  <Table.Td w={32} c="dimmed">
                    {index + 1}
                  </Table.Td>
                  <Table.Td ff="monospace" title={item[1]}>
                    {shortId(item[1])}
                  </Table.Td>
                  <Table.Td c="dimmed">{t('overview.nodes', { count: Object.keys(item[2]).length })}</Table.Td>
                  <Table.Td c="dimmed">{backendOf(item[1]) === null ? t('overview.waiting') : t('overview.prefetchedOn', { name: backendOf(item[1]) ?? '' })}</Table.Td>
                  <Table.Td w={36}>
                    {backendOf(item[1]) === null && item[1] !== firstWaiting && (
                      <Tooltip label={t('overview.moveToFront')}>
                        <ActionIcon variant="subtle" size="sm" aria-label={`${t('overview.moveToFront')} ${shortId(item[1])}`} onClick={() => toFront.mutate(item[1])} loading={toFront.isPending && toFront.variables === item[1]}>
                          <IconArrowBarToUp size={14} />
                        </ActionIcon>
                      </Tooltip>
                    )}
                  </Table.Td>
                  <Table.Td w={40}>
                    <Tooltip label={t('overview.cancel')}>
                      <ActionIcon color="red" size="sm" aria-label={`${t('overview.cancel')} ${shortId(item[1])}`} onClick={() => cancel.mutate([item[1]])}>
                        <IconX size={14} />
                      </ActionIcon>
                    </Tooltip>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
    </Section>
  );
}
