import { ActionIcon, Group, MultiSelect, NumberInput, SegmentedControl, Select, TagsInput, Text, Tooltip } from '@mantine/core';
import { IconX } from '@tabler/icons-react';
import type { AppInputView } from '@contract';
import { useI18n } from '../../i18n/i18n';
import { axisLength, kindsFor, type AxisDraft } from './sweep-axes';

/** One axis of the builder: which input, and its values (listed, a range, or N random seeds). */
export function AxisEditor({ index, axis, inputs, onChange, onRemove }: { index: number; axis: AxisDraft; inputs: readonly AppInputView[]; onChange: (axis: AxisDraft) => void; onRemove: (() => void) | null }) {
  const { t } = useI18n();
  const input = inputs.find((i) => i.name === axis.input);
  const kinds = kindsFor(input);
  const length = axisLength(axis);
  const n = index + 1;
  return (
    <Group gap="xs" align="flex-end" wrap="wrap" data-testid="sweep-axis" data-input={axis.input}>
      <Select
        label={t('sweeps.axisInput', { n })}
        data={inputs.filter((i) => i.type !== 'image').map((i) => ({ value: i.name, label: i.label }))}
        value={axis.input === '' ? null : axis.input}
        onChange={(name) => onChange({ ...axis, input: name ?? '', kind: 'values', values: [] })}
        searchable
        allowDeselect={false}
        w={180}
      />
      <SegmentedControl
        aria-label={t('sweeps.axisKind', { n })}
        value={axis.kind}
        onChange={(kind) => onChange({ ...axis, kind: kind === 'range' || kind === 'random' ? kind : 'values' })}
        data={kinds.map((k) => ({ value: k, label: t(`sweeps.kind.${k}`) }))}
      />
      {axis.kind === 'values' &&
        (input?.type === 'enum' ? (
          <MultiSelect
            aria-label={t('sweeps.axisValues', { n })}
            data={(input.choices ?? []).map((c) => String(c.value))}
            value={[...axis.values]}
            onChange={(values) => onChange({ ...axis, values })}
            searchable
            style={{ flex: 1, minWidth: 220 }}
          />
        ) : (
          <TagsInput
            aria-label={t('sweeps.axisValues', { n })}
            placeholder={t('sweeps.valuesHint')}
            value={[...axis.values]}
            onChange={(values) => onChange({ ...axis, values })}
            splitChars={[',', ' ']}
            style={{ flex: 1, minWidth: 220 }}
          />
        ))}
      {axis.kind === 'range' && (
        <>
          <NumberInput label={t('sweeps.from')} aria-label={t('sweeps.fromOf', { n })} value={axis.from} onChange={(v) => onChange({ ...axis, from: typeof v === 'number' ? v : '' })} w={90} />
          <NumberInput label={t('sweeps.to')} aria-label={t('sweeps.toOf', { n })} value={axis.to} onChange={(v) => onChange({ ...axis, to: typeof v === 'number' ? v : '' })} w={90} />
          <NumberInput label={t('sweeps.step')} aria-label={t('sweeps.stepOf', { n })} value={axis.step} onChange={(v) => onChange({ ...axis, step: typeof v === 'number' ? v : '' })} w={90} min={0} />
        </>
      )}
      {axis.kind === 'random' && (
        <NumberInput label={t('sweeps.randomCount')} aria-label={t('sweeps.randomOf', { n })} value={axis.random} onChange={(v) => onChange({ ...axis, random: typeof v === 'number' ? v : '' })} w={120} min={1} allowDecimal={false} />
      )}
      <Text size="xs" c="dimmed" pb={6} miw={70}>
        {length === null ? '—' : t('sweeps.valuesCount', { count: length })}
      </Text>
      {onRemove !== null && (
        <Tooltip label={t('sweeps.removeAxis')}>
          <ActionIcon color="red" mb={4} aria-label={`${t('sweeps.removeAxis')} ${n}`} onClick={onRemove}>
            <IconX size={16} />
          </ActionIcon>
        </Tooltip>
      )}
    </Group>
  );
}
