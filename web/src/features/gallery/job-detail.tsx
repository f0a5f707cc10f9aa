import { ActionIcon, Anchor, Badge, Button, Code, Drawer, Group, ScrollArea, SimpleGrid, Stack, Table, Tabs, Text, Tooltip } from '@mantine/core';
import { IconDownload, IconPlayerPlay, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import type { JobDetail } from '@contract';
import { api, viewUrl } from '../../api/client';
import { useJob } from '../../api/queries';
import { AuthImage, downloadFile, downloadJson } from '../../components/auth-image';
import { formatDuration, formatTime, shortId } from '../../components/format';
import { ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { failureMessage } from '../overview/overview-page';
import { isImageFile, outputFiles, promptParameters } from './outputs';

/** One job in full, in a drawer over the grid: outputs, parameters, workflow, timings; re-run, download, delete. */
export function JobDetailDrawer({ promptId, onClose }: { promptId: string | undefined; onClose: () => void }) {
  const { t } = useI18n();
  const job = useJob(promptId);
  return (
    <Drawer opened={promptId !== undefined} onClose={onClose} position="right" size="min(880px, 100vw)" closeButtonProps={{ 'aria-label': t('common.close') }} title={promptId ? t('gallery.detailTitle', { id: shortId(promptId) }) : ''}>
      {job.isPending ? <LoadingState /> : job.isError ? <ErrorState error={job.error} onRetry={() => void job.refetch()} /> : <Detail job={job.data} onDeleted={onClose} />}
    </Drawer>
  );
}

/** The workflow's extra_data for a new run: our client id replaces the old one, the rest (the UI workflow) is kept. */
export function rerunExtraData(extraData: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { client_id: _dropped, ...rest } = extraData;
  return rest;
}

function Detail({ job, onDeleted }: { job: JobDetail; onDeleted: () => void }) {
  const { t, language } = useI18n();
  const locale = language === 'zh' ? 'zh-CN' : 'en';
  const queryClient = useQueryClient();
  const [queued, setQueued] = useState<string | null>(null);
  const files = outputFiles(job.outputs);
  const rerun = useMutation({
    mutationFn: () => api.submit(job.workflow.prompt, rerunExtraData(job.workflow.extra_data)),
    onSuccess: (result) => {
      setQueued(result.prompt_id);
      void queryClient.invalidateQueries({ queryKey: ['queue'] });
    },
  });
  const remove = useMutation({
    mutationFn: () => api.deleteHistory([job.id]),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['jobs'] });
      onDeleted();
    },
  });
  const start = job.execution_start_time;
  const end = job.execution_end_time;

  return (
    <Stack gap="md" data-testid="job-detail" data-prompt-id={job.id}>
      <Group gap="xs">
        <Badge color={job.status === 'completed' ? 'teal' : job.status === 'failed' ? 'red' : 'gray'}>{t(`status.${job.status}`)}</Badge>
        <Text size="xs" ff="monospace" c="dimmed">
          {job.id}
        </Text>
      </Group>
      <Group gap="xs">
        <Button leftSection={<IconPlayerPlay size={14} />} onClick={() => rerun.mutate()} loading={rerun.isPending}>
          {t('gallery.rerun')}
        </Button>
        <Button variant="default" leftSection={<IconDownload size={14} />} onClick={() => downloadJson(job.workflow.prompt, `${job.id}.json`)}>
          {t('gallery.downloadWorkflow')}
        </Button>
        <Button variant="subtle" color="red" leftSection={<IconTrash size={14} />} onClick={() => remove.mutate()} loading={remove.isPending}>
          {t('gallery.delete')}
        </Button>
      </Group>
      {queued !== null && (
        <Text size="sm" role="status">
          {t('gallery.queued', { id: shortId(queued) })}{' '}
          <Anchor component={Link} to="/">
            {t('nav.overview')}
          </Anchor>
        </Text>
      )}
      {(rerun.error ?? remove.error) && <ErrorState error={rerun.error ?? remove.error} />}
      {job.status === 'failed' && job.execution_error !== undefined && (
        <Text size="sm" c="var(--mantine-color-error)">
          {failureMessage(job)}
        </Text>
      )}
      <Table>
        <Table.Tbody>
          <Table.Tr>
            <Table.Th w={140}>{t('gallery.backend')}</Table.Th>
            <Table.Td>{job.backend ?? '—'}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('gallery.created')}</Table.Th>
            <Table.Td>{formatTime(job.create_time, locale)}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('gallery.waited')}</Table.Th>
            <Table.Td>{start !== undefined ? formatDuration(start - job.create_time) : '—'}</Table.Td>
          </Table.Tr>
          <Table.Tr>
            <Table.Th>{t('gallery.ran')}</Table.Th>
            <Table.Td>{start !== undefined && end !== undefined ? formatDuration(end - start) : '—'}</Table.Td>
          </Table.Tr>
        </Table.Tbody>
      </Table>
      <Tabs defaultValue="outputs" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="outputs">{t('gallery.outputs', { count: files.length })}</Tabs.Tab>
          <Tabs.Tab value="parameters">{t('gallery.parameters')}</Tabs.Tab>
          <Tabs.Tab value="workflow">{t('gallery.workflow')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="outputs" pt="sm">
          {files.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('gallery.noOutputs')}
            </Text>
          ) : (
            <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
              {files.map((file) => (
                <Stack key={`${file.node}/${file.subfolder}/${file.filename}`} gap={4}>
                  {isImageFile(file.filename) && <AuthImage src={viewUrl(file)} alt={file.filename} style={{ width: '100%', height: 'auto', borderRadius: 4, display: 'block' }} />}
                  <Group justify="space-between" gap={4} wrap="nowrap">
                    <Text size="xs" c="dimmed" truncate title={file.filename}>
                      {t('gallery.fromNode', { node: file.node })} · {file.filename}
                    </Text>
                    <Tooltip label={t('gallery.download')}>
                      <ActionIcon size="sm" aria-label={`${t('gallery.download')} ${file.filename}`} onClick={() => void downloadFile(viewUrl(file), file.filename)}>
                        <IconDownload size={14} />
                      </ActionIcon>
                    </Tooltip>
                  </Group>
                </Stack>
              ))}
            </SimpleGrid>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="parameters" pt="sm">
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={60}>{t('gallery.node')}</Table.Th>
                <Table.Th w={180}>{t('gallery.class')}</Table.Th>
                <Table.Th>{t('gallery.inputs')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {promptParameters(job.workflow.prompt).map((row) => (
                <Table.Tr key={row.node}>
                  <Table.Td ff="monospace">{row.node}</Table.Td>
                  <Table.Td>{row.classType}</Table.Td>
                  <Table.Td>
                    {row.inputs.map(([name, value]) => (
                      <Text key={name} size="xs" style={{ wordBreak: 'break-word' }}>
                        <Text span c="dimmed" size="xs">
                          {name}
                        </Text>{' '}
                        {value}
                      </Text>
                    ))}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Tabs.Panel>
        <Tabs.Panel value="workflow" pt="sm">
          <ScrollArea.Autosize mah={480} type="auto">
            <Code block tabIndex={0} aria-label={t('gallery.workflow')}>
              {JSON.stringify(job.workflow.prompt, null, 2)}
            </Code>
          </ScrollArea.Autosize>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
