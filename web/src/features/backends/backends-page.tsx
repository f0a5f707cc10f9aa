import { ActionIcon, Button, Group, Modal, Stack, Table, Text, Title, Tooltip, VisuallyHidden } from '@mantine/core';
import { IconPlayerPause, IconPlayerPlay, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { BackendView } from '@contract';
import { api } from '../../api/client';
import { useBackends } from '../../api/queries';
import { BackendStateBadge } from '../../components/backend-state';
import { DeviceList } from '../../components/devices';
import { Section } from '../../components/section';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { AddBackendForm } from './add-backend-form';

/** The pool: each backend's health, devices, node and model counts, last error; add, drain, remove. */
export function BackendsPage() {
  const { t } = useI18n();
  const backends = useBackends();
  const [removing, setRemoving] = useState<string | null>(null);
  // A lone gateway drives every backend itself: the column only speaks in a cluster.
  const cluster = backends.data?.backends.some((backend) => backend.gateway !== null) ?? false;

  return (
    <Stack gap="md">
      <Title order={1}>{t('backends.title')}</Title>
      <Section title={t('backends.add')}>
        <AddBackendForm />
      </Section>
      <Section title={t('backends.pool')}>
        {backends.isPending ? (
          <LoadingState />
        ) : backends.isError ? (
          <ErrorState error={backends.error} onRetry={() => void backends.refetch()} />
        ) : backends.data.backends.length === 0 ? (
          <EmptyState title={t('backends.empty')}>{t('backends.emptyHint')}</EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={820}>
            <Table highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('backends.name')}</Table.Th>
                  {/* Wide enough for every state badge in both languages: DOWN was cut to "DO…". */}
                  <Table.Th miw={96}>{t('backends.stateCol')}</Table.Th>
                  <Table.Th w={260}>{t('backends.devices')}</Table.Th>
                  <Table.Th ta="right">{t('backends.nodes')}</Table.Th>
                  <Table.Th ta="right">{t('backends.models')}</Table.Th>
                  <Table.Th ta="right">{t('backends.jobs')}</Table.Th>
                  <Table.Th>{t('backends.lastError')}</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>{t('backends.actions')}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {backends.data.backends.map((backend) => (
                  <BackendRow key={backend.name} backend={backend} cluster={cluster} onRemove={() => setRemoving(backend.name)} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Section>
      <RemoveDialog name={removing} onClose={() => setRemoving(null)} />
    </Stack>
  );
}

function BackendRow({ backend, cluster, onRemove }: { backend: BackendView; cluster: boolean; onRemove: () => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const drain = useMutation({
    mutationFn: (draining: boolean) => api.setDraining(backend.name, draining),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['backends'] }),
  });
  const draining = backend.state === 'draining';
  return (
    <Table.Tr data-testid="backend-row" data-name={backend.name}>
      <Table.Td>
        <Text size="sm" fw={500}>
          {backend.name}
        </Text>
        <Text size="xs" c="dimmed">
          {backend.url}
        </Text>
        {/* Several gateways on one database: the jobs shown are those of the gateway driving it. */}
        {cluster && (
          <Text size="xs" c="dimmed" data-testid="backend-gateway" style={{ whiteSpace: 'nowrap' }}>
            {backend.gateway === null ? t('backends.drivenByNone') : t('backends.drivenBy', { gateway: backend.gateway })}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <BackendStateBadge state={backend.state} />
      </Table.Td>
      <Table.Td>
        <DeviceList devices={backend.devices} />
      </Table.Td>
      <Table.Td ta="right">{backend.node_classes}</Table.Td>
      <Table.Td ta="right">{backend.models_known}</Table.Td>
      <Table.Td ta="right">
        <Tooltip label={t('backends.jobsHint', { running: backend.running.length, prefetched: backend.prefetched.length })}>
          <Text size="sm" span>
            {backend.running.length} / {backend.prefetched.length}
          </Text>
        </Tooltip>
      </Table.Td>
      <Table.Td maw={260}>
        {backend.last_error === null ? (
          <Text size="xs" c="dimmed">
            —
          </Text>
        ) : (
          <Text size="xs" c="var(--mantine-color-error)" lineClamp={2} title={backend.last_error}>
            {backend.last_error}
          </Text>
        )}
        {drain.error && (
          <Text size="xs" c="var(--mantine-color-error)" role="alert">
            {drain.error.message}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap" justify="flex-end">
          <Tooltip label={draining ? t('backends.resume') : t('backends.drain')}>
            <ActionIcon aria-label={`${draining ? t('backends.resume') : t('backends.drain')} ${backend.name}`} loading={drain.isPending} onClick={() => drain.mutate(!draining)}>
              {draining ? <IconPlayerPlay size={16} /> : <IconPlayerPause size={16} />}
            </ActionIcon>
          </Tooltip>
          <Tooltip label={t('backends.remove')}>
            <ActionIcon color="red" aria-label={`${t('backends.remove')} ${backend.name}`} onClick={onRemove}>
              <IconTrash size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function RemoveDialog({ name, onClose }: { name: string | null; onClose: () => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: (backend: string) => api.removeBackend(backend),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['backends'] });
      onClose();
    },
  });
  return (
    <Modal opened={name !== null} onClose={onClose} title={t('backends.removeTitle', { name: name ?? '' })} centered closeButtonProps={{ 'aria-label': t('common.close') }}>
      <Stack gap="sm">
        <Text size="sm">{t('backends.removeBody')}</Text>
        {remove.error && (
          <Text size="sm" c="red" role="alert">
            {remove.error.message}
          </Text>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button color="red" loading={remove.isPending} onClick={() => name !== null && remove.mutate(name)}>
            {t('backends.remove')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
