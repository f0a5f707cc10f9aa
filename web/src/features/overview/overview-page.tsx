import { Anchor, Group, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { BackendView, JobSummary } from '@contract';
import { useBackends, useQueue, useRecentJobs } from '../../api/queries';
import { BackendStateBadge } from '../../components/backend-state';
import { DeviceList } from '../../components/devices';
import { formatTime, shortId } from '../../components/format';
import { Section } from '../../components/section';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { QueuePanel } from './queue-panel';

/** What runs now across the pool: backends, the live queue, and recent failures. */
export function OverviewPage() {
  const { t } = useI18n();
  const backends = useBackends();
  const queue = useQueue();

  return (
    <Stack gap="md">
      <Title order={1}>{t('overview.title')}</Title>
      <Section title={t('overview.backends')}>
        {backends.isPending ? (
          <LoadingState />
        ) : backends.isError ? (
          <ErrorState error={backends.error} onRetry={() => void backends.refetch()} />
        ) : backends.data.backends.length === 0 ? (
          <EmptyState title={t('backends.empty')}>
            <Anchor component={Link} to="/backends" size="xs">
              {t('backends.emptyHint')}
            </Anchor>
          </EmptyState>
        ) : (
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3, xl: 4 }} spacing="sm">
            {backends.data.backends.map((backend) => (
              <BackendCard key={backend.name} backend={backend} />
            ))}
          </SimpleGrid>
        )}
      </Section>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        {queue.isPending ? (
          <Section title={t('overview.queue')}>
            <LoadingState />
          </Section>
        ) : queue.isError ? (
          <Section title={t('overview.queue')}>
            <ErrorState error={queue.error} onRetry={() => void queue.refetch()} />
          </Section>
        ) : (
          <QueuePanel queue={queue.data} backends={backends.data?.backends ?? []} />
        )}
        <RecentFailures />
      </SimpleGrid>
    </Stack>
  );
}

function BackendCard({ backend }: { backend: BackendView }) {
  const { t } = useI18n();
  return (
    <Paper data-testid="backend-card" data-name={backend.name} data-state={backend.state} bg="var(--mantine-color-body)">
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Text size="sm" fw={600} truncate title={backend.url}>
            {backend.name}
          </Text>
          <BackendStateBadge state={backend.state} />
        </Group>
        <DeviceList devices={backend.devices} />
        <Text size="xs" c="dimmed">
          {backend.running.length > 0
            ? t('overview.backendBusy', { id: shortId(backend.running[0] ?? ''), more: backend.running.length + backend.prefetched.length - 1 })
            : t('overview.backendIdle')}
        </Text>
        {backend.state === 'down' && backend.last_error !== null && (
          <Text size="xs" c="var(--mantine-color-error)" lineClamp={2} title={backend.last_error}>
            {backend.last_error}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

/** The error a failed job reported (ComfyUI's execution_error), in one line. */
export function failureMessage(job: JobSummary): string {
  const error = job.execution_error ?? {};
  const type = typeof error.exception_type === 'string' ? error.exception_type : '';
  const message = typeof error.exception_message === 'string' ? error.exception_message.trim() : '';
  const node = typeof error.node_type === 'string' ? error.node_type : '';
  const text = [type, message].filter((s) => s !== '').join(': ');
  return node === '' ? text : `${node} — ${text}`;
}

function RecentFailures() {
  const { t, language } = useI18n();
  const failures = useRecentJobs(['failed'], 8);
  return (
    <Section title={t('overview.failures')}>
      {failures.isPending ? (
        <LoadingState />
      ) : failures.isError ? (
        <ErrorState error={failures.error} onRetry={() => void failures.refetch()} />
      ) : failures.data.jobs.length === 0 ? (
        <EmptyState title={t('overview.noFailures')} />
      ) : (
        <Table>
          <Table.Tbody>
            {failures.data.jobs.map((job) => (
              <Table.Tr key={job.id} data-testid="failed-job">
                <Table.Td w={90}>
                  <Anchor component={Link} to={`/gallery/${job.id}`} size="sm" ff="monospace" title={job.id}>
                    {shortId(job.id)}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="var(--mantine-color-error)" lineClamp={2}>
                    {failureMessage(job) || t('overview.failedNoMessage')}
                  </Text>
                </Table.Td>
                <Table.Td w={150}>
                  <Text size="xs" c="dimmed">
                    {formatTime(job.execution_end_time ?? job.create_time, language === 'zh' ? 'zh-CN' : 'en')}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  );
}
