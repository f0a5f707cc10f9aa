import { ActionIcon, Badge, Code, Drawer, Group, ScrollArea, SimpleGrid, Stack, Table, Tabs, Text, Tooltip } from '@mantine/core';
import { IconDownload } from '@tabler/icons-react';
import type { JobDetail } from '@contract';
import { viewUrl } from '../../api/client';
import { useJob } from '../../api/queries';
import { AuthImage, downloadFile } from '../../components/auth-image';
import { formatDuration, formatTime, shortId } from '../../components/format';
import { ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { failureMessage } from '../overview/overview-page';
import { JobActions } from './job-actions';
import { isImageFile, outputFiles, promptParameters } from './outputs';

/** One job in full, in a drawer over the grid: outputs, parameters, workflow, timings, and its actions. */
export function JobDetailDrawer({ promptId, onClose }: { promptId: string | undefined; onClose: () => void }) {
  const { t } = useI18n();
  const job = useJob(promptId);
  return (
    <Drawer opened={promptId !== undefined} onClose={onClose} position="right" size="min(880px, 100vw)" closeButtonProps={{ 'aria-label': t('common.close') }} title={promptId ? t('gallery.detailTitle', { id: shortId(promptId) }) : ''}>
      {job.isPending ? <LoadingState /> : job.isError ? <ErrorState error={job.error} onRetry={() => void job.refetch()} /> : <Detail job={job.data} onDeleted={onClose} />}
    </Drawer>
  );
}

function Detail({ job, onDeleted }: { job: JobDetail; onDeleted: () => void }) {
  const { t, language } = useI18n();
  const locale = language === 'zh' ? 'zh-CN' : 'en';
  const files = outputFiles(job.outputs);
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
      <JobActions job={job} onDeleted={onDeleted} />
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
