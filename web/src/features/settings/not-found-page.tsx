import { Anchor, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { useI18n } from '../../i18n/i18n';

/** A client route the app does not have. */
export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <Stack gap="xs">
      <Title order={1}>{t('notFound.title')}</Title>
      <Text size="sm" c="dimmed">
        {t('notFound.body')}
      </Text>
      <Anchor component={Link} to="/" size="sm">
        {t('nav.overview')}
      </Anchor>
    </Stack>
  );
}
