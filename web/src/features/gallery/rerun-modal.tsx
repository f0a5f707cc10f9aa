import { Button, Group, Modal, ScrollArea, Stack, Switch, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { JobDetail, SubmitResult } from '@contract';
import { api } from '../../api/client';
import { shortId } from '../../components/format';
import { ErrorState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { changedRunExtraData, editableInputs, problemOf, promptWith, type Draft, type EditableInput } from './rerun-values';

/** A form of the job's literal input values, prefilled; submitting queues the changed prompt as a new job. */
export function RerunModal({ job, opened, onClose, onQueued }: { job: JobDetail; opened: boolean; onClose: () => void; onQueued: (result: SubmitResult) => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const inputs = useMemo(() => editableInputs(job.workflow.prompt), [job.workflow.prompt]);
  const [draft, setDraft] = useState<Draft>({});
  const problems = inputs.filter((input) => problemOf(input, draft[input.key] ?? input.initial) !== null);
  const submit = useMutation({
    mutationFn: () => api.submit(promptWith(job.workflow.prompt, inputs, draft), changedRunExtraData(job.workflow.extra_data)),
    onSuccess: (result) => {
      void queryClient.invalidateQueries({ queryKey: ['queue'] });
      setDraft({});
      onQueued(result);
      onClose();
    },
  });
  const nodes = [...new Set(inputs.map((input) => input.node))];

  return (
    <Modal opened={opened} onClose={onClose} size="lg" title={t('gallery.rerunTitle', { id: shortId(job.id) })} closeButtonProps={{ 'aria-label': t('common.close') }}>
      <form
        data-testid="rerun-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (problems.length === 0) submit.mutate();
        }}
      >
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {inputs.length === 0 ? t('gallery.rerunNothing') : t('gallery.rerunHint')}
          </Text>
          <ScrollArea.Autosize mah="60vh" type="auto" offsetScrollbars>
            <Stack gap="md">
              {nodes.map((node) => {
                const fields = inputs.filter((input) => input.node === node);
                const first = fields[0];
                return (
                  <Stack key={node} gap={6} data-node={node}>
                    <Text size="sm" fw={600}>
                      #{node} {first?.title ?? first?.classType}
                      {first?.title !== null && first?.title !== undefined && (
                        <Text span size="xs" c="dimmed">
                          {' '}
                          {first.classType}
                        </Text>
                      )}
                    </Text>
                    {fields.map((input) => (
                      <ValueField key={input.key} input={input} value={draft[input.key] ?? input.initial} onChange={(value) => setDraft({ ...draft, [input.key]: value })} />
                    ))}
                  </Stack>
                );
              })}
            </Stack>
          </ScrollArea.Autosize>
          {submit.error && <ErrorState error={submit.error} />}
          <Group justify="flex-end" gap="xs">
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={submit.isPending} disabled={problems.length > 0 || inputs.length === 0}>
              {t('gallery.rerunSubmit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ValueField({ input, value, onChange }: { input: EditableInput; value: string | boolean; onChange: (value: string | boolean) => void }) {
  const { t } = useI18n();
  const problem = problemOf(input, value);
  const error = problem === 'number' ? t('gallery.notANumber') : problem === 'json' ? t('gallery.invalidJson') : undefined;
  const common = { label: input.name, 'data-input': input.key, size: 'xs' as const };
  if (input.kind === 'boolean') return <Switch {...common} checked={value === true} onChange={(event) => onChange(event.currentTarget.checked)} />;
  const text = String(value);
  // Prompts are often long or several lines: those get a box that grows.
  if (input.kind === 'text' && (text.length > 60 || text.includes('\n'))) {
    return <Textarea {...common} autosize minRows={2} maxRows={8} value={text} onChange={(event) => onChange(event.currentTarget.value)} />;
  }
  return <TextInput {...common} ff={input.kind === 'text' ? undefined : 'monospace'} inputMode={input.kind === 'number' ? 'decimal' : undefined} value={text} error={error} onChange={(event) => onChange(event.currentTarget.value)} />;
}
