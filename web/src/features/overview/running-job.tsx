import { ActionIcon, Anchor, Group, Progress, Stack, Text, Tooltip } from '@mantine/core';
import { IconPlayerStop } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api/client';
import { shortId } from '../../components/format';
import { useI18n } from '../../i18n/i18n';
import { percentOf } from '../../live/frames';
import { useLive } from '../../live/live-context';
import { stepPercent } from '../../live/prompt-activity';

/**
 * One running prompt: its backend, live progress and latest preview, and a stop button. Progress
 * comes from /ws when its messages reach this client (the whole prompt's nodes, with previews),
 * else from the event stream (the running node's steps), which has every client's prompts.
 */
export function RunningJob({ promptId, backend, nodes }: { promptId: string; backend: string | null; nodes: Readonly<Record<string, unknown>> }) {
  const { t } = useI18n();
  const live = useLive();
  const queryClient = useQueryClient();
  const progress = live.progress.get(promptId);
  const activity = live.activity.get(promptId);
  const percent = progress !== undefined ? percentOf(progress, Object.keys(nodes).length) : stepPercent(activity);
  const preview = live.previews.get(promptId);
  const node = progress?.node ?? activity?.node ?? null;
  const nodeClass = node === null ? undefined : (nodes[node] as { class_type?: string } | undefined)?.class_type;
  const backendName = backend ?? activity?.backend ?? null;
  const stop = useMutation({
    mutationFn: () => api.interrupt(promptId),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['queue'] }),
  });

  return (
    <Group gap="sm" wrap="nowrap" align="flex-start" data-testid="running-job" data-prompt-id={promptId}>
      <div style={{ width: 64, height: 64, flex: 'none', borderRadius: 4, overflow: 'hidden', background: 'var(--mantine-color-default)' }}>
        {preview !== undefined && <img src={preview} alt={t('overview.previewOf', { id: shortId(promptId) })} width={64} height={64} style={{ objectFit: 'cover', display: 'block' }} data-testid="live-preview" />}
      </div>
      <Stack gap={4} style={{ flex: 1, minWidth: 0 }}>
        <Group justify="space-between" gap="xs" wrap="nowrap">
          <Anchor component={Link} to={`/gallery/${promptId}`} size="sm" ff="monospace" title={promptId}>
            {shortId(promptId)}
          </Anchor>
          <Group gap={4} wrap="nowrap">
            <Text size="xs" c="dimmed" truncate>
              {backendName === null ? t('overview.onUnknownBackend') : t('overview.onBackend', { name: backendName })}
            </Text>
            <Tooltip label={t('overview.interrupt')}>
              <ActionIcon color="red" size="sm" aria-label={`${t('overview.interrupt')} ${shortId(promptId)}`} loading={stop.isPending} onClick={() => stop.mutate()}>
                <IconPlayerStop size={14} />
              </ActionIcon>
            </Tooltip>
          </Group>
        </Group>
        <Progress
          value={percent ?? 100}
          animated={percent === null}
          striped={percent === null}
          size="sm"
          aria-label={t('overview.progressOf', { id: shortId(promptId) })}
          data-testid="job-progress"
          data-percent={percent ?? ''}
          data-source={progress !== undefined ? 'ws' : activity !== undefined && percent !== null ? 'events' : ''}
        />
        <Text size="xs" c="dimmed">
          {progress !== undefined
            ? t('overview.progressDetail', { node: nodeClass ?? progress.node ?? '?', value: progress.value, max: progress.max, percent: percent ?? 0 })
            : activity !== undefined && activity.max > 0
              ? activity.fraction !== null
                ? t('overview.progressDetail', { node: nodeClass ?? activity.node ?? '?', value: activity.value, max: activity.max, percent: percent ?? 0 })
                : t('overview.stepDetail', { node: nodeClass ?? activity.node ?? '?', value: activity.value, max: activity.max })
              : t('overview.noLiveProgress')}
        </Text>
      </Stack>
    </Group>
  );
}
