import { Alert, Button, FileButton, Stack, Text, TextInput } from '@mantine/core';
import { IconAlertTriangle, IconFileImport } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type DragEvent } from 'react';
import type { AppView } from '@contract';
import { api } from '../../api/client';
import { useI18n } from '../../i18n/i18n';

/** The app's name from the file's: `txt2img.json` → `txt2img`. */
export function nameFromFile(filename: string): string {
  return filename.replace(/\.(json|png)$/i, '').trim() || 'workflow';
}

/**
 * Import a workflow by dropping it here or choosing it: a UI workflow (what ComfyUI saves), an
 * API-format export, one with App Mode inputs, or a PNG that ComfyUI's SaveImage wrote.
 */
export function AppImport({ onImported }: { onImported: (app: AppView) => void }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [over, setOver] = useState(false);
  const importApp = useMutation({
    mutationFn: (file: File) => api.importApp(file, name.trim() === '' ? nameFromFile(file.name) : name.trim()),
    onSuccess: (app) => {
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['apps'] });
      onImported(app);
    },
  });
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setOver(false);
    const file = event.dataTransfer.files[0];
    if (file !== undefined) importApp.mutate(file);
  };
  return (
    <Stack gap="xs">
      <div
        data-testid="app-dropzone"
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={drop}
        style={{
          border: `1px dashed ${over ? 'var(--mantine-primary-color-filled)' : 'var(--mantine-color-default-border)'}`,
          borderRadius: 6,
          padding: 14,
          textAlign: 'center',
          background: over ? 'var(--mantine-color-default-hover)' : undefined,
        }}
      >
        <Stack gap={8} align="center">
          <IconFileImport size={24} stroke={1.5} aria-hidden />
          <Text size="sm">{t('apps.drop')}</Text>
          <Text size="xs" c="dimmed">
            {t('apps.dropHint')}
          </Text>
          <FileButton onChange={(file) => file !== null && importApp.mutate(file)} accept=".json,.png,application/json,image/png">
            {(props) => (
              <Button {...props} loading={importApp.isPending}>
                {t('apps.chooseFile')}
              </Button>
            )}
          </FileButton>
        </Stack>
      </div>
      <TextInput label={t('apps.importName')} placeholder={t('apps.importNameHint')} value={name} onChange={(e) => setName(e.currentTarget.value)} />
      {importApp.error && (
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} role="alert" title={t('apps.importFailed')}>
          {importApp.error.message}
        </Alert>
      )}
    </Stack>
  );
}
