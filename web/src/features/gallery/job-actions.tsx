import { Anchor, Button, Group, Stack, Text } from '@mantine/core';
import { IconAppWindow, IconDownload, IconEdit, IconPlayerPlay, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { JobDetail, SubmitResult } from '@contract';
import { api } from '../../api/client';
import { downloadJson } from '../../components/auth-image';
import { shortId } from '../../components/format';
import { ErrorState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { RerunModal } from './rerun-modal';
import { rerunExtraData } from './rerun-values';

/** What can be done with a finished job: run it again (as it was or changed), make an app of it, download it, delete it. */
export function JobActions({ job, onDeleted }: { job: JobDetail; onDeleted: () => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [queued, setQueued] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const onQueued = (result: SubmitResult) => {
    setQueued(result.prompt_id);
    void queryClient.invalidateQueries({ queryKey: ['queue'] });
  };
  const rerun = useMutation({ mutationFn: () => api.submit(job.workflow.prompt, rerunExtraData(job.workflow.extra_data)), onSuccess: onQueued });
  const openAsApp = useMutation({
    mutationFn: () => api.createApp(t('gallery.appName', { id: shortId(job.id) }), job.workflow.prompt),
    onSuccess: (app) => {
      void queryClient.invalidateQueries({ queryKey: ['apps'] });
      void navigate(`/apps/${encodeURIComponent(app.id)}`);
    },
  });
  const remove = useMutation({
    mutationFn: () => api.deleteHistory([job.id]),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['jobs'] });
      onDeleted();
    },
  });
  const error = rerun.error ?? openAsApp.error ?? remove.error;

  return (
    <Stack gap="xs">
      <Group gap="xs">
        <Button leftSection={<IconPlayerPlay size={14} />} onClick={() => rerun.mutate()} loading={rerun.isPending}>
          {t('gallery.rerun')}
        </Button>
        <Button variant="light" leftSection={<IconEdit size={14} />} onClick={() => setEditing(true)}>
          {t('gallery.rerunChanged')}
        </Button>
        <Button variant="default" leftSection={<IconAppWindow size={14} />} onClick={() => openAsApp.mutate()} loading={openAsApp.isPending}>
          {t('gallery.openAsApp')}
        </Button>
        <Button variant="default" leftSection={<IconDownload size={14} />} onClick={() => downloadJson(job.workflow.prompt, `${job.id}.json`)}>
          {t('gallery.downloadWorkflow')}
        </Button>
        <Button variant="subtle" color="red" leftSection={<IconTrash size={14} />} onClick={() => remove.mutate()} loading={remove.isPending}>
          {t('gallery.delete')}
        </Button>
      </Group>
      {queued !== null && (
        <Text size="sm" role="status" data-testid="rerun-queued" data-prompt-id={queued}>
          {t('gallery.queued', { id: shortId(queued) })}{' '}
          <Anchor component={Link} to="/">
            {t('nav.overview')}
          </Anchor>
        </Text>
      )}
      {error && <ErrorState error={error} />}
      <RerunModal job={job} opened={editing} onClose={() => setEditing(false)} onQueued={onQueued} />
    </Stack>
  );
}
