import { SegmentedControl, Select, Stack, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '../../api/client';
import { useApp, useApps, useRecentJobs, useSweeps } from '../../api/queries';
import { formatTime, shortId } from '../../components/format';
import { LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { initialValues } from '../apps/input-values';
import { InputFields } from '../apps/run-form';
import type { ScheduleForm, ScheduleTarget } from './schedule-body';

export interface TargetFieldsProps {
  readonly form: ScheduleForm;
  readonly set: (patch: Partial<ScheduleForm>) => void;
  /** The browser's or the service's word on a field (`prompt`, `app`, `sweep`, or an input's name). */
  readonly errorOf: (field: string) => string | undefined;
  readonly inputErrors: Readonly<Record<string, string>>;
}

/** What a schedule submits: a run of an app (its form), a sweep like a past one, or a raw API prompt. */
export function ScheduleTargetFields({ form, set, errorOf, inputErrors }: TargetFieldsProps) {
  const { t } = useI18n();
  return (
    <Stack gap="sm">
      <SegmentedControl
        aria-label={t('schedules.target')}
        value={form.target}
        onChange={(value) => set({ target: value as ScheduleTarget })}
        data={[
          { value: 'app', label: t('schedules.targetApp') },
          { value: 'sweep', label: t('schedules.targetSweep') },
          { value: 'prompt', label: t('schedules.targetPrompt') },
        ]}
      />
      {form.target === 'app' ? <AppTarget form={form} set={set} errorOf={errorOf} inputErrors={inputErrors} /> : form.target === 'sweep' ? <SweepTarget form={form} set={set} errorOf={errorOf} /> : <PromptTarget form={form} set={set} errorOf={errorOf} />}
    </Stack>
  );
}

function AppTarget({ form, set, errorOf, inputErrors }: TargetFieldsProps) {
  const { t } = useI18n();
  const apps = useApps();
  const app = useApp(form.app === '' ? undefined : form.app);
  const loaded = app.data;
  const loadedId = loaded?.id;
  // A newly picked app starts from its own values (only a new app resets them, not a re-render).
  useEffect(() => {
    if (loaded !== undefined) set({ appInputs: initialValues(loaded.inputs) });
  }, [loadedId]);
  const options = (apps.data?.items ?? []).map((a) => ({ value: a.id, label: a.name }));
  return (
    <Stack gap="sm">
      <Select
        label={t('schedules.app')}
        placeholder={apps.isPending ? t('common.loading') : options.length === 0 ? t('apps.empty') : t('schedules.pickApp')}
        data={options}
        value={form.app === '' ? null : form.app}
        onChange={(id) => set({ app: id ?? '' })}
        disabled={options.length === 0}
        allowDeselect={false}
        error={errorOf('app')}
      />
      {form.app !== '' && (app.isPending ? <LoadingState /> : loaded !== undefined && <InputFields app={loaded} values={form.appInputs} onChange={(appInputs) => set({ appInputs })} errors={inputErrors} />)}
    </Stack>
  );
}

function SweepTarget({ form, set, errorOf }: Omit<TargetFieldsProps, 'inputErrors'>) {
  const { t, language } = useI18n();
  const sweeps = useSweeps();
  const options = (sweeps.data?.items ?? []).map((s) => ({
    value: s.id,
    label: `${s.name ?? shortId(s.id)} · ${s.axes.map((a) => `${a.input} × ${a.values.length}`).join(', ')} · ${formatTime(s.create_time, language === 'zh' ? 'zh-CN' : 'en')}`,
  }));
  const load = useMutation({ mutationFn: (id: string) => api.sweep(id), onSuccess: (sweep) => set({ sweep }) });
  return (
    <Select
      label={t('schedules.sweepLike')}
      description={t('schedules.sweepLikeHint')}
      placeholder={sweeps.isPending ? t('common.loading') : options.length === 0 ? t('sweeps.empty') : t('schedules.pickSweep')}
      data={options}
      value={form.sweep?.id ?? null}
      onChange={(id) => id !== null && load.mutate(id)}
      disabled={options.length === 0}
      allowDeselect={false}
      error={errorOf('sweep') ?? load.error?.message}
    />
  );
}

function PromptTarget({ form, set, errorOf }: Omit<TargetFieldsProps, 'inputErrors'>) {
  const { t, language } = useI18n();
  const recent = useRecentJobs(['completed', 'failed'], 20);
  const copyFrom = useMutation({ mutationFn: (id: string) => api.job(id), onSuccess: (job) => set({ prompt: JSON.stringify(job.workflow.prompt, null, 2) }) });
  const locale = language === 'zh' ? 'zh-CN' : 'en';
  const jobOptions = (recent.data?.jobs ?? []).map((job) => ({ value: job.id, label: `${shortId(job.id)} · ${formatTime(job.create_time, locale)}` }));
  return (
    <Stack gap="sm">
      <Select
        label={t('schedules.copyFrom')}
        placeholder={recent.isPending ? t('common.loading') : jobOptions.length === 0 ? t('schedules.noJobs') : t('schedules.pickJob')}
        data={jobOptions}
        value={null}
        onChange={(id) => id !== null && copyFrom.mutate(id)}
        disabled={jobOptions.length === 0}
        error={copyFrom.error?.message}
      />
      <Textarea
        label={t('schedules.prompt')}
        description={t('schedules.promptHint')}
        value={form.prompt}
        onChange={(e) => set({ prompt: e.currentTarget.value })}
        autosize
        minRows={4}
        maxRows={12}
        name="prompt"
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
        error={errorOf('prompt')}
      />
    </Stack>
  );
}
