import { Alert, Button, Checkbox, Group, Modal, NumberInput, ScrollArea, Select, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import type { AppView, InputBindingBody } from '@contract';
import { api } from '../../api/client';
import { useI18n } from '../../i18n/i18n';

interface Row {
  readonly binding: InputBindingBody;
  readonly included: boolean;
  readonly numeric: boolean;
}

/** Literal inputs of the prompt's nodes that no app input binds yet: what can be added. */
export function unboundInputs(app: AppView): { value: string; label: string; node: string; input: string }[] {
  const bound = new Set(app.inputs.map((i) => `${i.node}/${i.input}`));
  const found: { value: string; label: string; node: string; input: string }[] = [];
  for (const [node, spec] of Object.entries(app.prompt)) {
    const { class_type: classType, inputs } = spec as { class_type?: string; inputs?: Record<string, unknown> };
    for (const [input, value] of Object.entries(inputs ?? {})) {
      if (Array.isArray(value) || bound.has(`${node}/${input}`)) continue; // a link, or already an input
      found.push({ value: `${node}/${input}`, label: `#${node} ${classType ?? '?'} · ${input}`, node, input });
    }
  }
  return found;
}

/** A name for a new input that no other input has. */
function freeName(wanted: string, taken: readonly string[]): string {
  let name = wanted;
  for (let n = 2; taken.includes(name); n += 1) name = `${wanted}_${n}`;
  return name;
}

/**
 * Pick and adjust an app's inputs: keep or drop each, relabel it, narrow a number's range, and
 * add any other value of the workflow. Saved as the same workflow with these inputs; the service
 * types them again from the pool.
 */
export function InputsEditor({ app, opened, onClose }: { app: AppView; opened: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const initial = useMemo<Row[]>(
    () =>
      app.inputs.map((i) => ({
        binding: { name: i.name, node: i.node, input: i.input, label: i.label, ...(i.min !== undefined && { min: i.min }), ...(i.max !== undefined && { max: i.max }) },
        included: true,
        numeric: i.type === 'int' || i.type === 'float',
      })),
    [app.inputs],
  );
  const [rows, setRows] = useState<Row[]>(initial);
  const addable = unboundInputs(app).filter((a) => !rows.some((r) => `${r.binding.node}/${r.binding.input}` === a.value));
  const update = (index: number, patch: Partial<Row> | ((row: Row) => Row)) => setRows((old) => old.map((row, i) => (i !== index ? row : typeof patch === 'function' ? patch(row) : { ...row, ...patch })));
  const setBinding = (index: number, patch: Partial<InputBindingBody>) => update(index, (row) => ({ ...row, binding: { ...row.binding, ...patch } }));
  const save = useMutation({
    mutationFn: () => api.setAppInputs(app, rows.filter((r) => r.included).map((r) => r.binding)),
    onSuccess: (updated) => {
      queryClient.setQueryData(['apps', app.id], updated);
      void queryClient.invalidateQueries({ queryKey: ['apps'], exact: true });
      onClose();
    },
  });
  const close = () => {
    setRows(initial);
    save.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={t('apps.editInputs')} size="xl" centered closeButtonProps={{ 'aria-label': t('common.close') }}>
      <Stack gap="sm">
        <Text size="xs" c="dimmed">
          {t('apps.editInputsHint')}
        </Text>
        <ScrollArea.Autosize mah="55vh">
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('apps.include')}</Table.Th>
                <Table.Th>{t('apps.inputName')}</Table.Th>
                <Table.Th>{t('apps.inputLabel')}</Table.Th>
                <Table.Th>{t('apps.inputRange')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((row, index) => (
                <Table.Tr key={`${row.binding.node}/${row.binding.input}`} data-testid="input-row">
                  <Table.Td>
                    <Checkbox aria-label={t('apps.includeInput', { name: row.binding.name })} checked={row.included} onChange={(e) => update(index, { included: e.currentTarget.checked })} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {row.binding.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      #{row.binding.node} · {row.binding.input}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <TextInput aria-label={t('apps.labelOf', { name: row.binding.name })} value={row.binding.label ?? ''} onChange={(e) => setBinding(index, { label: e.currentTarget.value })} disabled={!row.included} />
                  </Table.Td>
                  <Table.Td>
                    {row.numeric && (
                      <Group gap={4} wrap="nowrap">
                        <NumberInput aria-label={t('apps.minOf', { name: row.binding.name })} w={90} value={row.binding.min ?? ''} onChange={(v) => setBinding(index, { ...(typeof v === 'number' ? { min: v } : { min: undefined }) })} disabled={!row.included} />
                        <NumberInput aria-label={t('apps.maxOf', { name: row.binding.name })} w={90} value={row.binding.max ?? ''} onChange={(v) => setBinding(index, { ...(typeof v === 'number' ? { max: v } : { max: undefined }) })} disabled={!row.included} />
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea.Autosize>
        <Select
          label={t('apps.addInput')}
          placeholder={addable.length === 0 ? t('apps.nothingToAdd') : t('apps.addInputHint')}
          data={addable.map(({ value, label }) => ({ value, label }))}
          value={null}
          searchable
          disabled={addable.length === 0}
          onChange={(value) => {
            const found = addable.find((a) => a.value === value);
            if (found === undefined) return;
            const name = freeName(found.input, rows.map((r) => r.binding.name));
            setRows((old) => [...old, { binding: { name, node: found.node, input: found.input }, included: true, numeric: false }]);
          }}
        />
        {save.error && (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} role="alert">
            {save.error.message}
          </Alert>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={close}>
            {t('common.cancel')}
          </Button>
          <Button loading={save.isPending} onClick={() => save.mutate()}>
            {t('common.save')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
