import '@mantine/core/styles.css';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Route, Routes } from 'react-router';
import { ApiError } from './api/client';
import { ApiKeyPrompt } from './app/api-key-prompt';
import { Shell } from './app/app-shell';
import { cssVariablesResolver, theme } from './app/theme';
import { I18nProvider } from './i18n/i18n';
import { LiveProvider } from './live/live-context';

// Each page is its own chunk: the first load carries the shell and the page it opens on.
const OverviewPage = lazy(() => import('./features/overview/overview-page').then((m) => ({ default: m.OverviewPage })));
const GalleryPage = lazy(() => import('./features/gallery/gallery-page').then((m) => ({ default: m.GalleryPage })));
const BackendsPage = lazy(() => import('./features/backends/backends-page').then((m) => ({ default: m.BackendsPage })));
const AppsPage = lazy(() => import('./features/apps/apps-page').then((m) => ({ default: m.AppsPage })));
const SweepsPage = lazy(() => import('./features/sweeps/sweeps-page').then((m) => ({ default: m.SweepsPage })));
const SweepBuilderPage = lazy(() => import('./features/sweeps/sweep-builder').then((m) => ({ default: m.SweepBuilderPage })));
const SweepPage = lazy(() => import('./features/sweeps/sweep-page').then((m) => ({ default: m.SweepPage })));
const AutomationsPage = lazy(() => import('./features/automations/automations-page').then((m) => ({ default: m.AutomationsPage })));
const SettingsPage = lazy(() => import('./features/settings/settings-page').then((m) => ({ default: m.SettingsPage })));
const NotFoundPage = lazy(() => import('./features/settings/not-found-page').then((m) => ({ default: m.NotFoundPage })));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // 4xx answers (a missing key, a deleted job) don't get better by asking again.
      retry: (failures, error) => !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
      staleTime: 2_000,
      refetchOnWindowFocus: true,
    },
  },
});

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="dark" cssVariablesResolver={cssVariablesResolver}>
      <QueryClientProvider client={queryClient}>
        <I18nProvider>
          <LiveProvider>
            <BrowserRouter>
              <Shell>
                <Routes>
                  <Route path="/" element={<OverviewPage />} />
                  <Route path="/gallery" element={<GalleryPage />} />
                  <Route path="/gallery/:promptId" element={<GalleryPage />} />
                  <Route path="/apps" element={<AppsPage />} />
                  <Route path="/apps/:appId" element={<AppsPage />} />
                  <Route path="/sweeps" element={<SweepsPage />} />
                  <Route path="/sweeps/new" element={<SweepBuilderPage />} />
                  <Route path="/sweeps/:sweepId" element={<SweepPage />} />
                  <Route path="/backends" element={<BackendsPage />} />
                  <Route path="/automations" element={<AutomationsPage />} />
                  {/* Not /settings: that path is ComfyUI's settings API, which the gateway serves. */}
                  <Route path="/preferences" element={<SettingsPage />} />
                  <Route path="*" element={<NotFoundPage />} />
                </Routes>
              </Shell>
              <ApiKeyPrompt />
            </BrowserRouter>
          </LiveProvider>
        </I18nProvider>
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
