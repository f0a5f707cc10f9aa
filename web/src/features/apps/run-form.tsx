import { Alert, Button, Group, SimpleGrid, Stack } from '@mantine/core';
import { IconAlertTriangle, IconPlayerPlay } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import type { AppInputView, AppView } from '@contract';
import { api, ApiError } from '../../api/client';
import { useBackends } from '../../api/queries';
import { useI18n } from '../../i18n/i18n';
import { InputField } from './input-field';
import { initialValues, type FormValues } from './input-values';

/** Prompts first (what people change most), then images, then the rest in the app's order. */
export function formOrder(inputs: readonly AppInputView[]): AppInputView[] {
  const rank = (i: AppInputView) => (i.type === 'string' && i.multiline === true ? 0 : i.type === 'image' ? 1 : 2);
  return [...inputs].sort((a, b) => rank(a) - rank(b));
}

/** The service's `inputs.cfg: must be <= 100` as {cfg: 'must be <= 100'}. */
export function fieldErrors(error: unknown): Readonly<Record<string, string>> {
  if (!(error instanceof ApiError)) return {};
  return Object.fromEntries(error.fields.map((f) => [f.field.replace(/^inputs\./, ''), f.reason]));
}

/** The fields of an app's inputs, without a submit: the run form and the sweep builder's fixed inputs. */
export function InputFields({ app, values, onChange, errors }: { app: AppView; values: FormValues; onChange: (values: FormValues) => void; errors: Readonly<Record<string, string>> }) {
  const backends = useBackends();
  const names = (backends.data?.backends ?? []).map((b) => b.name);
  const ordered = useMemo(() => formOrder(app.inputs), [app.inputs]);
  const wide = ordered.filter((i) => (i.type === 'string' && i.multiline === true) || i.type === 'image');
  const narrow = ordered.filter((i) => !wide.includes(i));
  const field = (input: AppInputView) => (
    <InputField key={input.name} input={input} value={values[input.name]} onChange={(value) => onChange({ ...values, [input.name]: value })} error={errors[input.name]} backends={names} />
  );
  return (
    <Stack gap="sm">
      {wide.map(field)}
      <SimpleGrid cols={{ base: 1, sm: 2, xl: 3 }} spacing="sm" verticalSpacing="sm">
        {narrow.map(field)}
      </SimpleGrid>
    </Stack>
  );
}

/** The run form generated from the app's inputs: Run submits them; the service checks them against the schema. */
export function RunForm({ app, onQueued }: { app: AppView; onQueued: (runId: string) => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<FormValues>(() => initialValues(app.inputs));
  const run = useMutation({
    mutationFn: () => api.createRun(app.id, values),
    onSuccess: (created) => {
      void queryClient.invalidateQueries({ queryKey: ['runs', app.id] });
      onQueued(created.id);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    run.mutate();
  };
  const errors = fieldErrors(run.error);
  return (
    <form onSubmit={submit} aria-label={t('apps.runForm')}>
      <Stack gap="sm">
        <InputFields app={app} values={values} onChange={setValues} errors={errors} />
        {run.error && (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} role="alert" title={t('apps.runRefused')}>
            {run.error instanceof ApiError && run.error.details !== '' ? run.error.details : run.error.message}
          </Alert>
        )}
        <Group gap="xs">
          <Button type="submit" leftSection={<IconPlayerPlay size={16} aria-hidden />} loading={run.isPending}>
            {t('apps.run')}
          </Button>
          <Button variant="subtle" onClick={() => setValues(initialValues(app.inputs))}>
            {t('apps.resetInputs')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
