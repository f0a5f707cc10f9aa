import { Alert, Button, Checkbox, Chip, Group, Modal, SegmentedControl, Select, Stack, Textarea, TextInput } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import type { ScheduleDetail } from '@contract';
import { api } from '../../api/client';
import { useRecentJobs } from '../../api/queries';
import { formatTime, shortId } from '../../components/format';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { browserTimeZone, CRON_PRESETS, scheduleBody, timeZones, type ScheduleForm } from './schedule-body';

const EMPTY: ScheduleForm = { name: '', prompt: '', when: 'cron', cron: '0 9 * * *', at: '', timezone: browserTimeZone(), missed: 'skip', paused: false };

/**
 * Make a schedule: the API prompt it submits (typed in, or copied from a job in the history),
 * a cron pattern in a time zone or one date and time, and what to do about slots missed while the
 * service was down. Apps and sweeps as targets come with workflow apps.
 */
export function ScheduleCreateModal({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (schedule: ScheduleDetail) => void }) {
  const { t } = useI18n();
  const close = () => onClose();
  return (
    <Modal opened={opened} onClose={close} title={t('schedules.new')} centered size="lg" closeButtonProps={{ 'aria-label': t('common.close') }}>
      {opened && <CreateForm onCancel={close} onCreated={onCreated} />}
    </Modal>
  );
}

function CreateForm({ onCancel, onCreated }: { onCancel: () => void; onCreated: (schedule: ScheduleDetail) => void }) {
  const { t, language } = useI18n();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<ScheduleForm>(EMPTY);
  const [local, setLocal] = useState<{ field: string; problem: string } | null>(null);
  const zones = useMemo(() => timeZones(), []);
  const set = (patch: Partial<ScheduleForm>) => {
    setForm((old) => ({ ...old, ...patch }));
    setLocal(null);
  };
  const recent = useRecentJobs(['completed', 'failed'], 20);
  const copyFrom = useMutation({
    mutationFn: (id: string) => api.job(id),
    onSuccess: (job) => set({ prompt: JSON.stringify(job.workflow.prompt, null, 2) }),
  });
  const create = useMutation({
    mutationFn: () => {
      const result = scheduleBody(form);
      if (!result.ok) throw Object.assign(new Error(result.problem), { field: result.field });
      return api.createSchedule(result.body);
    },
    onSuccess: (schedule) => {
      void queryClient.invalidateQueries({ queryKey: ['schedules'] });
      onCreated(schedule);
    },
    onError: (error) => {
      const field = (error as { field?: string }).field;
      if (field !== undefined) setLocal({ field, problem: error.message });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  const fieldError = (field: string) => (local?.field === field ? t('schedules.invalid', { problem: local.problem }) : undefined);
  const locale = language === 'zh' ? 'zh-CN' : 'en';
  const jobOptions = (recent.data?.jobs ?? []).map((job) => ({ value: job.id, label: `${shortId(job.id)} · ${formatTime(job.create_time, locale)}` }));

  return (
    <form onSubmit={submit} aria-label={t('schedules.new')}>
      <Stack gap="sm">
        <TextInput label={t('schedules.name')} placeholder={t('schedules.namePlaceholder')} value={form.name} onChange={(e) => set({ name: e.currentTarget.value })} name="name" data-autofocus />
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
          required
          name="prompt"
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
          error={fieldError('prompt')}
        />
        <SegmentedControl
          value={form.when}
          onChange={(value) => set({ when: value === 'at' ? 'at' : 'cron' })}
          data={[
            { value: 'cron', label: t('schedules.repeat') },
            { value: 'at', label: t('schedules.once') },
          ]}
          aria-label={t('schedules.when')}
        />
        {form.when === 'cron' ? (
          <Stack gap={6}>
            <TextInput label={t('schedules.cron')} description={t('schedules.cronHint')} value={form.cron} onChange={(e) => set({ cron: e.currentTarget.value })} name="cron" ff="monospace" error={fieldError('cron')} />
            <Group gap={6}>
              {CRON_PRESETS.map((preset) => (
                <Chip key={preset.cron} size="xs" checked={form.cron === preset.cron} onChange={() => set({ cron: preset.cron })}>
                  {t(`schedules.preset.${preset.label}` as MessageKey)}
                </Chip>
              ))}
            </Group>
            <Select label={t('schedules.timezone')} data={zones} value={form.timezone} onChange={(zone) => zone !== null && set({ timezone: zone })} searchable limit={50} allowDeselect={false} />
          </Stack>
        ) : (
          <TextInput type="datetime-local" label={t('schedules.at')} description={t('schedules.atHint', { zone: browserTimeZone() })} value={form.at} onChange={(e) => set({ at: e.currentTarget.value })} name="at" error={fieldError('at')} />
        )}
        <Select
          label={t('schedules.missed')}
          data={[
            { value: 'skip', label: t('schedules.missed.skip') },
            { value: 'run_once', label: t('schedules.missed.run_once') },
          ]}
          value={form.missed}
          onChange={(value) => set({ missed: value === 'run_once' ? 'run_once' : 'skip' })}
          allowDeselect={false}
        />
        <Checkbox label={t('schedules.startPaused')} checked={form.paused} onChange={(e) => set({ paused: e.currentTarget.checked })} />
        {create.error && local === null && (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} role="alert" title={t('schedules.createFailed')}>
            {create.error.message}
          </Alert>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={create.isPending} disabled={form.prompt.trim() === ''}>
            {t('schedules.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
