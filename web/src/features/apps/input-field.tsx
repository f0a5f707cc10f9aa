import { ActionIcon, Badge, Checkbox, Group, Input, NumberInput, Select, Slider, Stack, Switch, Text, Textarea, TextInput, Tooltip } from '@mantine/core';
import { IconDice5 } from '@tabler/icons-react';
import type { AppInputView } from '@contract';
import { useI18n } from '../../i18n/i18n';
import { ImageInput } from './image-input';
import { decimalsOf, randomSeed, sliderRange } from './input-values';

export interface InputFieldProps {
  readonly input: AppInputView;
  readonly value: unknown;
  readonly onChange: (value: unknown) => void;
  readonly error?: string | undefined;
  /** Every backend of the pool, to say which lack a choice. */
  readonly backends: readonly string[];
}

/** One input of a run form, drawn from its type: slider, number, choice, seed, image, text or switch. */
export function InputField({ input, value, onChange, error, backends }: InputFieldProps) {
  const { t } = useI18n();
  const common = { label: input.label, description: input.description || undefined, error, 'data-input': input.name };
  switch (input.type) {
    case 'seed':
      return <SeedField input={input} value={value} onChange={onChange} error={error} />;
    case 'int':
    case 'float': {
      const range = sliderRange(input);
      const number = (
        <NumberInput
          {...common}
          label={range === null ? input.label : undefined}
          description={range === null ? common.description : undefined}
          aria-label={range === null ? undefined : input.label}
          value={typeof value === 'number' ? value : ''}
          onChange={(v) => onChange(typeof v === 'number' ? v : undefined)}
          min={input.min}
          max={input.max}
          step={input.step ?? (input.type === 'int' ? 1 : 0.01)}
          allowDecimal={input.type === 'float'}
          decimalScale={input.type === 'float' ? Math.max(2, decimalsOf(input.step)) : 0}
          w={range === null ? undefined : 110}
        />
      );
      if (range === null) return number;
      return (
        <Stack gap={2} data-input={input.name}>
          <Input.Label size="xs">{input.label}</Input.Label>
          {input.description !== '' && (
            <Input.Description size="xs" title={input.description}>
              {input.description}
            </Input.Description>
          )}
          <Group gap="sm" wrap="nowrap">
            <Slider
              style={{ flex: 1 }}
              min={range.min}
              max={range.max}
              step={range.step}
              value={typeof value === 'number' ? value : range.min}
              onChange={onChange}
              label={(v) => v.toFixed(decimalsOf(range.step))}
              thumbLabel={input.label}
            />
            {number}
          </Group>
          {error !== undefined && (
            <Text size="xs" c="var(--mantine-color-error)">
              {error}
            </Text>
          )}
        </Stack>
      );
    }
    case 'enum':
      return (
        <Select
          {...common}
          data={(input.choices ?? []).map((c) => ({ value: String(c.value), label: String(c.value) }))}
          value={value === undefined ? null : String(value)}
          onChange={(v) => onChange((input.choices ?? []).find((c) => String(c.value) === v)?.value ?? v)}
          searchable
          allowDeselect={false}
          renderOption={({ option }) => {
            const choice = (input.choices ?? []).find((c) => String(c.value) === option.value);
            const partial = choice !== undefined && choice.backends.length < backends.length;
            return (
              <Group gap={6} wrap="nowrap" justify="space-between" w="100%">
                <Text size="sm">{option.label}</Text>
                {partial && (
                  <Badge size="xs" variant="outline" color={choice.backends.length === 0 ? 'red' : 'yellow'}>
                    {choice.backends.length === 0 ? t('apps.onNoBackend') : t('apps.onlyOn', { names: choice.backends.join(', ') })}
                  </Badge>
                )}
              </Group>
            );
          }}
        />
      );
    case 'boolean':
      return <Switch label={input.label} description={common.description} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} error={error} data-input={input.name} />;
    case 'image':
      return <ImageInput input={input} value={typeof value === 'string' ? value : ''} onChange={onChange} error={error} />;
    case 'string':
      return input.multiline === true ? (
        <Textarea {...common} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.currentTarget.value)} autosize minRows={2} maxRows={10} />
      ) : (
        <TextInput {...common} value={typeof value === 'string' ? value : ''} onChange={(e) => onChange(e.currentTarget.value)} />
      );
  }
}

function SeedField({ input, value, onChange, error }: { input: AppInputView; value: unknown; onChange: (value: unknown) => void; error?: string | undefined }) {
  const { t } = useI18n();
  const random = value === 'random';
  return (
    <Stack gap={4} data-input={input.name}>
      <Group gap="xs" align="flex-end" wrap="nowrap">
        <NumberInput
          label={input.label}
          style={{ flex: 1 }}
          value={random ? '' : typeof value === 'number' ? value : ''}
          placeholder={random ? t('apps.seedRandom') : undefined}
          disabled={random}
          onChange={(v) => onChange(typeof v === 'number' ? v : undefined)}
          min={input.min ?? 0}
          max={input.max ?? Number.MAX_SAFE_INTEGER}
          allowDecimal={false}
          allowNegative={false}
          error={error}
        />
        <Tooltip label={t('apps.dice')}>
          <ActionIcon size="lg" variant="default" aria-label={`${t('apps.dice')} ${input.label}`} onClick={() => onChange(randomSeed(input.max))} mb={error === undefined ? 0 : 22}>
            <IconDice5 size={18} />
          </ActionIcon>
        </Tooltip>
      </Group>
      <Checkbox
        label={t('apps.randomEachRun')}
        checked={random}
        onChange={(e) => onChange(e.currentTarget.checked ? 'random' : typeof input.default === 'number' ? input.default : randomSeed(input.max))}
      />
    </Stack>
  );
}
