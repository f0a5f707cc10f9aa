import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useI18n } from '../i18n/i18n';

/**
 * Asks before something that cannot be undone (deleting a webhook or a schedule); runs `action`
 * and closes on success, shows the service's error otherwise.
 */
export function ConfirmDialog({ opened, title, body, confirm, action, onClose }: { opened: boolean; title: string; body: string; confirm: string; action: () => Promise<unknown>; onClose: () => void }) {
  const { t } = useI18n();
  const run = useMutation({ mutationFn: action, onSuccess: onClose });
  const close = () => {
    run.reset();
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={title} centered closeButtonProps={{ 'aria-label': t('common.close') }}>
      <Stack gap="sm">
        <Text size="sm">{body}</Text>
        {run.error && (
          <Text size="sm" c="var(--mantine-color-error)" role="alert">
            {run.error.message}
          </Text>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={close}>
            {t('common.cancel')}
          </Button>
          <Button color="red" loading={run.isPending} onClick={() => run.mutate()}>
            {confirm}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
