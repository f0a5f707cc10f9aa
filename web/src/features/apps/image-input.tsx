import { Button, FileButton, Group, Input, Select, Stack, Text } from '@mantine/core';
import { IconUpload } from '@tabler/icons-react';
import { useMutation } from '@tanstack/react-query';
import type { AppInputView } from '@contract';
import { api, viewUrl } from '../../api/client';
import { AuthImage } from '../../components/auth-image';
import { useI18n } from '../../i18n/i18n';

/**
 * An image input: upload a picture (POST /upload/image, as ComfyUI's editor does) or pick one the
 * backends already have, with a preview of the chosen one. The value is the uploaded file's name.
 */
export function ImageInput({ input, value, onChange, error }: { input: AppInputView; value: string; onChange: (value: string) => void; error?: string | undefined }) {
  const { t } = useI18n();
  const upload = useMutation({
    mutationFn: (file: File) => api.uploadImage(file),
    onSuccess: (uploaded) => onChange(uploaded.subfolder === '' ? uploaded.name : `${uploaded.subfolder}/${uploaded.name}`),
  });
  const choices = (input.choices ?? []).map((c) => String(c.value));
  const slash = value.lastIndexOf('/');
  const file = { filename: slash === -1 ? value : value.slice(slash + 1), subfolder: slash === -1 ? '' : value.slice(0, slash), type: 'input' };
  return (
    <Stack gap={4} data-input={input.name}>
      <Input.Label size="xs">{input.label}</Input.Label>
      <Group gap="sm" align="flex-start" wrap="nowrap">
        <div style={{ width: 96, height: 96, flex: 'none', borderRadius: 4, overflow: 'hidden', background: 'var(--mantine-color-default)' }}>
          {value !== '' && <AuthImage src={viewUrl(file, { preview: true })} alt={t('apps.imagePreview', { name: value })} style={{ width: 96, height: 96, objectFit: 'cover', display: 'block' }} />}
        </div>
        <Stack gap={6} style={{ flex: 1 }}>
          <FileButton onChange={(f) => f !== null && upload.mutate(f)} accept="image/png,image/jpeg,image/webp">
            {(props) => (
              <Button {...props} variant="default" leftSection={<IconUpload size={14} aria-hidden />} loading={upload.isPending}>
                {t('apps.uploadImage')}
              </Button>
            )}
          </FileButton>
          {choices.length > 0 && (
            <Select aria-label={t('apps.pickImage', { label: input.label })} placeholder={t('apps.pickImageHint')} data={choices} value={choices.includes(value) ? value : null} onChange={(v) => v !== null && onChange(v)} searchable />
          )}
          {(error ?? upload.error?.message) !== undefined && (
            <Text size="xs" c="var(--mantine-color-error)">
              {error ?? upload.error?.message}
            </Text>
          )}
        </Stack>
      </Group>
    </Stack>
  );
}
