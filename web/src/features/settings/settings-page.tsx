import { Button, Group, PasswordInput, SegmentedControl, Select, Stack, Text, Title, useMantineColorScheme, type MantineColorScheme } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { updateSettings, useSettings, type LanguageChoice } from '../../settings/settings-store';
import { Section } from '../../components/section';

/** The API key (kept in this browser), the theme and the language. */
export function SettingsPage() {
  const { t } = useI18n();
  const settings = useSettings();
  const queryClient = useQueryClient();
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  const [key, setKey] = useState(settings.apiKey);
  const [saved, setSaved] = useState(false);

  const saveKey = (event: FormEvent) => {
    event.preventDefault();
    updateSettings({ apiKey: key.trim() });
    setSaved(true);
    void queryClient.invalidateQueries();
  };

  return (
    <Stack gap="md" maw={640}>
      <Title order={1}>{t('settings.title')}</Title>
      <Section title={t('settings.apiKey')}>
        <form onSubmit={saveKey}>
          <Stack gap="xs">
            <Text size="xs" c="dimmed">
              {t('settings.apiKeyHelp')}
            </Text>
            <PasswordInput
              label={t('settings.apiKey')}
              value={key}
              onChange={(event) => {
                setKey(event.currentTarget.value);
                setSaved(false);
              }}
              autoComplete="off"
              name="api-key"
            />
            <Group gap="xs">
              <Button type="submit">{t('common.save')}</Button>
              <Button
                variant="default"
                onClick={() => {
                  setKey('');
                  updateSettings({ apiKey: '' });
                  setSaved(true);
                }}
                disabled={settings.apiKey === '' && key === ''}
              >
                {t('settings.forgetKey')}
              </Button>
              {saved && (
                <Text size="xs" c="teal" role="status">
                  {t('settings.saved')}
                </Text>
              )}
            </Group>
          </Stack>
        </form>
      </Section>
      <Section title={t('settings.theme')}>
        <SegmentedControl
          aria-label={t('settings.theme')}
          value={colorScheme}
          onChange={(value) => setColorScheme(value as MantineColorScheme)}
          data={[
            { value: 'dark', label: t('settings.themeDark') },
            { value: 'light', label: t('settings.themeLight') },
            { value: 'auto', label: t('settings.themeAuto') },
          ]}
        />
      </Section>
      <Section title={t('settings.language')}>
        <Select
          aria-label={t('settings.language')}
          w={220}
          value={settings.language}
          allowDeselect={false}
          onChange={(value) => updateSettings({ language: (value ?? 'auto') as LanguageChoice })}
          data={[
            { value: 'auto', label: t('settings.languageAuto') },
            { value: 'en', label: 'English' },
            { value: 'zh', label: '简体中文' },
          ]}
        />
      </Section>
    </Stack>
  );
}
