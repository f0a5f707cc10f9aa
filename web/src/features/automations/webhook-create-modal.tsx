import { Alert, Button, Checkbox, Code, CopyButton, Group, Modal, Stack, TagsInput, Text, TextInput } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconCopy } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { CreatedWebhook } from '@contract';
import { api } from '../../api/client';
import { useI18n } from '../../i18n/i18n';

/** Event patterns offered while typing; any other name or `prefix.*` can be typed. */
const EVENT_SUGGESTIONS = [
  '*',
  'run.*',
  'run.succeeded',
  'run.failed',
  'run.cancelled',
  'sweep.*',
  'sweep.completed',
  'prompt.*',
  'prompt.succeeded',
  'prompt.failed',
  'backend.*',
  'backend.down',
  'backend.up',
  'webhook.paused',
];
// Workflow runs speak as run.*, prompts sent straight to /prompt as prompt.*: a finished one of either.
const DEFAULT_EVENTS = ['run.succeeded', 'run.failed', 'prompt.succeeded', 'prompt.failed'];

/**
 * Subscribe a URL to events. The service answers with the signing secret this one time: the
 * modal shows it with a copy button until it is closed, and it is kept nowhere else.
 */
export function WebhookCreateModal({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated: (id: string) => void }) {
  const { t } = useI18n();
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const close = () => {
    setCreated(null);
    onClose();
  };
  return (
    <Modal opened={opened} onClose={close} title={created === null ? t('webhooks.new') : t('webhooks.created')} centered size="lg" closeButtonProps={{ 'aria-label': t('common.close') }}>
      {created === null ? (
        <CreateForm
          onCancel={close}
          onCreated={(webhook) => {
            setCreated(webhook);
            onCreated(webhook.id);
          }}
        />
      ) : (
        <SecretOnce webhook={created} onDone={close} />
      )}
    </Modal>
  );
}

function CreateForm({ onCancel, onCreated }: { onCancel: () => void; onCreated: (webhook: CreatedWebhook) => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(DEFAULT_EVENTS);
  const [description, setDescription] = useState('');
  const [enabled, setEnabled] = useState(true);
  const create = useMutation({
    mutationFn: () => api.createWebhook({ url: url.trim(), events, ...(description.trim() !== '' && { description: description.trim() }), enabled }),
    onSuccess: (webhook) => {
      void queryClient.invalidateQueries({ queryKey: ['webhooks'] });
      onCreated(webhook);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form onSubmit={submit} aria-label={t('webhooks.new')}>
      <Stack gap="sm">
        <TextInput label={t('webhooks.url')} placeholder="https://example.com/hooks/comfyui" value={url} onChange={(e) => setUrl(e.currentTarget.value)} required name="url" data-autofocus />
        <TagsInput
          label={t('webhooks.events')}
          description={t('webhooks.eventsHint')}
          data={EVENT_SUGGESTIONS}
          value={events}
          onChange={setEvents}
          clearable
          splitChars={[',', ' ']}
        />
        <TextInput label={t('webhooks.description')} value={description} onChange={(e) => setDescription(e.currentTarget.value)} name="description" />
        <Checkbox label={t('webhooks.enableNow')} checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        {create.error && (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} role="alert" title={t('webhooks.createFailed')}>
            {create.error.message}
          </Alert>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={create.isPending} disabled={url.trim() === '' || events.length === 0}>
            {t('webhooks.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function SecretOnce({ webhook, onDone }: { webhook: CreatedWebhook; onDone: () => void }) {
  const { t } = useI18n();
  return (
    <Stack gap="sm" data-testid="webhook-secret">
      <Text size="sm">{t('webhooks.createdFor', { url: webhook.url })}</Text>
      <Alert color="yellow" variant="light" icon={<IconAlertTriangle size={16} />} title={t('webhooks.secretOnce')}>
        {t('webhooks.secretExplain')}
      </Alert>
      <Group gap="xs" wrap="nowrap">
        <Code block style={{ flex: 1, wordBreak: 'break-all', whiteSpace: 'pre-wrap' }} data-testid="webhook-secret-value">
          {webhook.secret}
        </Code>
        <CopyButton value={webhook.secret}>
          {({ copied, copy }) => (
            <Button variant={copied ? 'light' : 'filled'} color={copied ? 'teal' : undefined} leftSection={copied ? <IconCheck size={16} aria-hidden /> : <IconCopy size={16} aria-hidden />} onClick={copy}>
              {copied ? t('webhooks.copied') : t('webhooks.copy')}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Text size="xs" c="dimmed">
        {t('webhooks.verifyHint')}
      </Text>
      <Group justify="flex-end">
        <Button onClick={onDone}>{t('webhooks.done')}</Button>
      </Group>
    </Stack>
  );
}
