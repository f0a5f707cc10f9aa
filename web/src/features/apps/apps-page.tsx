import { Badge, Button, Grid, Group, NavLink, Stack, Text, Title } from '@mantine/core';
import { IconLayoutGrid, IconTrash } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { AppView } from '@contract';
import { api } from '../../api/client';
import { useApp, useAppRuns, useApps } from '../../api/queries';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { Section } from '../../components/section';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { AppImport } from './app-import';
import { InputsEditor } from './inputs-editor';
import { RunCard } from './run-card';
import { RunForm } from './run-form';

/** Workflows as apps: import one, fill in its generated form, run it and watch the result come in. */
export function AppsPage() {
  const { t } = useI18n();
  const { appId } = useParams();
  const navigate = useNavigate();
  const apps = useApps();
  return (
    <Stack gap="md">
      <Title order={1}>{t('apps.title')}</Title>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 3 }}>
          <Stack gap="md">
            <Section title={t('apps.import')}>
              <AppImport onImported={(app) => void navigate(`/apps/${app.id}`)} />
            </Section>
            <Section title={t('apps.list')}>
              {apps.isPending ? (
                <LoadingState />
              ) : apps.isError ? (
                <ErrorState error={apps.error} onRetry={() => void apps.refetch()} />
              ) : apps.data.items.length === 0 ? (
                <EmptyState title={t('apps.empty')} />
              ) : (
                <nav aria-label={t('apps.list')}>
                  {apps.data.items.map((app) => (
                    <NavLink
                      key={app.id}
                      component={Link}
                      to={`/apps/${app.id}`}
                      label={app.name}
                      description={t('apps.inputsCount', { count: app.inputs.length })}
                      active={app.id === appId}
                      aria-current={app.id === appId ? 'page' : undefined}
                      data-testid="app-link"
                      style={{ borderRadius: 4 }}
                    />
                  ))}
                </nav>
              )}
            </Section>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 9 }}>{appId === undefined ? <Section title={t('apps.none')}><EmptyState title={t('apps.pick')}>{t('apps.pickHint')}</EmptyState></Section> : <AppDetail id={appId} />}</Grid.Col>
      </Grid>
    </Stack>
  );
}

function AppDetail({ id }: { id: string }) {
  const { t } = useI18n();
  const app = useApp(id);
  if (app.isPending) return <LoadingState />;
  if (app.isError) return <ErrorState error={app.error} onRetry={() => void app.refetch()} />;
  // Keyed by id and update time: a new workflow or new inputs start a fresh form.
  return <AppWorkspace key={`${app.data.id}:${app.data.update_time}`} app={app.data} title={t('apps.runTitle', { name: app.data.name })} />;
}

function AppWorkspace({ app, title }: { app: AppView; title: string }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const runs = useAppRuns(app.id);
  const [editing, setEditing] = useState(false);
  const [removing, setRemoving] = useState(false);
  return (
    <Grid gap="md">
      <Grid.Col span={{ base: 12, lg: 7 }}>
        <Section
          title={title}
          actions={
            <Group gap="xs">
              <Button variant="default" onClick={() => setEditing(true)}>
                {t('apps.editInputs')}
              </Button>
              <Button variant="default" component={Link} to={`/sweeps/new?app=${app.id}`} leftSection={<IconLayoutGrid size={14} aria-hidden />}>
                {t('apps.sweep')}
              </Button>
              <Button variant="subtle" color="red" onClick={() => setRemoving(true)} leftSection={<IconTrash size={14} aria-hidden />}>
                {t('apps.delete')}
              </Button>
            </Group>
          }
        >
          <Group gap={6} mb="sm">
            <Badge variant="default">{t(`apps.format.${app.format}`)}</Badge>
            <Badge variant="default">{t(`apps.source.${app.inputs_source}`)}</Badge>
            {(app.broken_inputs ?? []).map((b) => (
              <Badge key={b.name} color="red" title={b.reason}>
                {t('apps.broken', { name: b.name })}
              </Badge>
            ))}
          </Group>
          {app.inputs.length === 0 ? <Text size="sm" c="dimmed" mb="sm">{t('apps.noInputs')}</Text> : null}
          <RunForm app={app} onQueued={() => void queryClient.invalidateQueries({ queryKey: ['runs', app.id] })} />
        </Section>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 5 }}>
        <Section title={t('apps.results')}>
          {runs.isPending ? (
            <LoadingState />
          ) : runs.isError ? (
            <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />
          ) : runs.data.items.length === 0 ? (
            <EmptyState title={t('apps.noRuns')}>{t('apps.noRunsHint')}</EmptyState>
          ) : (
            <Stack gap="xs">
              {runs.data.items.map((run) => (
                <RunCard key={run.id} run={run} />
              ))}
            </Stack>
          )}
        </Section>
      </Grid.Col>
      <InputsEditor app={app} opened={editing} onClose={() => setEditing(false)} />
      <ConfirmDialog
        opened={removing}
        title={t('apps.deleteTitle', { name: app.name })}
        body={t('apps.deleteBody')}
        confirm={t('apps.delete')}
        action={async () => {
          // Leave its page first: a refetch of a deleted app would answer 404.
          void navigate('/apps');
          await api.deleteApp(app.id);
          queryClient.removeQueries({ queryKey: ['apps', app.id] });
          await queryClient.invalidateQueries({ queryKey: ['apps'], exact: true });
        }}
        onClose={() => setRemoving(false)}
      />
    </Grid>
  );
}
