import { Alert, Button, Checkbox, Chip, Group, Modal, SegmentedControl, Select, Stack, TextInput } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import type { ScheduleDetail } from '@contract';
import { api, ApiError } from '../../api/client';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { fieldErrors } from '../apps/run-form';
import { browserTimeZone, CRON_PRESETS, scheduleBody, timeZones, type ScheduleForm } from './schedule-body';
import { ScheduleTargetFields } from './schedule-target';

const EMPTY: ScheduleForm = { name: '', target: 'app', prompt: '', app: '', appInputs: {}, sweep: null, when: 'cron', cron: '0 9 * * *', at: '', timezone: browserTimeZone(), missed: 'skip', paused: false };

/**
 * Make a schedule: what it submits (a run of an app, a sweep like a past one, or an API prompt),
 * a cron pattern in a time zone or one date and time, and what to do about slots missed while the
 * service was down.
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
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<ScheduleForm>(EMPTY);
  const [local, setLocal] = useState<{ field: string; problem: string } | null>(null);
  const zones = useMemo(() => timeZones(), []);
  const set = (patch: Partial<ScheduleForm>) => {
    setForm((old) => ({ ...old, ...patch }));
    setLocal(null);
  };
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
  const inputErrors = fieldErrors(create.error);
  // The service names `app`, `sweep.<field>`, `inputs.<name>`: the first part says which field.
  const serverField = create.error instanceof ApiError ? (create.error.fields[0]?.field.split('.')[0] ?? null) : null;

  return (
    <form onSubmit={submit} aria-label={t('schedules.new')}>
      <Stack gap="sm">
        <TextInput label={t('schedules.name')} placeholder={t('schedules.namePlaceholder')} value={form.name} onChange={(e) => set({ name: e.currentTarget.value })} name="name" data-autofocus />
        <ScheduleTargetFields form={form} set={set} errorOf={(field) => fieldError(field) ?? (serverField === field && create.error ? create.error.message : undefined)} inputErrors={inputErrors} />
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
        {create.error && local === null && serverField !== 'app' && serverField !== 'sweep' && Object.keys(inputErrors).length === 0 && (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} role="alert" title={t('schedules.createFailed')}>
            {create.error.message}
          </Alert>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={create.isPending}>
            {t('schedules.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
