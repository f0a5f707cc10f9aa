import { ActionIcon, Badge, Button, Code, Group, Stack, Table, Text, Tooltip, VisuallyHidden } from '@mantine/core';
import { IconChevronDown, IconChevronRight, IconRefresh, IconSend } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Fragment, useState } from 'react';
import type { DeliveryAttemptView, WebhookDeliveryView, WebhookView } from '@contract';
import { api } from '../../api/client';
import { useDeliveryLog } from '../../api/queries';
import { formatIso, formatRelative, shortId } from '../../components/format';
import { Section } from '../../components/section';
import { EmptyState, ErrorState, LoadingState } from '../../components/state-views';
import { useI18n } from '../../i18n/i18n';

const STATUS_COLOR = { pending: 'blue', succeeded: 'teal', dead: 'red' } as const;

/** Attempts by delivery, newest first (the API lists them newest first across the endpoint). */
export function attemptsByDelivery(attempts: readonly DeliveryAttemptView[]): ReadonlyMap<number, readonly DeliveryAttemptView[]> {
  const map = new Map<number, DeliveryAttemptView[]>();
  for (const attempt of attempts) {
    const list = map.get(attempt.delivery_id) ?? [];
    list.push(attempt);
    map.set(attempt.delivery_id, list);
  }
  for (const list of map.values()) list.sort((a, b) => b.attempt - a.attempt);
  return map;
}

/** One endpoint's deliveries: status, HTTP code, latency, attempts and the receiver's answer; redeliver any, send a test. */
export function DeliveryLog({ webhook, onClose }: { webhook: WebhookView; onClose: () => void }) {
  const { t } = useI18n();
  const log = useDeliveryLog(webhook.id);
  const queryClient = useQueryClient();
  const test = useMutation({
    mutationFn: () => api.testWebhook(webhook.id),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['webhooks', webhook.id, 'log'] }),
  });
  const attempts = log.data === undefined ? new Map<number, readonly DeliveryAttemptView[]>() : attemptsByDelivery(log.data.attempts);
  return (
    <Section
      title={t('deliveries.title', { url: webhook.url })}
      actions={
        <Group gap="xs">
          <Button variant="light" leftSection={<IconSend size={16} aria-hidden />} loading={test.isPending} onClick={() => test.mutate()}>
            {t('webhooks.test')}
          </Button>
          <Button variant="default" onClick={onClose}>
            {t('common.close')}
          </Button>
        </Group>
      }
    >
      <div data-testid="delivery-log">
        {test.error && (
          <Text size="xs" c="var(--mantine-color-error)" role="alert" mb="xs">
            {test.error.message}
          </Text>
        )}
        {log.isPending ? (
          <LoadingState />
        ) : log.isError ? (
          <ErrorState error={log.error} onRetry={() => void log.refetch()} />
        ) : log.data.deliveries.length === 0 ? (
          <EmptyState title={t('deliveries.empty')}>{t('deliveries.emptyHint')}</EmptyState>
        ) : (
          <Table.ScrollContainer minWidth={820}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={32}>
                    <VisuallyHidden>{t('deliveries.expand')}</VisuallyHidden>
                  </Table.Th>
                  <Table.Th>{t('deliveries.event')}</Table.Th>
                  <Table.Th>{t('deliveries.status')}</Table.Th>
                  <Table.Th ta="right">{t('deliveries.code')}</Table.Th>
                  <Table.Th ta="right">{t('deliveries.latency')}</Table.Th>
                  <Table.Th ta="right">{t('deliveries.attempts')}</Table.Th>
                  <Table.Th>{t('deliveries.time')}</Table.Th>
                  <Table.Th>{t('deliveries.response')}</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>{t('backends.actions')}</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {log.data.deliveries.map((delivery) => (
                  <DeliveryRow key={delivery.id} webhookId={webhook.id} delivery={delivery} attempts={attempts.get(delivery.id) ?? []} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </div>
    </Section>
  );
}

function DeliveryRow({ webhookId, delivery, attempts }: { webhookId: string; delivery: WebhookDeliveryView; attempts: readonly DeliveryAttemptView[] }) {
  const { t, language } = useI18n();
  const locale = language === 'zh' ? 'zh-CN' : 'en';
  const [open, setOpen] = useState(false);
  const queryClient = useQueryClient();
  const redeliver = useMutation({
    mutationFn: () => api.redeliver(webhookId, delivery.id),
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ['webhooks', webhookId, 'log'] }),
  });
  const latest = attempts[0];
  // The receiver's own words first (an error says only `HTTP 503`); the error when nothing came back.
  const answer = latest?.response ?? latest?.error ?? delivery.last_error ?? '';
  const next = delivery.status === 'pending' && delivery.next_attempt_time !== null ? Date.parse(delivery.next_attempt_time) : null;
  return (
    <Fragment>
      <Table.Tr data-testid="delivery-row" data-delivery-id={delivery.id} data-status={delivery.status} data-code={delivery.last_status_code ?? ''}>
        <Table.Td>
          <ActionIcon size="sm" aria-expanded={open} aria-label={t('deliveries.attemptsOf', { id: delivery.id })} onClick={() => setOpen(!open)} disabled={attempts.length === 0}>
            {open ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}
          </ActionIcon>
        </Table.Td>
        <Table.Td>
          <Text size="sm" ff="monospace">
            #{delivery.event_id}
          </Text>
          {delivery.subject !== null && (
            <Text size="xs" c="dimmed" ff="monospace" title={delivery.subject}>
              {shortId(delivery.subject)}
            </Text>
          )}
        </Table.Td>
        <Table.Td>
          <Badge color={STATUS_COLOR[delivery.status]}>{t(`deliveries.status.${delivery.status}`)}</Badge>
          {next !== null && (
            <Text size="xs" c="dimmed">
              {t('deliveries.nextAttempt', { when: formatRelative(next, Date.now(), locale) })}
            </Text>
          )}
        </Table.Td>
        <Table.Td ta="right" ff="monospace">
          {delivery.last_status_code ?? '—'}
        </Table.Td>
        <Table.Td ta="right">{latest === undefined ? '—' : `${latest.latency_ms} ms`}</Table.Td>
        <Table.Td ta="right">{delivery.attempts}</Table.Td>
        <Table.Td>
          <Text size="xs" c="dimmed">
            {formatIso(latest?.time ?? delivery.create_time, locale)}
          </Text>
        </Table.Td>
        <Table.Td maw={260}>
          <Text size="xs" ff="monospace" truncate title={answer} c={latest !== undefined && latest.response === null && latest.error !== null ? 'var(--mantine-color-error)' : undefined}>
            {answer === '' ? '—' : answer}
          </Text>
          {redeliver.error && (
            <Text size="xs" c="var(--mantine-color-error)" role="alert">
              {redeliver.error.message}
            </Text>
          )}
        </Table.Td>
        <Table.Td>
          <Tooltip label={t('deliveries.redeliver')}>
            <ActionIcon aria-label={`${t('deliveries.redeliver')} #${delivery.id}`} loading={redeliver.isPending} onClick={() => redeliver.mutate()}>
              <IconRefresh size={16} />
            </ActionIcon>
          </Tooltip>
        </Table.Td>
      </Table.Tr>
      {open && (
        <Table.Tr>
          <Table.Td />
          <Table.Td colSpan={8}>
            <Stack gap={6}>
              {attempts.map((attempt) => (
                <Stack key={attempt.id} gap={2} data-testid="delivery-attempt">
                  <Text size="xs" c="dimmed">
                    {t('deliveries.attemptLine', { attempt: attempt.attempt, time: formatIso(attempt.time, locale), code: attempt.status_code ?? '—', latency: attempt.latency_ms })}
                  </Text>
                  {attempt.error !== null && (
                    <Text size="xs" c="var(--mantine-color-error)">
                      {attempt.error}
                    </Text>
                  )}
                  {attempt.response !== null && (
                    <Code block fz="xs" style={{ maxHeight: 160, overflow: 'auto', whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
                      {attempt.response}
                    </Code>
                  )}
                </Stack>
              ))}
            </Stack>
          </Table.Td>
        </Table.Tr>
      )}
    </Fragment>
  );
}
