import { ActionIcon, Badge, Button, Group, Stack, Switch, Table, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { IconListDetails, IconPlus, IconSend, IconTrash } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { WebhookView } from '@contract';
import { api } from '../../api/client';
import { useWebhooks } from '../../api/queries';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { formatRelative } from '../../components/format';
import { Section } from '../../components/section';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';
import { DeliveryLog } from './delivery-log';
import { WebhookCreateModal } from './webhook-create-modal';

// The selected row is marked by a bar, not a background: dimmed text on a tinted row fails contrast.
const SELECTED_ROW = { boxShadow: 'inset 3px 0 0 var(--mantine-primary-color-filled)' } as const;
const STATUS_COLOR = { active: 'teal', paused: 'orange', disabled: 'gray' } as const;

/** Webhook endpoints: create (the secret shown once), enable/disable, test, delete; the selected one's delivery log below. */
export function WebhooksPanel({ selected, onSelect }: { selected: string | null; onSelect: (id: string | null) => void }) {
  const { t } = useI18n();
  const webhooks = useWebhooks();
  const [creating, setCreating] = useState(false);
  const [removing, setRemoving] = useState<WebhookView | null>(null);
  const queryClient = useQueryClient();
  const current = webhooks.data?.webhooks.find((w) => w.id === selected);

  return (
    <Stack gap="md">
      <Section
        title={t('webhooks.title')}
        actions={
          <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setCreating(true)}>
            {t('webhooks.new')}
          </Button>
        }
      >
        {webhooks.isPending ? (
          <LoadingState />
        ) : webhooks.isError ? (
          <ErrorState error={webhooks.error} onRetry={() => void webhooks.refetch()} />
        ) : webhooks.data.webhooks.length === 0 ? (
          <EmptyState title={t('webhooks.empty')}>{t('webhooks.emptyHint')}</EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('webhooks.url')}</Table.Th>
                  <Table.Th>{t('webhooks.events')}</Table.Th>
                  <Table.Th>{t('webhooks.status')}</Table.Th>
                  <Table.Th>{t('webhooks.lastSuccess')}</Table.Th>
                  <Table.Th>{t('webhooks.enabled')}</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>{t('backends.actions')}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {webhooks.data.webhooks.map((webhook) => (
                  <WebhookRow key={webhook.id} webhook={webhook} selected={webhook.id === selected} onSelect={onSelect} onRemove={() => setRemoving(webhook)} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Section>
      {current !== undefined && <DeliveryLog webhook={current} onClose={() => onSelect(null)} />}
      <WebhookCreateModal opened={creating} onClose={() => setCreating(false)} onCreated={(id) => onSelect(id)} />
      <ConfirmDialog
        opened={removing !== null}
        title={t('webhooks.removeTitle')}
        body={t('webhooks.removeBody', { url: removing?.url ?? '' })}
        confirm={t('webhooks.remove')}
        action={async () => {
          if (removing === null) return;
          // Close its panel first: a poll of something deleted would answer 404.
          if (removing.id === selected) onSelect(null);
          await api.deleteWebhook(removing.id);
          queryClient.removeQueries({ queryKey: ['webhooks', removing.id] });
          await queryClient.invalidateQueries({ queryKey: ['webhooks'], exact: true });
        }}
        onClose={() => setRemoving(null)}
      />
    </Stack>
  );
}

function WebhookRow({ webhook, selected, onSelect, onRemove }: { webhook: WebhookView; selected: boolean; onSelect: (id: string | null) => void; onRemove: () => void }) {
  const { t, language } = useI18n();
  const queryClient = useQueryClient();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['webhooks'] });
  const toggle = useMutation({ mutationFn: (enabled: boolean) => api.setWebhookEnabled(webhook.id, enabled), onSettled: refresh });
  const test = useMutation({
    mutationFn: () => api.testWebhook(webhook.id),
    onSuccess: () => {
      onSelect(webhook.id);
      refresh();
    },
  });
  const error = toggle.error ?? test.error;
  const lastSuccess = webhook.last_success_time === null ? null : Date.parse(webhook.last_success_time);
  return (
    <Table.Tr data-testid="webhook-row" data-webhook-id={webhook.id} data-status={webhook.status} style={selected ? SELECTED_ROW : undefined}>
      <Table.Td maw={340}>
        <Text size="sm" ff="monospace" truncate title={webhook.url}>
          {webhook.url}
        </Text>
        {webhook.description !== null && (
          <Text size="xs" c="dimmed" truncate>
            {webhook.description}
          </Text>
        )}
        {error && (
          <Text size="xs" c="var(--mantine-color-error)" role="alert">
            {error.message}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          {webhook.kind === 'one_off' && <Badge variant="outline" size="sm">{t('webhooks.oneOff')}</Badge>}
          {webhook.events.map((pattern) => (
            <Badge key={pattern} variant="light" size="sm" tt="none">
              {pattern}
            </Badge>
          ))}
        </Group>
      </Table.Td>
      <Table.Td>
        <Tooltip label={webhook.paused_reason ?? ''} disabled={webhook.paused_reason === null}>
          <Badge color={STATUS_COLOR[webhook.status]} variant="light" data-testid="webhook-status">
            {t(`webhooks.status.${webhook.status}`)}
          </Badge>
        </Tooltip>
      </Table.Td>
      <Table.Td>
        <Text size="xs" c="dimmed">
          {lastSuccess === null ? t('webhooks.never') : formatRelative(lastSuccess, Date.now(), language === 'zh' ? 'zh-CN' : 'en')}
        </Text>
      </Table.Td>
      <Table.Td>
        <Switch
          checked={webhook.enabled}
          onChange={(event) => toggle.mutate(event.currentTarget.checked)}
          disabled={toggle.isPending}
          aria-label={t('webhooks.enabledFor', { url: webhook.url })}
        />
      </Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap" justify="flex-end">
          <Tooltip label={t('webhooks.test')}>
            <ActionIcon aria-label={`${t('webhooks.test')} ${webhook.url}`} loading={test.isPending} onClick={() => test.mutate()}>
              <IconSend size={16} />
            </ActionIcon>
          </Tooltip>
          <Tooltip label={t('webhooks.log')}>
            <ActionIcon
              variant={selected ? 'filled' : 'subtle'}
              aria-label={`${t('webhooks.log')} ${webhook.url}`}
              aria-pressed={selected}
              onClick={() => onSelect(selected ? null : webhook.id)}
            >
              <IconListDetails size={16} />
            </ActionIcon>
          </Tooltip>
          <Tooltip label={t('webhooks.remove')}>
            <ActionIcon color="red" aria-label={`${t('webhooks.remove')} ${webhook.url}`} onClick={onRemove}>
              <IconTrash size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}
