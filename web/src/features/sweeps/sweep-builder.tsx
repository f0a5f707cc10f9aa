import { Accordion, Alert, Button, Group, SegmentedControl, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { IconAlertTriangle, IconPlus } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import type { AppView } from '@contract';
import { api, ApiError } from '../../api/client';
import { useApp, useApps } from '../../api/queries';
import { Section } from '../../components/section';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { initialValues, type FormValues } from '../apps/input-values';
import { InputFields } from '../apps/run-form';
import { AxisEditor } from './axis-editor';
import { axisBody, cellCount, emptyAxis, type AxisDraft } from './sweep-axes';

const MAX_AXES = 3;

/** Build a sweep of an app: one to three axes, grid or zip, the other inputs fixed; the cell count shows before it is queued. */
export function SweepBuilderPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const appId = params.get('app') ?? undefined;
  const apps = useApps();
  const app = useApp(appId);
  return (
    <Stack gap="md">
      <Title order={1}>{t('sweeps.newTitle')}</Title>
      <Section title={t('sweeps.app')}>
        {apps.isPending ? (
          <LoadingState />
        ) : apps.isError ? (
          <ErrorState error={apps.error} onRetry={() => void apps.refetch()} />
        ) : apps.data.items.length === 0 ? (
          <EmptyState title={t('apps.empty')}>{t('sweeps.importFirst')}</EmptyState>
        ) : (
          <Select
            label={t('sweeps.app')}
            data={apps.data.items.map((a) => ({ value: a.id, label: a.name }))}
            value={appId ?? null}
            onChange={(id) => setParams(id === null ? {} : { app: id }, { replace: true })}
            allowDeselect={false}
            maw={360}
          />
        )}
      </Section>
      {appId !== undefined && (app.isPending ? <LoadingState /> : app.isError ? <ErrorState error={app.error} onRetry={() => void app.refetch()} /> : <Builder key={app.data.id} app={app.data} />)}
    </Stack>
  );
}

function firstAxisInput(app: AppView): string {
  return (app.inputs.find((i) => i.type === 'float' || i.type === 'int') ?? app.inputs[0])?.name ?? '';
}

function Builder({ app }: { app: AppView }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [axes, setAxes] = useState<AxisDraft[]>([emptyAxis(firstAxisInput(app))]);
  const [mode, setMode] = useState<'grid' | 'zip'>('grid');
  const [values, setValues] = useState<FormValues>(() => initialValues(app.inputs));
  const count = cellCount(axes, mode);
  const create = useMutation({
    mutationFn: () => {
      const swept = new Set(axes.map((a) => a.input));
      const inputs = Object.fromEntries(Object.entries(values).filter(([k]) => !swept.has(k)));
      return api.createSweep(app.id, {
        ...(name.trim() !== '' && { name: name.trim() }),
        mode,
        inputs,
        axes: axes.map((a) => axisBody(a, app.inputs.find((i) => i.name === a.input))),
      });
    },
    onSuccess: (sweep) => {
      void queryClient.invalidateQueries({ queryKey: ['sweeps'] });
      void navigate(`/sweeps/${sweep.id}`);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (count.ok) create.mutate();
  };
  const unused = app.inputs.find((i) => i.type !== 'image' && !axes.some((a) => a.input === i.name));
  return (
    <form onSubmit={submit} aria-label={t('sweeps.newTitle')}>
      <Stack gap="md">
        <Section title={t('sweeps.axes')}>
          <Stack gap="sm">
            {axes.map((axis, index) => (
              <AxisEditor
                key={index}
                index={index}
                axis={axis}
                inputs={app.inputs}
                onChange={(next) => setAxes((old) => old.map((a, i) => (i === index ? next : a)))}
                onRemove={axes.length > 1 ? () => setAxes((old) => old.filter((_, i) => i !== index)) : null}
              />
            ))}
            <Group gap="sm">
              <Button variant="default" leftSection={<IconPlus size={14} aria-hidden />} disabled={axes.length >= MAX_AXES || unused === undefined} onClick={() => setAxes((old) => [...old, emptyAxis(unused?.name ?? '')])}>
                {t('sweeps.addAxis')}
              </Button>
              <SegmentedControl
                aria-label={t('sweeps.mode')}
                value={mode}
                onChange={(m) => setMode(m === 'zip' ? 'zip' : 'grid')}
                data={[
                  { value: 'grid', label: t('sweeps.grid') },
                  { value: 'zip', label: t('sweeps.zip') },
                ]}
              />
            </Group>
          </Stack>
        </Section>
        <Accordion variant="contained">
          <Accordion.Item value="fixed">
            <Accordion.Control>{t('sweeps.fixedInputs')}</Accordion.Control>
            <Accordion.Panel>
              <InputFields app={app} values={values} onChange={setValues} errors={{}} />
            </Accordion.Panel>
          </Accordion.Item>
        </Accordion>
        <TextInput label={t('sweeps.name')} value={name} onChange={(e) => setName(e.currentTarget.value)} maw={360} />
        {create.error && (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} role="alert" title={t('sweeps.refused')}>
            {create.error instanceof ApiError && create.error.details !== '' ? create.error.details : create.error.message}
          </Alert>
        )}
        <Group gap="md">
          <Button type="submit" disabled={!count.ok} loading={create.isPending}>
            {count.ok ? t('sweeps.queueCells', { count: count.count }) : t('sweeps.queue')}
          </Button>
          <Text size="sm" c={count.ok ? undefined : 'dimmed'} data-testid="cell-count" data-count={count.ok ? count.count : ''} aria-live="polite">
            {count.ok ? t('sweeps.cellCount', { count: count.count }) : t(`sweeps.problem.${count.problem}`)}
          </Text>
        </Group>
      </Stack>
    </form>
  );
}
