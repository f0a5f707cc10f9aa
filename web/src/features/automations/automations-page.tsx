import { Stack, Tabs, Title } from '@mantine/core';
import { IconCalendarTime, IconWebhook } from '@tabler/icons-react';
import { useSearchParams } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { SchedulesPanel } from './schedules-panel';
import { WebhooksPanel } from './webhooks-panel';

const TABS = ['webhooks', 'schedules'] as const;
type Tab = (typeof TABS)[number];

/**
 * What runs by itself: webhooks that tell other systems when work is done, and schedules that
 * queue work at set times. The open tab and the selected item live in the URL, so a link opens
 * the same view (`?tab=schedules&schedule=<id>`).
 */
export function AutomationsPage() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const tab: Tab = params.get('tab') === 'schedules' ? 'schedules' : 'webhooks';
  const select = (key: 'webhook' | 'schedule', id: string | null) => {
    setParams(
      (old) => {
        const next = new URLSearchParams(old);
        if (id === null) next.delete(key);
        else next.set(key, id);
        return next;
      },
      { replace: true },
    );
  };
  return (
    <Stack gap="md">
      <Title order={1}>{t('automations.title')}</Title>
      <Tabs value={tab} onChange={(value) => setParams(value === 'schedules' ? { tab: 'schedules' } : {}, { replace: true })} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="webhooks" leftSection={<IconWebhook size={16} aria-hidden />}>
            {t('automations.webhooks')}
          </Tabs.Tab>
          <Tabs.Tab value="schedules" leftSection={<IconCalendarTime size={16} aria-hidden />}>
            {t('automations.schedules')}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="webhooks">
          <WebhooksPanel selected={params.get('webhook')} onSelect={(id) => select('webhook', id)} />
        </Tabs.Panel>
        <Tabs.Panel value="schedules">
          <SchedulesPanel selected={params.get('schedule')} onSelect={(id) => select('schedule', id)} />
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
