/** The three states every data view has besides its content: loading, failed, and empty. */
import { Alert, Button, Center, Group, Loader, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconInbox } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n/i18n';

export function LoadingState({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <Center py="lg" role="status" aria-live="polite">
      <Group gap="xs">
        <Loader size="xs" />
        <Text size="sm" c="dimmed">
          {label ?? t('common.loading')}
        </Text>
      </Group>
    </Center>
  );
}

/**
 * Whether asking again may help: no answer came (network) or the service failed (5xx). A 4xx is
 * the request's own fault and answers the same every time, so its message is all there is to show.
 */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.type === 'network' || error.status === 0 || error.status >= 500;
}

/** What went wrong, in the service's words, with a retry when another try may help. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const message = error instanceof Error ? error.message : String(error);
  const unauthorized = error instanceof ApiError && error.status === 401;
  const unreachable = error instanceof ApiError && error.type === 'network';
  return (
    <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} title={unauthorized ? t('error.unauthorized') : unreachable ? t('error.unreachable') : t('error.title')} role="alert">
      <Stack gap={6} align="flex-start">
        <Text size="sm">{message}</Text>
        {error instanceof ApiError && error.details !== '' && (
          <Text size="xs" c="dimmed">
            {error.details}
          </Text>
        )}
        {onRetry && isRetryable(error) && (
          <Button variant="light" color="red" onClick={onRetry}>
            {t('common.retry')}
          </Button>
        )}
      </Stack>
    </Alert>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Center py="lg">
      <Stack gap={4} align="center">
        <IconInbox size={24} stroke={1.5} color="var(--mantine-color-dimmed)" aria-hidden />
        <Text size="sm" fw={500}>
          {title}
        </Text>
        {children !== undefined && (
          <Text size="xs" c="dimmed" ta="center" maw={420}>
            {children}
          </Text>
        )}
      </Stack>
    </Center>
  );
}
