import { AppShell, Badge, Burger, Group, NavLink, ScrollArea, Text, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconApps, IconLayoutDashboard, IconLayoutGrid, IconPhoto, IconServer2, IconSettings, IconWebhook } from '@tabler/icons-react';
import { Suspense, type ReactNode } from 'react';
import { NavLink as RouterLink, useLocation } from 'react-router';
import { LoadingState } from '../components/state-views';
import { useI18n, type MessageKey } from '../i18n/i18n';
import { useLive } from '../live/live-context';

const NAV: readonly { readonly to: string; readonly label: MessageKey; readonly icon: typeof IconPhoto }[] = [
  { to: '/', label: 'nav.overview', icon: IconLayoutDashboard },
  { to: '/gallery', label: 'nav.gallery', icon: IconPhoto },
  { to: '/apps', label: 'nav.apps', icon: IconApps },
  { to: '/sweeps', label: 'nav.sweeps', icon: IconLayoutGrid },
  { to: '/backends', label: 'nav.backends', icon: IconServer2 },
  { to: '/automations', label: 'nav.automations', icon: IconWebhook },
  { to: '/preferences', label: 'nav.settings', icon: IconSettings },
];

/** Header, side navigation and the page; the live connection's state in the header. */
export function Shell({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const [opened, { toggle, close }] = useDisclosure(false);
  const location = useLocation();
  const live = useLive();
  // Live means both: /ws (queue, own progress, previews) and the event stream (everyone's progress).
  const connected = live.connected && live.eventsConnected;
  const current = (to: string) => (to === '/' ? location.pathname === '/' : location.pathname.startsWith(to));

  return (
    <AppShell header={{ height: 44 }} navbar={{ width: 200, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.toggle')} />
            <img src="/favicon.svg" width={20} height={20} alt="" />
            <Text fw={600} size="sm">
              comfyui-automa
            </Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            {live.queueRemaining !== null && (
              <Badge variant="default" aria-label={t('header.queueRemaining', { count: live.queueRemaining })}>
                {t('header.queueRemaining', { count: live.queueRemaining })}
              </Badge>
            )}
            <Tooltip label={connected ? t('header.liveOn') : t('header.liveOff')}>
              <Badge color={connected ? 'teal' : 'red'} variant="dot" data-testid="live-state" data-connected={connected}>
                {connected ? t('header.live') : t('header.offline')}
              </Badge>
            </Tooltip>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t('nav.label')}>
        <AppShell.Section grow component={ScrollArea}>
          <nav>
            {NAV.map(({ to, label, icon: Icon }) => (
              <NavLink
                key={to}
                component={RouterLink}
                to={to}
                label={t(label)}
                leftSection={<Icon size={16} stroke={1.6} aria-hidden />}
                active={current(to)}
                aria-current={current(to) ? 'page' : undefined}
                onClick={close}
                style={{ borderRadius: 4 }}
              />
            ))}
          </nav>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <Suspense fallback={<LoadingState />}>{children}</Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
