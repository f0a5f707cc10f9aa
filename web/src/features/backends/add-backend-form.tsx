import { Button, Group, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api/client';
import { useI18n } from '../../i18n/i18n';

/** Add a ComfyUI server to the pool by URL (and optionally a name). */
export function AddBackendForm() {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [url, setUrl] = useState('');
  const [name, setName] = useState('');
  const add = useMutation({
    mutationFn: () => api.addBackend(name.trim() === '' ? { url: url.trim() } : { url: url.trim(), name: name.trim() }),
    onSuccess: () => {
      setUrl('');
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['backends'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (url.trim() !== '') add.mutate();
  };
  const error = add.error instanceof ApiError ? `${add.error.message}${add.error.details ? ` (${add.error.details})` : ''}` : add.error?.message;
  return (
    <form onSubmit={submit} aria-label={t('backends.add')}>
      <Group align="flex-start" gap="xs">
        <TextInput
          label={t('backends.url')}
          placeholder="http://127.0.0.1:8188"
          value={url}
          onChange={(event) => setUrl(event.currentTarget.value)}
          error={error}
          required
          w={280}
          name="url"
        />
        <TextInput label={t('backends.name')} placeholder={t('backends.nameHint')} value={name} onChange={(event) => setName(event.currentTarget.value)} w={180} name="name" />
        <Button type="submit" mt={21} loading={add.isPending} disabled={url.trim() === ''}>
          {t('backends.add')}
        </Button>
      </Group>
    </form>
  );
}
