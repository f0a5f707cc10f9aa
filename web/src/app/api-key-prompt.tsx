/**
 * Asks for the API key when the service answers 401: the key is kept in the browser and every
 * query is retried with it.
 */
import { Button, Group, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { onUnauthorized } from '../api/client';
import { useI18n } from '../i18n/i18n';
import { getSettings, updateSettings } from '../settings/settings-store';

export function ApiKeyPrompt() {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [opened, setOpened] = useState(false);
  const [value, setValue] = useState('');
  const [rejected, setRejected] = useState(false);

  useEffect(
    () =>
      onUnauthorized(() => {
        // A key that was just tried and refused: say so instead of asking silently again.
        setRejected(getSettings().apiKey !== '');
        setOpened(true);
      }),
    [],
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (value.trim() === '') return;
    updateSettings({ apiKey: value.trim() });
    setOpened(false);
    setValue('');
    void queryClient.invalidateQueries();
  };

  return (
    <Modal opened={opened} onClose={() => setOpened(false)} title={t('apiKey.title')} centered closeButtonProps={{ 'aria-label': t('common.close') }}>
      <form onSubmit={submit}>
        <Stack gap="sm">
          <Text size="sm">{t('apiKey.explain')}</Text>
          <PasswordInput
            label={t('settings.apiKey')}
            value={value}
            onChange={(event) => setValue(event.currentTarget.value)}
            error={rejected ? t('apiKey.rejected') : undefined}
            data-autofocus
            autoComplete="off"
            name="api-key"
          />
          <Group justify="flex-end">
            <Button type="submit" disabled={value.trim() === ''}>
              {t('apiKey.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
