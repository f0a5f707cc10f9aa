import { Anchor, Badge, Button, Stack, Table, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { Link } from 'react-router';
import { useApps, useSweeps } from '../../api/queries';
import { formatTime, shortId } from '../../components/format';
import { Section } from '../../components/section';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';

/** Every sweep, newest first, with its app, size and whether it was cancelled; a new one from the builder. */
export function SweepsPage() {
  const { t, language } = useI18n();
  const sweeps = useSweeps();
  const apps = useApps();
  const appName = (id: string) => apps.data?.items.find((a) => a.id === id)?.name ?? shortId(id);
  return (
    <Stack gap="md">
      <Title order={1}>{t('sweeps.title')}</Title>
      <Section
        title={t('sweeps.list')}
        actions={
          <Button component={Link} to="/sweeps/new" leftSection={<IconPlus size={14} aria-hidden />}>
            {t('sweeps.new')}
          </Button>
        }
      >
        {sweeps.isPending ? (
          <LoadingState />
        ) : sweeps.isError ? (
          <ErrorState error={sweeps.error} onRetry={() => void sweeps.refetch()} />
        ) : sweeps.data.items.length === 0 ? (
          <EmptyState title={t('sweeps.empty')}>{t('sweeps.emptyHint')}</EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('sweeps.name')}</Table.Th>
                  <Table.Th>{t('sweeps.app')}</Table.Th>
                  <Table.Th>{t('sweeps.axes')}</Table.Th>
                  <Table.Th ta="right">{t('sweeps.cells')}</Table.Th>
                  <Table.Th>{t('sweeps.created')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {sweeps.data.items.map((sweep) => (
                  <Table.Tr key={sweep.id} data-testid="sweep-row">
                    <Table.Td>
                      <Anchor component={Link} to={`/sweeps/${sweep.id}`} size="sm">
                        {sweep.name ?? t('sweeps.untitled', { id: shortId(sweep.id) })}
                      </Anchor>
                      {sweep.cancelled && (
                        <Badge color="orange" ml={6}>
                          {t('sweeps.status.cancelled')}
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{appName(sweep.app_id)}</Table.Td>
                    <Table.Td>
                      <Text size="xs">{sweep.axes.map((a) => `${a.input} × ${a.values.length}`).join(sweep.mode === 'grid' ? ' · ' : ' ‖ ')}</Text>
                    </Table.Td>
                    <Table.Td ta="right">{sweep.count}</Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed">
                        {formatTime(sweep.create_time, language === 'zh' ? 'zh-CN' : 'en')}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Section>
    </Stack>
  );
}
